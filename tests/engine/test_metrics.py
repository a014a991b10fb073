"""Metrics against values worked out by hand, and evaluate() against PyTorch's own losses."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from tutor.engine.metrics import (
    confusion_matrix,
    curve_xs,
    evaluate,
    fit_curve,
    metrics_from_confusion,
)

# Nine samples, three classes. Worked by hand (rows = true class, columns = predicted):
#   true 0 -> predicted 0, 1, 0     row [2, 1, 0]
#   true 1 -> predicted 1, 2        row [0, 1, 1]
#   true 2 -> predicted 2, 2, 0, 1  row [1, 1, 2]
Y_TRUE = [0, 0, 0, 1, 1, 2, 2, 2, 2]
Y_PRED = [0, 1, 0, 1, 2, 2, 2, 0, 1]
CONFUSION = [[2, 1, 0], [0, 1, 1], [1, 1, 2]]
# precision = diagonal / column sums (3, 3, 3); recall = diagonal / row sums (3, 2, 4)
PRECISION = [2 / 3, 1 / 3, 2 / 3]
RECALL = [2 / 3, 1 / 2, 2 / 4]
# F1 = 2PR / (P + R): 2/3; (1/3)/(5/6) = 2/5; (2/3)/(7/6) = 4/7
F1 = [2 / 3, 2 / 5, 4 / 7]


def test_confusion_matrix_rows_are_true_class():
    table = confusion_matrix(torch.tensor(Y_TRUE), torch.tensor(Y_PRED), 3)
    assert table.tolist() == CONFUSION


def test_metrics_from_hand_computed_confusion():
    m = metrics_from_confusion(CONFUSION, ["a", "b", "c"], loss=0.5)
    assert m.accuracy == pytest.approx(5 / 9)
    assert m.precision == pytest.approx(PRECISION)
    assert m.recall == pytest.approx(RECALL)
    assert m.f1 == pytest.approx(F1)
    assert m.support == (3, 2, 4)
    assert m.macro_precision == pytest.approx(5 / 9)
    assert m.macro_recall == pytest.approx((2 / 3 + 1 / 2 + 1 / 2) / 3)
    assert m.macro_f1 == pytest.approx((2 / 3 + 2 / 5 + 4 / 7) / 3)  # 172/315
    assert m.n == 9 and m.classes == ("a", "b", "c") and m.loss == 0.5
    assert m.as_dict()["confusion"] == CONFUSION


def test_a_class_never_predicted_or_present_scores_zero_not_nan():
    # Class 3 never occurs and is never predicted: 0/0 becomes 0.0 (sklearn's zero_division=0).
    table = [[*row, 0] for row in CONFUSION] + [[0, 0, 0, 0]]
    m = metrics_from_confusion(table)
    assert m.precision[3] == 0.0 and m.recall[3] == 0.0 and m.f1[3] == 0.0
    assert m.macro_f1 == pytest.approx(sum(F1) / 4)
    assert m.classes == ("0", "1", "2", "3")


def _logits_for(preds: list[int], k: int) -> torch.Tensor:
    """Logits whose argmax is ``preds`` and whose values are not all the same."""
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(len(preds), k, generator=g)
    logits[torch.arange(len(preds)), torch.tensor(preds)] += 10.0
    return logits


def test_evaluate_classification_in_small_batches_matches_pytorch():
    x = _logits_for(Y_PRED, 3)
    y = torch.tensor(Y_TRUE)
    # The "model" passes logits through, so predictions are known; batch 2 tests the sums.
    m = evaluate(nn.Identity(), SimpleNamespace(x=x, y=y), "classification", batch_size=2)
    assert [list(r) for r in m.confusion] == CONFUSION
    assert m.accuracy == pytest.approx(5 / 9)
    assert m.loss == pytest.approx(F.cross_entropy(x, y).item(), rel=1e-6)
    nll = evaluate(nn.LogSoftmax(dim=1), SimpleNamespace(x=x, y=y), "classification",
                   loss="nll", batch_size=4)
    assert nll.loss == pytest.approx(m.loss, rel=1e-6)


def test_evaluate_restores_training_mode_and_uses_input_scale():
    model = nn.Sequential(nn.Linear(1, 1), nn.Dropout(0.5))
    with torch.no_grad():
        model[0].weight.fill_(2.0)
        model[0].bias.fill_(1.0)
    model.train()
    x = torch.tensor([[10.0], [20.0], [30.0]])
    y = torch.tensor([[3.0], [5.0], [8.0]])
    m = evaluate(model, SimpleNamespace(x=x, y=y), "regression", input_scale=0.1)
    # predictions 2 * (0.1 x) + 1 = 3, 5, 7 (dropout off in eval): errors 0, 0, -1
    assert m.mse == pytest.approx(1 / 3)
    assert m.loss == pytest.approx(1 / 3)
    assert m.mae == pytest.approx(1 / 3)
    assert m.accuracy is None
    assert model.training


def test_fit_curve_predicts_in_the_learners_units():
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(2.0)
        model.bias.fill_(1.0)
    assert fit_curve(model, [0.0, 10.0, 20.0], input_scale=0.1) == pytest.approx([1.0, 3.0, 5.0])
    xs = curve_xs(torch.tensor([20.0, 80.0]), points=5, margin=0.0)
    assert xs == pytest.approx([20.0, 35.0, 50.0, 65.0, 80.0])
