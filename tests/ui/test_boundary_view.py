"""The boundary step: keys change the network and the map follows; accuracy as PyTorch
computes it; the lesson's claim checked after a run; the code of what is on screen.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import FIXTURE_LESSONS
from tests.ui.helpers import screen_flat, screen_text, settle, view_of
from tutor.engine.metrics import evaluate
from tutor.ui.app import TutorApp
from tutor.ui.widgets.strips import StripView

LESSON = str(FIXTURE_LESSONS / "boundary.yaml")
STEPS = ["play", "line", "open"]


async def open_step(pilot: Any, step_id: str) -> Any:
    await settle(pilot)
    for _ in range(STEPS.index(step_id)):
        await pilot.press("n")
        await settle(pilot)
    view = view_of(pilot.app)
    assert view.step.id == step_id and view.error_message is None
    return view


def drawn(view: Any) -> list[tuple[str, str]]:
    """The maps as drawn: every cell's character and colours."""
    strips = [*view.query_one("#boundary-map", StripView)._strips]
    strips += view.query_one("#boundary-units", StripView)._strips
    return [(seg.text, str(seg.style)) for strip in strips for seg in strip]


def picture(view: Any) -> tuple[Any, ...]:
    """The map's data: predicted classes and confidences, the points, every unit's map."""
    bmap = view.map
    units = [[u.heatmap.rows for u in layer] for layer in bmap.hidden]
    return (bmap.rows, bmap.points, [u.heatmap.rows for u in bmap.inputs], units)


def app_for(lang: str = "en") -> TutorApp:
    app = TutorApp(lesson=LESSON)
    app.language = lang
    return app


async def test_keys_change_the_network_and_the_map_follows():
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_step(pilot, "play")
        assert view.config.layer_sizes == (2, 4, 2)
        text = screen_flat(app)
        assert "network: x1 x2 → 4 → 2 · activation tanh" in text
        assert "inputs" in text and "hidden layer 1: 4 units, tanh" in text

        presses = [
            ("a", lambda c: c.hidden == (4, 4), "hidden layer 2: 4 units, tanh"),
            ("minus", lambda c: c.hidden == (4, 3), "hidden layer 2: 3 units, tanh"),
            ("t", lambda c: c.activation == "sigmoid", "activation sigmoid"),
            ("3", lambda c: c.features == ("x1", "x2", "x1^2"), "x1 x2 x1²"),
            ("o", lambda c: c.noise == 0.05, "noise 5%"),  # the points move
            ("k", lambda c: c.dataset == "xor", "xor · noise 5%"),
            ("d", lambda c: c.hidden == (4,), "network: x1 x2 x1² → 4 → 2"),
        ]
        for key, holds, shown in presses:
            before, lines = picture(view), drawn(view)
            generation = view.generation
            await pilot.press(key)
            await settle(pilot)
            assert holds(view.config), key
            assert view.generation == generation + 1, key
            assert view.error_message is None, key
            assert shown in screen_flat(app), key
            assert picture(view) != before, key  # the new network's map...
            assert drawn(view) != lines, key  # ...is what is on screen

        # The L2 rate starts a new run, but an untrained network does not depend on it:
        # the same weights, the same map (it changes what training does).
        before = picture(view)
        await pilot.press("w")
        await settle(pilot)
        assert view.config.regularization == 0.001 and "L2 0.001" in screen_flat(app)
        assert picture(view) == before
        sizes = [len(layer) for layer in view.map.hidden]
        assert sizes == [4] and [u.name for u in view.map.inputs] == ["x1", "x2", "x1²"]

        # The learning rate goes to the run; it does not rebuild the network.
        generation = view.generation
        await pilot.press("l")
        assert view.config.lr == 0.1 and view.generation == generation
        assert "lr 0.1" in screen_flat(app)


