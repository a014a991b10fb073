"""Charts keep their frame whatever the labels: Hangul is two cells a character."""

from __future__ import annotations

from rich.cells import cell_len

from tutor.ui.widgets.chart import Chart, Series, chart_lines


def _width(line) -> int:
    return sum(segment.cell_length for segment in line)


def test_hangul_legends_and_labels_keep_the_frame():
    chart = Chart(
        [Series("학습 손실", [0, 1, 2], [3, 2, 1]), Series("검증 손실", [0, 1, 2], [3, 2.5, 2])],
        xlabel="에폭",
    )
    lines = chart_lines(chart, 60, 12)
    framed = ["".join(s.text for s in line) for line in lines if _width(line)]
    assert all(_width(line) <= 60 for line in lines)
    top = next(i for i, text in enumerate(framed) if "┌" in text)
    bottom = next(i for i, text in enumerate(framed) if "└" in text)
    right = cell_len(framed[top].rstrip())
    for text in framed[top + 1 : bottom]:
        # every row of the plot ends with the frame's right border, in the same cell
        assert text.rstrip().endswith("│") and cell_len(text.rstrip()) == right, text
    assert "학습 손실" in framed[-1] and "검증 손실" in framed[-1]
