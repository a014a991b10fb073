"""One view per step kind, in ``tutor/ui/views/<kind>.py``, found by the kind's name.

Each module sets ``VIEW`` to its :class:`~tutor.ui.views.base.StepView` subclass; the
list of kinds itself is ``tutor.course.steps.KINDS``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.ui.views.base import StepView


def view_class(kind: str) -> type[StepView]:
    """The view widget class for a step kind."""
    module = importlib.import_module(f"tutor.ui.views.{kind}")
    return module.VIEW  # type: ignore[no-any-return]