async def test_a_refused_key_says_why_and_changes_nothing():
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_step(pilot, "play")
        await pilot.press("d")
        await settle(pilot)
        assert view.config.hidden == ()
        assert "no hidden layer: a linear model" in screen_flat(app)
        config, generation = view.config, view.generation
        await pilot.press("d")
        await pilot.press("plus")
        assert view.config == config and view.generation == generation
        assert "There is no hidden layer to widen: press a to add one." in screen_flat(app)
        await pilot.press("1", "2")  # x1 off, then x2 would be the last feature
        assert view.config.features == ("x2",)
        assert "Keep at least one input feature" in screen_flat(app)


async def test_training_shows_loss_and_the_models_accuracy():
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_step(pilot, "play")
        untrained = picture(view)
        await pilot.press("s")
        await settle(pilot)
        assert view.state == "finished" and len(view.history) == 5
        assert view.maps_drawn >= 2 and picture(view) != untrained
        data, model = view.playground.data, view.trained
        val = evaluate(model, data.val, "classification").accuracy
        train = evaluate(model, data.train, "classification").accuracy
        test = evaluate(model, data.test, "classification").accuracy
        assert view.map.accuracy == {"train": train, "val": val}
        text = screen_flat(app)
        assert f"accuracy: train {train:.1%} · validation {val:.1%} · test {test:.1%}" in text
        last = view.history[-1]
        assert f"loss: train {last.train_loss:.4f} · validation {last.val_loss:.4f}" in text
        assert "finished · epoch 5/5" in text
        app.screen.query_one("#step-body").scroll_end(animate=False)
        await settle(pilot)
        assert "validation accuracy" in screen_flat(app)  # the chart's legend, below


async def test_the_lessons_claim_is_checked_after_the_run():
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_step(pilot, "line")
        assert view.allowed == set()
        config = view.config
        await pilot.press("a", "t", "3", "l")  # the step offers no controls
        assert view.config == config
        assert "a/d" not in screen_flat(app)
        await pilot.press("s")
        await settle(pilot)
        assert view.result.test_metrics.accuracy < 0.7
        assert "✔ As the lesson says: the final accuracy stays below 70%." in screen_flat(app)


async def test_code_shows_the_network_as_the_learner_changed_it():
    app = app_for()
    async with app.run_test(size=(120, 60)) as pilot:
        await open_step(pilot, "play")
        await pilot.press("a", "5", "t")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert "PlaneFeatures" in screen_text(app)
        code = app.screen.query_one("#code-body").content.code  # the whole Syntax
        assert 'PlaneFeatures(["x1", "x2", "x1*x2"])' in code
        assert "nn.Linear(3, 4)" in code and "nn.Linear(4, 4)" in code
        assert "nn.Sigmoid()" in code
        assert "for epoch in range(5):" in code  # the step's epochs: nothing trained yet


async def test_restart_runs_from_new_weights():
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_step(pilot, "play")
        first = picture(view)
        await pilot.press("r")
        await settle(pilot)
        assert view.config.seed == 1 and view.state == "finished"
        assert "seed 1" in screen_flat(app)
        assert picture(view) != first


async def test_keys_while_training_until_stopped():
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_step(pilot, "open")
        await pilot.press("s")
        await pilot.pause(0.5)
        assert view.state == "running"
        await app.run_action("add_layer", view)  # no idle wait: training keeps it busy
        await pilot.pause(0.5)
        assert view.config.hidden == (4, 2, 2) and view.state == "running"
        assert view.run is not None and view.run.state == "running"
        await app.run_action("stop", view)
        await settle(pilot)
        assert view.state == "stopped" and view.error_message is None
        assert [len(layer) for layer in view.map.hidden] == [4, 2, 2]


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (200, 60)])
async def test_every_size_draws_without_error(size: tuple[int, int]):
    app = app_for("ko")
    async with app.run_test(size=size) as pilot:
        view = await open_step(pilot, "play")
        await pilot.press("a", "a", "7")
        await settle(pilot)
        assert view.error_message is None
        assert "입력 특성" in screen_flat(app)
        # Nothing is cut: every line fits the widget that shows it.
        for part in ("#boundary-map", "#boundary-units"):
            strips = view.query_one(part, StripView)
            assert all(line.cell_length <= strips.size.width for line in strips._strips), part
