"""Broken boundary steps: each file gives exit 1 and exactly its located message.

A corpus of its own (``broken_boundary/``), beside the general one in ``broken/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.course.test_broken_lessons import assert_reported

BROKEN = Path(__file__).resolve().parent / "broken_boundary"
SETS = "circle, xor, gauss, spiral"
OUTCOMES = (
    "diverges, loss_falls, val_loss_ends_above_train, val_loss_minimum_before_end, "
    "accuracy_at_least, accuracy_below, train_val_gap_at_least, train_val_gap_below, "
    "val_loss_rise_below"
)

EXPECTED = {
    "b01-not-a-plane-set.yaml": (
        f"5:14: error: a boundary step draws a 2-D set, not 'spirals' (did you mean 'spiral'?); choose {SETS}"
    ),
    "b02-lesson-dataset-not-a-plane-set.yaml": (
        f"5:5: error: a boundary step draws a 2-D set, and the lesson's dataset is 'mnist': give the step its own 'dataset' ({SETS})"
    ),
    "b03-width-out-of-range.yaml": (
        "6:13: error: A hidden layer has from 1 to 8 units, so layer 2 cannot have 9."
    ),
    "b04-unknown-feature.yaml": (
        "5:15: error: unknown input feature 'x3'; the features are x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)"
    ),
    "b05-model-not-a-playground-network.yaml": (
        "7:12: error: model 'two' is not a playground network: two inputs, an optional PlaneFeatures layer, then a Linear and the same activation (ReLU, Tanh, Sigmoid or Identity) for each hidden layer, then a Linear with 2 outputs"
    ),
    "b06-model-and-hidden.yaml": (
        "8:13: error: the network is model 'line': leave out 'hidden', or leave out 'model' and give features, hidden and activation"
    ),
    "b07-outcome-without-epochs.yaml": (
        "6:14: error: an outcome is checked at the end of a run, and without 'epochs' this step trains until the learner stops it: give 'epochs' (e.g. 40)"
    ),
    "b08-unknown-outcome.yaml": (
        f"6:14: error: unknown outcome 'acuracy_below' (did you mean 'accuracy_below'?); outcomes: {OUTCOMES}"
    ),
    "b09-unknown-control.yaml": (
        "5:20: error: 'controls[1]' must be 'layers', 'width', 'activation', 'features', 'lr', 'regularization', 'noise' or 'dataset', not 'layer' (did you mean 'layers'?)"
    ),
    "b10-noise-out-of-range.yaml": (
        "5:12: error: Noise goes from 0 to 0.5 (0 % to 50 %); it is 0.8."
    ),
    "b11-lr-out-of-range.yaml": (
        "5:9: error: The learning rate goes from 1e-05 to 10; it is 20.0."
    ),
    "b12-model-missing.yaml": (
        "7:12: error: this lesson has no model 'lines' (did you mean 'line'?); its models: line"
    ),
}


def test_corpus_is_complete():
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_boundary_step_reports_its_line_and_message(name: str, capsys, monkeypatch):
    assert_reported(BROKEN, name, EXPECTED[name], capsys, monkeypatch)
