"""Errors that carry a learner-facing message.

Every error the user can cause (a bad lesson, a missing device, a corrupt file) is a
``TutorError``; the command line prints its message and exits 1 without a traceback,
and the app shows it and keeps running.

An error raised with a catalog ``key`` (``TrainError(key="train.no_params")``) can be
shown in the learner's language with :meth:`TutorError.localized`; its plain message is
the English text.
"""

from __future__ import annotations

from typing import Any


class TutorError(Exception):
    """Base class for errors whose message is written for the learner."""

    exit_code = 1

    def __init__(self, *args: Any, key: str | None = None, **values: Any) -> None:
        if key is not None and not args:
            from tutor.locales import DEFAULT_LANGUAGE, t

            args = (t(key, DEFAULT_LANGUAGE, **values),)
        super().__init__(*args)
        self.key = key
        self.values = values

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__

    def localized(self, lang: str) -> str:
        """The message in ``lang`` when it came from the catalog, else the message."""
        if self.key is None:
            return self.message
        from tutor.locales import t

        return t(self.key, lang, **self.values)


class UsageError(TutorError):
    """Options that do not go together; exits 2 like argparse's own usage errors."""

    exit_code = 2
