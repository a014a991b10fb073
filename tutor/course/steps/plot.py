"""``plot``: activation functions, sums of units, and models fitted to regression data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, model_validator

from tutor.course.schema import Drawn, LocalText, StepBase, TrainSettings, _Strict
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.locales import t

#: The narrowest x range a plot draws: its ticks show a few digits, not 1e-300.
MIN_X_RANGE = 1e-6
FUNCTIONS = ("tanh", "hardtanh", "sigmoid", "relu", "leaky_relu", "softmax", "identity", "step")


class Term(_Strict):
    """One unit of a composed curve: ``a · fn(w · x + b)``."""

    fn: Literal["tanh", "hardtanh", "sigmoid", "relu", "leaky_relu", "identity", "step"]
    w: Drawn = 1.0
    b: Drawn = 0.0
    a: Drawn = 1.0


class Curve(_Strict):
    """A sum of units, each an activation of a shifted, scaled input."""

    label: LocalText | None = None
    terms: list[Term] = Field(min_length=1, max_length=32)
    c: Drawn = 0.0


class Fit(TrainSettings):
    """A model trained on a regression dataset and drawn over its points."""

    model: str
    label: LocalText | None = None
    optimizer: Literal["sgd", "adam"] = "sgd"
    loss: Literal["cross_entropy", "nll", "mse"] = "mse"
    full_batch: bool = True
    epochs: int = Field(1000, ge=1, le=100000)
    """A full-batch fit takes one step per epoch, so it needs many."""


class PlotStep(StepBase):
    """Activation functions and their sums, or models fitted to a regression dataset."""

    kind: Literal["plot"]
    functions: list[Literal[FUNCTIONS]] = Field(default_factory=list)  # type: ignore[valid-type]
    curves: list[Curve] = Field(default_factory=list)
    x: tuple[Drawn, Drawn] = (-4.0, 4.0)
    dataset: str | None = None
    fits: list[Fit] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> PlotStep:
        if not (self.functions or self.curves or self.fits):
            raise ValueError("a plot step needs 'functions', 'curves' or 'fits'")
        if not self.x[1] - self.x[0] >= MIN_X_RANGE:
            raise ValueError(
                f"'x' must be [low, high] with low < high (at least {MIN_X_RANGE:g} apart), "
                f"got {list(self.x)}"
            )
        return self

    def texts(self) -> Iterator[tuple[tuple[str | int, ...], str | dict[str, str]]]:
        yield from super().texts()
        for j, curve in enumerate(self.curves):
            if curve.label is not None:
                yield ("curves", j, "label"), curve.label
        for j, fit in enumerate(self.fits):
            if fit.label is not None:
                yield ("fits", j, "label"), fit.label


@dataclass(frozen=True)
class FitLine:
    """A fitted model as plain numbers: its curve, final loss and parameters."""

    label: str
    xs: list[float]
    ys: list[float]
    loss: float
    params: dict[str, list[float]]


@dataclass(frozen=True)
class PlotResult:
    series: list[Any] = field(default_factory=list)
    """Activation functions and curves: ``tutor.engine.functions.Series``."""
    points: tuple[list[float], list[float]] | None = None
    fits: list[FitLine] = field(default_factory=list)


def check(step: PlotStep, ctx: CheckContext) -> None:
    if not step.fits:
        return
    info = ctx.dataset(step)
    if info is not None and info.task != "regression":
        ctx.problem(
            "dataset", f"fits need a regression dataset such as thermometer, not {info.name}"
        )
    for j, fit in enumerate(step.fits):
        where = (*ctx.base, "fits", j, "model")
        spec = ctx.model(fit.model, where)
        if spec is not None and info is not None and info.task == "regression":
            ctx.combination(fit.model, info, fit.loss, where=where)


_CODE = """import torch
import torch.nn.functional as F

x = torch.linspace({low}, {high}, 200)
{lines}
"""

_ACTIVATION_CODE = {
    "tanh": "torch.tanh(x)",
    "hardtanh": "F.hardtanh(x)",
    "sigmoid": "torch.sigmoid(x)",
    "relu": "F.relu(x)",
    "leaky_relu": "F.leaky_relu(x, 0.1)",
    "identity": "x",
    "step": "(x >= 0).float()",
    "softmax": "torch.softmax(torch.stack([x, torch.zeros_like(x)]), dim=0)[0]",
}


def code(step: PlotStep, ctx: CodeContext) -> str | None:
    from tutor.engine.codegen import model_code

    if step.functions or step.curves:
        lines = [f"{name} = {_ACTIVATION_CODE[name]}" for name in step.functions]
        for n, curve in enumerate(step.curves):
            terms = " + ".join(
                f"{term.a:g} * "
                + _ACTIVATION_CODE[term.fn].replace("(x", f"({term.w:g} * x + {term.b:g}", 1)
                for term in curve.terms
            )
            lines.append(f"curve_{n} = {curve.c:g} + {terms}")
        return _CODE.format(low=step.x[0], high=step.x[1], lines="\n".join(lines))
    return "\n".join(
        model_code(ctx.specs[fit.model]) for fit in step.fits if fit.model in ctx.specs
    )


def compute(ctx: ComputeContext) -> PlotResult:
    """The step's functions and curves, and its fits trained through the engine."""
    from tutor.engine.functions import activation_series, curve_series

    step: PlotStep = ctx.step
    low, high = step.x
    series = activation_series(step.functions, low, high)
    labels = [
        ctx.text(c.label) if c.label else t("plot.curve", ctx.language, n=i + 1)
        for i, c in enumerate(step.curves)
    ]
    series += curve_series(step.curves, low, high, labels)
    if not step.fits:
        return PlotResult(series=series)
    return _fits(ctx, step, series)


def _fits(ctx: ComputeContext, step: PlotStep, series: list[Any]) -> PlotResult:
    from tutor.engine.fits import fit_regression, points

    session = ctx.session
    data = ctx.dataset(step.dataset)
    everything = data.split("all") if data.all is not None else data.train
    fits = []
    for fit in step.fits:
        spec = ctx.lesson_file.specs[fit.model]
        model = session.fresh_model(spec, seed=fit.seed)
        done = fit_regression(
            model, everything.x, everything.y, fit.config(), device=session.device.torch_device
        )
        label = ctx.text(fit.label) if fit.label else fit.model
        fits.append(FitLine(label, done.xs, done.ys, done.loss, done.parameters))
        session.set_trained((ctx.lesson_id, fit.model), spec, model, done.result)
    return PlotResult(series=series, points=points(everything.x, everything.y), fits=fits)


KIND = StepKind("plot", PlotStep, check=check, code=code)
