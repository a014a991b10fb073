"""Rich renderings of engine results for the terminal (not the app)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tutor.text import shape_text


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


def print_dissection(result: Any, console: Console | None = None) -> None:
    """Print a dissection as a table with the hand calculations under each layer."""
    console = console or Console()
    table = Table(
        title=f"{result.model_name} on {result.device}, batch {result.batch_size}",
        caption="N is the batch dimension. PyTorch stores a Linear weight as (out, in) and "
        "computes x @ W.T; a Keras kernel is (in, out) with x @ W.",
        show_lines=False,
        header_style="bold",
    )
    table.add_column("#", justify="right", style="dim")
    table.add_column("layer", min_width=12, ratio=2)
    table.add_column("input → output", min_width=16, ratio=3)
    table.add_column("weight, bias", min_width=8, ratio=2)
    table.add_column("params", justify="right", no_wrap=True)
    table.add_column("mult-adds", justify="right", no_wrap=True)
    counted = result.trace.total_flops is not None
    if counted:
        table.add_column("FLOPs", justify="right", no_wrap=True)
    batch = result.batch_size
    for i, layer in enumerate(result.layers):
        indent = " " * max(layer.depth - 1, 0)
        name = Text(f"{indent}{layer.path} ", style="bold")
        name.append(layer.type, style="cyan")
        weights = " ".join(shape_text(v, compact=True) for v in layer.param_shapes.values())
        cells = [
            str(i),
            name,
            f"{_shape(layer.input_shape, batch)} → {_shape(layer.output_shape, batch)}",
            weights or "—",
            f"{layer.num_params:,}" if layer.num_params else "—",
            _si(layer.mult_adds) if layer.mult_adds else "—",
        ]
        if counted:
            cells.append(_si(layer.flops) if layer.flops else "—")
        table.add_row(*cells)
    console.print(table)
    lines = Text()
    for i, (layer, notes) in enumerate(zip(result.layers, result.notes, strict=True)):
        worked = [n for n in (notes.formula, notes.arithmetic, notes.layout, layer.note) if n]
        if not worked:
            continue
        lines.append(f"{i:>3} {layer.path} {layer.type}\n", style="bold")
        labels = ("params", "size", "layout", "note")
        for label, note in zip(
            labels, (notes.formula, notes.arithmetic, notes.layout, layer.note), strict=True
        ):
            if note:
                lines.append(f"      {label}: ", style="dim")
                lines.append(f"{note}\n")
    if lines:
        console.print("How the numbers come about:", style="bold")
        console.print(lines, end="")
    trace = result.trace
    if trace.flops_by_module:
        console.print("FLOPs run by modules themselves, outside their layers:", style="bold")
        for m in trace.flops_by_module:
            console.print(f"  {m.path or '(model)'} {m.type}: {m.flops:,}")
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
