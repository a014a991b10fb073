"""Strings of hostile-input hardening: unreadable files, values a view cannot draw,
interrupted runs, copying code, quitting routes."""

STRINGS: dict[str, str] = {
    "text.unreadable_file": "cannot read the included file {name}: {reason}",
    "train.diverged.at_start": "The loss {what} at the very first step (epoch {epoch}, step {step}), before any weight was changed, so the learning rate is not the cause: the model's output is already not finite on these inputs. Check the input scale ({scale:g}) and the data.",
    "samples.start_beyond": "this step starts at sample {start:,}, but the {split} split of {data} has {count:,} samples (0 to {last:,})",
    "error.unexpected": "something this step computed could not be shown ({detail}). The other steps still work; please report this with the lesson file",
    "settings.not_saved": "could not save your settings to {path}: {reason}",
    "key.copy": "Copy",
    "code.copied": "Copied {lines} lines of code to the clipboard",
    "code.nothing": "There is no code to copy yet",
}
