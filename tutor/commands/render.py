"""Rich renderings of engine results for the terminal (not the app)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tutor.text import shape_text


def _shape(value: Any) -> str:
    """``(N,16,5,5)``: without spaces, so tables stay narrow; ``—`` for no shape."""
    return shape_text(value, "N", compact=True) if value else "—"


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
    for i, layer in enumerate(result.layers):
        indent = " " * max(layer.depth - 1, 0)
        name = Text(f"{indent}{layer.path} ", style="bold")
        name.append(layer.type, style="cyan")
        weights = " ".join(shape_text(v, compact=True) for v in layer.param_shapes.values())
        table.add_row(
            str(i),
            name,
            f"{_shape(layer.input_shape)} → {_shape(layer.output_shape)}",
            weights or "—",
            f"{layer.num_params:,}" if layer.num_params else "—",
            _si(layer.mult_adds) if layer.mult_adds else "—",
        )
    console.print(table)
    lines = Text()
    for i, (layer, notes) in enumerate(zip(result.layers, result.notes, strict=True)):
        worked = [n for n in (notes.formula, notes.arithmetic, notes.layout) if n]
        if not worked:
            continue
        lines.append(f"{i:>3} {layer.path} {layer.type}\n", style="bold")
        labels = ("params", "size", "layout")
        for label, note in zip(
            labels, (notes.formula, notes.arithmetic, notes.layout), strict=True
        ):
            if note:
                lines.append(f"      {label}: ", style="dim")
                lines.append(f"{note}\n")
    if lines:
        console.print("How the numbers come about:", style="bold")
        console.print(lines, end="")
    console.print(
        f"total params {result.trace.total_params:,}  ·  trainable {result.trace.trainable_params:,}"
        f"  ·  mult-adds {result.trace.total_mult_adds:,}  ·  input {shape_text(result.trace.input_shape, 'N')}"
    )
