"""The forward view's numbers: what the model's last layer gives is shown for what it is."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from tutor.engine.forward import forward_view, output_kind


def _net(last: nn.Module | None) -> nn.Module:
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Flatten(), nn.Linear(16, 10)]
    return nn.Sequential(*layers, *([last] if last is not None else []))


@pytest.mark.parametrize(
    ("last", "kind"),
    [(None, "logits"), (nn.Softmax(dim=1), "probs"), (nn.LogSoftmax(dim=1), "log_probs")],
)
def test_probabilities_are_never_softmaxed_twice(last: nn.Module | None, kind: str):
    model = _net(last).eval()
    x = torch.randn(1, 4, 4)
    classes = tuple(str(k) for k in range(10))
    view = forward_view(model, x, label=3, classes=classes)
    assert view.output_kind == kind == output_kind(model)
    out = model(x.unsqueeze(0))[0]
    expected = {
        "logits": torch.softmax(out, dim=0),
        "probs": out,  # already probabilities: shown as they are
        "log_probs": out.exp(),
    }[kind]
    assert view.probs == pytest.approx(expected.tolist(), abs=1e-6)
    assert sum(view.probs) == pytest.approx(1.0, abs=1e-5)
    assert view.predicted == int(expected.argmax())
    if kind == "probs":
        # The double softmax would have been much flatter: the trap the lesson warns of.
        flat = torch.softmax(out, dim=0)
        assert max(view.probs) - min(view.probs) > float(flat.max() - flat.min())
