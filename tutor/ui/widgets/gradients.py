"""The parts of the backward view, each turned into lines of segments.

Pure drawing: each function takes the plain numbers the engine handed out (a gradient
summary, heatmaps, a chain rule, the zero_grad demonstration, activation statistics)
and a translate function, and returns lines for a :class:`StripView`. No tensor math.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.segment import Segment
from rich.text import Text

from tutor.text import shape_text
from tutor.ui.widgets.grid import Cell, grid
from tutor.ui.widgets.pixels import Line, heatmap_lines, render_lines, text_line, tile

Tr = Callable[..., str]

BAR = 30
"""Cells of the longest gradient-norm bar."""


def num(value: float | None, digits: int = 4) -> str:
    """A number as the views print it: 4 significant digits, sign kept (``−`` shown)."""
    if value is None:
        return "—"
    if value == 0:
        return "0"  # not "+0" or "-0": exactly zero reads as zero
    return f"{value:+.{digits}g}"


def batch_heading(result: Any, tr: Tr) -> str:
    """Which minibatch a backward, step or modes result is about: its number, split and
    sample range (``result`` has ``batch``, ``batches``, ``split``, ``first``,
    ``batch_size``)."""
    return tr(
        "backward.batch",
        k=result.batch,
        n=result.batches,
        split=result.split,
        first=result.first,
        last=result.first + result.batch_size - 1,
        size=result.batch_size,
    )


def heading(text: str, width: int) -> list[Line]:
    return [[], text_line(Text(text, style="bold cyan"), width)]


def param_table(summary: Any, tr: Tr, width: int) -> list[Line]:
    """Every parameter: its shape beside its gradient's shape, and both norms."""
    rows: list[list[Cell]] = [
        [
            tr("backward.col.param"),
            tr("backward.col.weight"),
            tr("backward.col.grad"),
            "‖w‖",
            "‖grad‖",
            "‖grad‖/‖w‖",
        ]
    ]
    for p in summary.params:
        same = p.grad_shape == p.shape
        rows.append(
            [
                p.name,
                shape_text(p.shape),
                Text(shape_text(p.grad_shape) if p.grad_shape else "—", "" if same else "red"),
                f"{p.weight_norm:.4g}",
                f"{p.grad_norm:.4g}" if p.grad_norm is not None else "—",
                f"{p.ratio:.3g}" if p.ratio is not None else "—",
            ]
        )
    return grid(rows, width, right=(False, True, True, True, True, True))


def norm_bars(summary: Any, selected: str | None, width: int) -> list[Line]:
    """One bar per layer with parameters: sqrt(Σ ‖grad‖²) over its parameters."""
    layers = list(summary.layers)
    biggest = max((layer.norm for layer in layers), default=0.0) or 1.0
    name_w = max((len(f"{layer.path} {layer.type}") for layer in layers), default=4)
    bar_w = max(4, min(BAR, width - name_w - 16))
    lines = []
    for layer in layers:
        text = Text()
        chosen = layer.path == selected
        label = f"{layer.path} {layer.type}"
        text.append(f"{'▶ ' if chosen else '  '}{label:<{name_w}} ", style="bold" if chosen else "")
        n = round(layer.norm / biggest * bar_w)
        text.append("█" * n + "·" * (bar_w - n), style="magenta")
        text.append(f" {layer.norm:.4g}")
        lines.append(text_line(text, width))
    return lines


def gradient_maps(maps: Any, first: int, unit: int, tr: Tr, width: int) -> list[Line]:
    """The chosen layer's gradient as pictures: a window of units (or filters) around
    the chosen one, or the whole (out, in) matrix."""
    if maps is None or not maps.maps:
        return []
    scale = maps.maps[0].scale
    key = {
        "units": "backward.maps.units",
        "filters": "backward.maps.filters",
        "matrix": "backward.maps.matrix",
    }[maps.kind]
    # the tensor's name is code, the same in every language: a value, not catalog text
    head = tr(key, grad=f"{maps.layer}.weight.grad", shape=shape_text(maps.grad_shape))
    lines = [text_line(Text(head, style="dim"), width)]
    lines.append(text_line(Text(tr("backward.maps.scale", scale=scale), style="dim"), width))
    if maps.kind == "matrix":
        return lines + heatmap_lines(maps.maps[0])
    caption_key = "backward.maps.unit" if maps.kind == "units" else "backward.maps.filter"
    cells = []
    for k, heat in enumerate(maps.maps):
        index = first + k
        caption = ("▶ " if index == unit else "") + tr(caption_key, k=index)
        picture = heatmap_lines(heat)
        # A 5×5 filter is narrower than its caption: pad it so the caption fits.
        pad = len(caption) + 2 - heat.width
        if pad > 0:
            picture = [[*line, Segment(" " * pad)] for line in picture]
        cells.append((picture, [caption]))
    return lines + tile(cells, width)


