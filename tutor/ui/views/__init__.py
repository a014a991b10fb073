"""One live view per step kind. Each computes through the engine in a thread worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.ui.views.base import StepView


def view_class(kind: str) -> type[StepView]:
    """The view widget class for a step kind."""
    from tutor.ui.views.code import CodeView
    from tutor.ui.views.dissect import DissectView
    from tutor.ui.views.forward import ForwardView
    from tutor.ui.views.plot import PlotView
    from tutor.ui.views.quiz import QuizView
    from tutor.ui.views.samples import SamplesView
    from tutor.ui.views.softmax import SoftmaxView
    from tutor.ui.views.text import TextView
    from tutor.ui.views.train import TrainView

    return {
        "text": TextView,
        "samples": SamplesView,
        "dissect": DissectView,
        "forward": ForwardView,
        "softmax": SoftmaxView,
        "train": TrainView,
        "plot": PlotView,
        "quiz": QuizView,
        "code": CodeView,
    }[kind]
