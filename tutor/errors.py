"""Errors that carry a learner-facing message.

Every error the user can cause (a bad lesson, a missing device, a corrupt file) is a
``TutorError``; the command line prints its message and exits 1 without a traceback,
and the app shows it and keeps running.
"""

from __future__ import annotations


class TutorError(Exception):
    """Base class for errors whose message is written for the learner."""

    exit_code = 1

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__
