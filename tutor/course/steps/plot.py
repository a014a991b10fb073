"""``plot``: activation functions, sums of units, and models fitted to regression data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from tutor.course.schema import LocalText, StepBase, TrainSettings, _Strict
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.script import Script
from tutor.locales import t

FUNCTIONS = ("tanh", "hardtanh", "sigmoid", "relu", "leaky_relu", "softmax", "identity", "step")


class Term(_Strict):
    """One unit of a composed curve: ``a · fn(w · x + b)``."""

    fn: Literal["tanh", "hardtanh", "sigmoid", "relu", "leaky_relu", "identity", "step"]
    w: float = 1.0
    b: float = 0.0
    a: float = 1.0


class Curve(_Strict):
    """A sum of units, each an activation of a shifted, scaled input."""

    label: LocalText | None = None
    terms: list[Term] = Field(min_length=1, max_length=32)
    c: float = 0.0


class Fit(TrainSettings):
    """A model trained on a regression dataset and drawn over its points."""

    model: str
    label: LocalText | None = None
    optimizer: Literal["sgd", "adam"] = "sgd"
    loss: Literal["cross_entropy", "nll", "mse"] = "mse"
    full_batch: bool = True
    epochs: int = Field(1000, ge=1, le=100000)
    """A full-batch fit takes one step per epoch, so it needs many."""
    outcome: dict[str, Any] | None = None
    """What the text says this fit's run shows (as on a train step), checked."""

    @field_validator("outcome")
    @classmethod
    def _check_outcome(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        from tutor.engine.outcome import check_outcome

        check_outcome(value)
        return value


class PlotStep(StepBase):
    """Activation functions and their sums, or models fitted to a regression dataset."""

    kind: Literal["plot"]
    functions: list[Literal[FUNCTIONS]] = Field(default_factory=list)  # type: ignore[valid-type]
    curves: list[Curve] = Field(default_factory=list)
    x: tuple[float, float] = (-4.0, 4.0)
    dataset: str | None = None
    fits: list[Fit] = Field(default_factory=list)
    compare: dict[str, int] | None = None
    """What the text says about the fits side by side, checked after they are trained:
    ``{lowest_train_loss: 2, not_lowest_val_loss: 2}`` (fits counted from 0)."""

    @model_validator(mode="after")
    def _something(self) -> PlotStep:
        from tutor.engine.outcome import COMPARISONS

        if not (self.functions or self.curves or self.fits):
            raise ValueError("a plot step needs 'functions', 'curves' or 'fits'")
        for name, index in (self.compare or {}).items():
            if name not in COMPARISONS:
                raise ValueError(
                    f"unknown comparison '{name}'; comparisons: {', '.join(COMPARISONS)}"
                )
            if (
                isinstance(index, bool)
                or not isinstance(index, int)
                or not 0 <= index < len(self.fits)
            ):
                raise ValueError(
                    f"compare: {name} names fit {index!r}, but the fits are 0 to {len(self.fits) - 1}"
                )
        if self.x[0] >= self.x[1]:
            raise ValueError(f"'x' must be [low, high] with low < high, got {list(self.x)}")
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
    """A fitted model as plain numbers: its curve, final losses and parameters."""

    label: str
    xs: list[float]
    ys: list[float]
    loss: float
    val_loss: float | None
    params: dict[str, list[float]]
    verdicts: list[Any] = field(default_factory=list)
    """This fit's ``outcome`` claims, checked (``tutor.engine.outcome.Verdict``)."""


@dataclass(frozen=True)
class PlotResult:
    series: list[Any] = field(default_factory=list)
    """Activation functions and curves: ``tutor.engine.functions.Series``."""
    points: tuple[list[float], list[float]] | None = None
    """The training points (x, y)."""
    val_points: tuple[list[float], list[float]] | None = None
    """The validation points, drawn apart: the fits never trained on them."""
    fits: list[FitLine] = field(default_factory=list)
    comparisons: list[Any] = field(default_factory=list)
    """The step's ``compare`` claims, checked."""


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


_CODE = """x = torch.linspace({low}, {high}, 200)
{lines}
print({names})
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


def code(step: PlotStep, ctx: CodeContext) -> Script | None:
    from tutor.engine.codegen import model_script, training_script
    from tutor.engine.script import join

    if step.functions or step.curves:
        lines = [f"{name} = {_ACTIVATION_CODE[name]}" for name in step.functions]
        for n, curve in enumerate(step.curves):
            terms = " + ".join(
                f"{term.a:g} * "
                + _ACTIVATION_CODE[term.fn].replace("(x", f"({term.w:g} * x + {term.b:g}", 1)
                for term in curve.terms
            )
            lines.append(f"curve_{n} = {curve.c:g} + {terms}")
        names = [line.split(" = ", 1)[0] for line in lines]
        body = _CODE.format(
            low=step.x[0],
            high=step.x[1],
            lines="\n".join(lines),
            names=", ".join(names) + ".shape"
            if len(names) == 1
            else "[t.shape for t in (" + ", ".join(names) + ",)]",
        )
        return Script(imports=["import torch", "import torch.nn.functional as F"], body=[body])
    dataset = ctx.dataset(step)
    parts = [
        model_script(ctx.specs[fit.model])
        + training_script(ctx.specs[fit.model], dataset, fit.config())
        for fit in step.fits
        if fit.model in ctx.specs
    ]
    return join(parts) if parts else None


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
    """Each fit trained on the training points and scored on the validation points."""
    from tutor.engine.fits import fit_regression, points
    from tutor.engine.outcome import compare_fits, judge

    session = ctx.session
    data = ctx.dataset(step.dataset)
    span = data.split("all").x if data.all is not None else data.train.x
    fits = []
    for fit in step.fits:
        spec = ctx.lesson_file.specs[fit.model]
        model = session.fresh_model(spec, seed=fit.seed)
        done = fit_regression(
            model,
            data.train,
            fit.config(),
            val=data.val,
            device=session.device.torch_device,
            span=span,
        )
        label = ctx.text(fit.label) if fit.label else fit.model
        verdicts = judge(fit.outcome, done.result) if fit.outcome else []
        fits.append(
            FitLine(label, done.xs, done.ys, done.loss, done.val_loss, done.parameters, verdicts)
        )
        session.set_trained((ctx.lesson_id, fit.model), spec, model, done.result)
    comparisons = compare_fits(
        step.compare or {}, [f.loss for f in fits], [f.val_loss for f in fits]
    )
    return PlotResult(
        series=series,
        points=points(data.train.x, data.train.y),
        val_points=points(data.val.x, data.val.y) if len(data.val) else None,
        fits=fits,
        comparisons=comparisons,
    )


KIND = StepKind("plot", PlotStep, check=check, code=code)