def chain_lines(chain: Any, tr: Tr, width: int) -> list[Line]:
    """The chain rule for one neuron, each line a step with its numbers."""
    c = chain
    text = Text()
    text.append(
        tr(
            "backward.chain.head",
            unit=c.unit,
            layer=c.layer,
            act=c.activation,
            sample=c.sample,
            batch=c.batch_size,
        )
        + "\n",
        style="bold",
    )
    text.append(
        tr(
            "backward.chain.x",
            n=c.in_features,
            nonzero=c.x_nonzero,
            lo=num(c.x_min),
            hi=num(c.x_max),
        )
        + "\n",
        style="dim",
    )
    rows = [
        ("z = Σ w·x + b", num(c.z), tr("backward.chain.z_model", z=num(c.z_model))),
        (f"a = {c.activation}(z)" if c.activation != "none" else "a = z", num(c.a), ""),
    ]
    if c.sample_loss is not None:
        rows.append(("ℓ", f"{c.sample_loss:.4f}", tr("backward.chain.loss", loss=f"{c.loss:.4f}")))
    rows += [
        ("∂L/∂a", num(c.dl_da), tr("backward.chain.dl_da", batch=c.batch_size)),
        ("∂a/∂z", num(c.da_dz), f"{c.formula}  (autograd {num(c.da_dz_autograd)})"),
        ("∂L/∂z = ∂L/∂a · ∂a/∂z", num(c.dl_dz), f"(autograd {num(c.dl_dz_autograd)})"),
    ]
    lines = [text_line(line, width) for line in text.split("\n") if line.plain]
    equations = [
        [Text(label, style="cyan"), "=", value, Text(note, style="dim")]
        for label, value, note in rows
    ]
    lines += grid(equations, width, right=(False, False, True, False), header=False, indent=2)
    table: list[list[Cell]] = [["j", "x_j = ∂z/∂w_j", "w_j", "∂L/∂z · x_j", "Σ_b", "weight.grad"]]
    for j, x, w, term, total, auto in zip(
        c.inputs, c.x, c.w, c.sample_dl_dw, c.dl_dw, c.dl_dw_autograd, strict=True
    ):
        table.append([str(j), num(x), num(w), num(term), num(total), num(auto)])
    lines += render_lines(Text(tr("backward.chain.table"), style="dim"), width)
    lines += grid(table, width, right=(True,) * 6)
    auto_b = num(c.dl_db_autograd) if c.dl_db_autograd is not None else "—"
    lines.append(text_line(tr("backward.chain.bias", hand=num(c.dl_db), auto=auto_b), width))
    ok = c.max_abs_diff < 1e-5
    diff = ("✔ " if ok else "✘ ") + tr("backward.chain.diff", diff=f"{c.max_abs_diff:.1e}")
    lines.append(text_line(Text(diff, style="green" if ok else "red"), width))
    return lines


def zero_grad_lines(demo: Any, tr: Tr, width: int) -> list[Line]:
    """Batch 1's gradient, batch 2's added without zero_grad(), and batch 2's alone."""
    rows: list[list[Cell]] = [
        [
            demo.param,
            tr("backward.zero.first"),
            tr("backward.zero.acc"),
            tr("backward.zero.after"),
        ]
    ]
    for entry, g1, acc, g2 in zip(
        demo.entries, demo.first, demo.accumulated, demo.after_zero, strict=True
    ):
        rows.append([f"[{', '.join(map(str, entry))}]", num(g1), num(acc), num(g2)])
    rows.append(
        [
            "‖·‖",
            f"{demo.first_norm:.4g}",
            f"{demo.accumulated_norm:.4g}",
            f"{demo.after_zero_norm:.4g}",
        ]
    )
    note = tr("backward.zero.same" if demo.same_batch else "backward.zero.sum")
    check = tr("backward.zero.check", error=f"{demo.sum_error:.1e}")
    lines = grid(rows, width, right=(False, True, True, True))
    return lines + render_lines(Text(f"{note}\n{check}", style="dim"), width)


def activity_lines(activity: Sequence[Any], tr: Tr, width: int) -> list[Line]:
    """Each activation layer on this batch: how many outputs are 0 or saturated."""
    rows: list[list[Cell]] = [
        [
            tr("backward.act.layer"),
            tr("backward.act.mean"),
            tr("backward.act.std"),
            tr("backward.act.zeros"),
            tr("backward.act.saturated"),
        ]
    ]
    for a in activity:
        zeros = f"{a.zero_fraction:.1%}" if a.zero_fraction is not None else "—"
        sat = f"{a.saturated_fraction:.1%}" if a.saturated_fraction is not None else "—"
        rows.append([f"{a.path} {a.type}", f"{a.mean:.3g}", f"{a.std:.3g}", zeros, sat])
    return grid(rows, width, right=(False, True, True, True, True))


def symmetry_lines(report: Any, tr: Tr, width: int) -> list[Line]:
    """How different the chosen layer's units are after each of a few SGD steps."""
    spreads = "  ".join(f"{s:.3g}" for s in report.spreads)
    norms = "  ".join(f"{s:.3g}" for s in report.weight_norms)
    text = Text()
    text.append(tr("backward.sym.spread", layer=report.layer, steps=len(report.losses)) + "\n")
    text.append(f"  {spreads}\n", style="bold")
    text.append(tr("backward.sym.norms") + "\n")
    text.append(f"  {norms}\n", style="dim")
    same = all(s == 0 for s in report.spreads)
    text.append(tr("backward.sym.same" if same else "backward.sym.differ"), style="yellow")
    return render_lines(text, width)
