"""Strings of hostile-input hardening: unreadable files, values a view cannot draw,
interrupted runs, copying code, quitting routes."""

STRINGS: dict[str, str] = {
    "text.unreadable_file": "cannot read the included file {name}: {reason}",
}
