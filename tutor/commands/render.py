"""Rich renderings of engine results for the terminal (not the app)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tutor.commands.output import console as make_console
from tutor.text import clean, literal, shape_text


def _shape(value: Any, batch: int) -> str:
    """A shape with its batch dimension written N; several shapes side by side. Only a
    first size equal to the batch is the batch: an LSTM's h is (layers, N, hidden)."""
    if isinstance(value, list):
        return " ".join(_shape(s, batch) for s in value) or "—"
    if not value:
        return "—"
    return shape_text(value, "N" if value[0] == batch else None, compact=True)


def _si(value: int) -> str:
    """Mult-adds in thousands, millions or billions, as torchinfo prints them."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.2f}{suffix}"
    return str(value)


def _grads(summary: Any, layer: str) -> str:
    """``(6,1,5,5) 0.0123`` and ``(6,) 0.0045``: gradient shapes and L2 norms, one
    parameter per line in the order of the weight column."""
    parts = []
    for p in summary.params:
        if p.layer != layer:
            continue
        if p.grad_shape is None:
            parts.append(f"{p.kind} no grad")
        else:
            parts.append(f"{shape_text(p.grad_shape, compact=True)} {p.grad_norm:.3g}")
    return "\n".join(parts) or "—"


def print_dissection(
    result: Any,
    console: Console | None = None,
    gradients: Any = None,
    seed: int | None = None,
    classes: int | None = None,
) -> None:
    """Print a dissection as a table with the hand calculations under each layer.

    With ``gradients`` (a ``GradientSummary``) the table gets a gradient column and a
    line with the loss and how the batch was made (``seed``, ``classes``).
    """
    console = console or make_console()
    # Names come from spec files and the learner's modules: shown as written (literal),
    # never read as markup, and cleaned of escape codes.
    table = Table(
        title=literal(f"{result.model_name} on {result.device}, batch {result.batch_size}"),
        caption="N is the batch dimension. PyTorch stores a Linear weight as (out, in) and "
        "computes x @ W.T; a Keras kernel is (in, out) with x @ W.",
        show_lines=False,
        header_style="bold",
    )
    # Rich crops a table whose minimum widths leave no room; with the gradient column
    # the ratios alone share out an 80-column terminal.
    narrow = gradients is not None
    table.add_column("#", justify="right", style="dim")
    table.add_column("layer", min_width=None if narrow else 12, ratio=2)
    table.add_column("input → output", min_width=None if narrow else 16, ratio=3, overflow="fold")
    table.add_column("weight, bias", min_width=None if narrow else 8, ratio=2)
    table.add_column("params", justify="right", no_wrap=True)
    # With gradients, their column takes the place of mult-adds and FLOPs (80 columns).
    counted = gradients is None and result.trace.total_flops is not None
    if gradients is None:
        table.add_column("mult-adds", justify="right", no_wrap=True)
    else:
        table.add_column("grad, L2 norm", ratio=2)
    if counted:
        table.add_column("FLOPs", justify="right", no_wrap=True)
    batch = result.batch_size
    for i, layer in enumerate(result.layers):
        indent = " " * max(layer.depth - 1, 0)
        name = literal(f"{indent}{layer.path} ", style="bold")
        name.append(clean(layer.type), style="cyan")
        weights = " ".join(shape_text(v, compact=True) for v in layer.param_shapes.values())
        cells = [
            str(i),
            name,
            f"{_shape(layer.input_shape, batch)} → {_shape(layer.output_shape, batch)}",
            weights or "—",
            f"{layer.num_params:,}" if layer.num_params else "—",
        ]
        if gradients is None:
            cells.append(_si(layer.mult_adds) if layer.mult_adds else "—")
        else:
            cells.append(_grads(gradients, layer.path))
        if counted:
            cells.append(_si(layer.flops) if layer.flops else "—")
        table.add_row(*cells)
    console.print(table)
    lines = Text()
    for i, (layer, notes) in enumerate(zip(result.layers, result.notes, strict=True)):
        worked = [n for n in (notes.formula, notes.arithmetic, notes.layout, layer.note) if n]
        if not worked:
            continue
        lines.append(clean(f"{i:>3} {layer.path} {layer.type}\n"), style="bold")
        labels = ("params", "size", "layout", "note")
        for label, note in zip(
            labels, (notes.formula, notes.arithmetic, notes.layout, layer.note), strict=True
        ):
            if note:
                lines.append(f"      {label}: ", style="dim")
                lines.append(clean(f"{note}\n"))
    if lines:
        console.print("How the numbers come about:", style="bold")
        console.print(lines, end="")
    trace = result.trace
    if trace.flops_by_module:
        console.print("FLOPs run by modules themselves, outside their layers:", style="bold")
        for m in trace.flops_by_module:
            console.print(literal(f"  {m.path or '(model)'} {m.type}: {m.flops:,}"))
    shape = trace.input_shape
    shown = shape_text(shape, "N")
    flops = f"  ·  FLOPs {trace.total_flops:,}" if counted else ""
    console.print(
        f"total params {trace.total_params:,}  ·  trainable {trace.trainable_params:,}"
        f"  ·  mult-adds {trace.total_mult_adds:,}{flops}  ·  input {shown}"
    )
    if counted:
        from tutor.engine.flops import FLOPS_FOOTNOTE

        console.print(FLOPS_FOOTNOTE, style="dim")
    if gradients is not None:
        n = gradients.batch_size
        shape = ", ".join(str(v) for v in result.trace.input_shape[1:])
        console.print(
            f"loss {gradients.loss:.6g}: F.cross_entropy (mean over the batch) of "
            f"torch.randn({n}, {shape}) against torch.arange({n}) % {classes}, "
            f"after torch.manual_seed({seed}), in train mode. Each gradient has its "
            "parameter's shape: one slope per weight.",
            highlight=False,
        )
