"""The course's key numbers appear on screen as computed values (issue 7).

Each lesson is opened at the step that shows the number (the learner's saved place),
and the screen, not the lesson file, is checked.
"""

from __future__ import annotations

from pathlib import Path

from tests.ui.helpers import screen_flat, settle
from tutor.course.lesson import load_lesson
from tutor.course.progress import ProgressStore
from tutor.ui.app import TutorApp

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


async def shown_at(
    lesson_id: str, step_id: str, size: tuple[int, int] = (140, 60), pages: int = 0
) -> str:
    lesson = load_lesson(LESSONS / f"{lesson_id}.yaml").lesson
    index = next(i for i, step in enumerate(lesson.steps) if step.id == step_id)
    ProgressStore().visit(lesson_id, index)
    app = TutorApp(lesson=lesson_id)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.screen.index == index
        text = screen_flat(app)
        for _ in range(pages):
            await pilot.press("pagedown")
            text += " " + screen_flat(app)
        return text


async def test_78400_weights_and_the_two_layouts():
    text = await shown_at("03-shapes-batch", "weight-orientation")
    assert "78,400" in text
    assert "PyTorch weight (100, 784) = (out, in)" in text
    assert "Keras kernel is (784, 100) = (in, out)" in text


async def test_1574402_parameters_of_the_cifar_mlp():
    text = await shown_at("09-cifar-fc", "fc-table")
    assert "1,574,402 parameters" in text
    assert "3,072 × 512 + 512 = 1,573,376" in text  # the selected layer's formula
    assert "1,573,376" in text and "1,026" in text  # both layers' counts in the table


async def test_named_parameters_of_the_thermometer_network():
    text = await shown_at("02-thermometer", "seq-params")
    for name, shape in (
        ("0.weight", "(13, 1)"),
        ("0.bias", "(13,)"),
        ("2.weight", "(1, 13)"),
        ("2.bias", "(1,)"),
    ):
        assert f"│ {name} │ {shape} │" in text, name  # the lesson's table, filled in


async def test_lenet_shapes():
    text = await shown_at("10-convolution", "lenet", pages=2)
    for shape in ("(6, 1, 5, 5)", "(16, 6, 5, 5)", "(120, 400)"):
        assert shape in text, shape
    assert "61,706" in text
