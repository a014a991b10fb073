"""The train view: accuracy beside loss, earlier runs kept with their settings, where
early stopping would stop, the step's switches, activations, and the lesson's claims
about a run checked on the run that happened."""

from __future__ import annotations

from pathlib import Path

from tests.ui.helpers import screen_flat, settle, view_of
from tutor.engine.events import early_stop_epoch
from tutor.engine.outcome import judge
from tutor.ui.app import TutorApp

LESSON = Path(__file__).resolve().parents[1] / "fixtures" / "lessons-train" / "switches.yaml"


async def _run(pilot) -> None:
    await pilot.press("s")
    await settle(pilot)


async def test_switches_earlier_runs_early_stopping_and_claims():
    app = TutorApp(lesson=str(LESSON))
    async with app.run_test(size=(140, 80)) as pilot:
        await settle(pilot)
        view = view_of(app)
        text = screen_flat(app)
        assert "dropout on · weight decay on" in text
        assert "d dropout · w weight decay" in text
        await _run(pilot)
        first = view.result
        assert first.state == "finished" and len(first.history) == 4
        text = screen_flat(app)
        # The lesson's claims, judged on this run (and they hold on this data).
        for verdict in judge({"loss_falls": True, "accuracy_at_least": 0.5}, first):
            assert verdict.held is True
        assert "✔ As the lesson says: the training loss falls." in text
        assert "✔ As the lesson says: the final accuracy is at least 50%." in text
        # Training and validation accuracy, and the gap between them, from the run.
        last = first.history[-1]
        assert f"training {last.train_accuracy:.1%} · validation {last.val_accuracy:.1%}" in text
        assert "train accuracy" in text and "validation accuracy" in text
        # Where the validation loss was lowest, and whether early stopping would stop.
        assert f"lowest validation loss at epoch {first.best_epoch}" in text
        assert (early_stop_epoch(first.history) is None) == ("would not stop yet" in text)
        # Activations after the last epoch: fc1's ReLU, its share of zeros.
        relu = next(a for a in last.activity if a.type == "ReLU")
        assert f"{relu.path} ReLU: {relu.zero_fraction:.0%} zero" in text

        # Switch dropout off and run again: the first run stays on the charts, labelled.
        await pilot.press("d", "l")
        assert "dropout off · weight decay on" in screen_flat(app)
        await _run(pilot)
        assert view.earlier and view.earlier[-1].label == (
            "lr 0.1 · batch 32 · dropout on · weight decay on"
        )
        text = screen_flat(app)
        assert "val loss, lr 0.1 · batch 32" in text
        assert "You changed the lesson's settings" in text
        assert view.record.label == "lr 0.3 · batch 32 · dropout off · weight decay on"


async def test_switch_keys_exist_only_where_the_step_offers_them():
    app = TutorApp(lesson=str(LESSON))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        view = view_of(app)
        assert view.index == 1 and view.switches == {}
        text = screen_flat(app)
        assert "Dropout on/off" not in text and "dropout on" not in text
        await pilot.press("d")  # nothing to switch: nothing happens, no error
        assert view.switches == {} and view.error_message is None
