"""Optimizer steps side by side, against torch.optim run separately on its own copy."""

from __future__ import annotations

import copy
import threading

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from tutor.engine.optim_step import OptimizerLab, OptimizerLabError, OptimizerSettings

pytestmark = pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")


@pytest.fixture(autouse=True)
def one_thread():
    """Small tensors: one thread is faster, and steady on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def course_mlp(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))


def batch(n: int = 32, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)


def reference_run(model: nn.Module, x, y, make_optimizer, steps: int) -> list[nn.Module]:
    """Plain PyTorch: ``steps`` steps on the same batch, a snapshot after each."""
    ref = copy.deepcopy(model)
    opt = make_optimizer(ref.parameters())
    snapshots = []
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(ref(x), y).backward()
        opt.step()
        snapshots.append(copy.deepcopy(ref))
    return snapshots


REFERENCES = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    "adam": lambda p: torch.optim.Adam(p, lr=0.001),
}


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_three_steps_equal_torch_optim_run_separately(kind: str):
    model, (x, y) = course_mlp(), batch()
    lab = OptimizerLab(model, x, y, settings=OptimizerSettings(lr=0.05))
    snapshots = reference_run(model, x, y, REFERENCES[kind], 3)
    for t in range(3):
        step = lab.step().of(kind)
        ref = snapshots[t]
        params = dict(ref.named_parameters())
        assert step.step == t + 1 and step.max_abs_diff < 1e-6
        for w in step.weights:
            assert w.new_w_torch == pytest.approx(float(params[w.name][w.index]), abs=1e-7)
            assert w.new_w == pytest.approx(w.new_w_torch, abs=1e-6)
            assert w.update == pytest.approx(w.new_w - w.w, abs=1e-9)
        with torch.no_grad():
            expected_after = float(F.cross_entropy(ref(x), y))
        assert step.loss_after == pytest.approx(expected_after, rel=1e-5)
    assert lab.steps_done == 3
    assert [c.step for c in lab.history] == [1, 2, 3]


def test_sgd_moves_by_lr_times_grad_and_the_loss_falls():
    model, (x, y) = course_mlp(), batch()
    lab = OptimizerLab(model, x, y, kinds=["sgd"], settings=OptimizerSettings(lr=0.05))
    ref = copy.deepcopy(model)
    F.cross_entropy(ref(x), y).backward()
    first = lab.step().of("sgd")
    for w in first.weights:
        assert w.grad == pytest.approx(float(dict(ref.named_parameters())[w.name].grad[w.index]))
        assert w.lr_grad == pytest.approx(0.05 * w.grad)
        assert w.update == pytest.approx(-w.lr_grad, abs=1e-8)
    assert first.loss_after < first.loss_before
    second = lab.step().of("sgd")
    assert second.loss_before == first.loss_after  # the same batch and the same weights


def test_momentum_velocity_shows_on_the_second_step():
    model, (x, y) = course_mlp(), batch()
    lab = OptimizerLab(model, x, y, kinds=["sgd", "momentum"])
    one = lab.step()
    for plain, mom in zip(one.of("sgd").weights, one.of("momentum").weights, strict=True):
        assert mom.velocity == mom.grad  # no velocity yet: v = g
        assert mom.update == plain.update  # so the first step is plain SGD's
    two = lab.step()
    for first, mom in zip(one.of("momentum").weights, two.of("momentum").weights, strict=True):
        assert mom.velocity == pytest.approx(0.9 * first.velocity + mom.grad, rel=1e-6)
        assert mom.update == pytest.approx(-0.01 * mom.velocity, rel=1e-4)
    # with the gradient pointing the same way twice, momentum goes further than SGD
    sgd_move = sum(abs(w.update) for w in two.of("sgd").weights)
    mom_move = sum(abs(w.update) for w in two.of("momentum").weights)
    assert mom_move > 1.5 * sgd_move


def test_adam_moments_bias_corrections_and_first_step_size():
    model, (x, y) = course_mlp(), batch()
    settings = OptimizerSettings(adam_lr=0.001)
    lab = OptimizerLab(model, x, y, kinds=["adam"], settings=settings)
    one = lab.step().of("adam")
    assert one.bias_correction1 == pytest.approx(0.1) and one.bias_correction2 == pytest.approx(
        1e-3
    )
    for w in one.weights:
        g = w.grad
        assert w.m == pytest.approx(0.1 * g) and w.v == pytest.approx(1e-3 * g * g, rel=1e-5)
        assert w.m_hat == pytest.approx(g) and w.v_hat == pytest.approx(g * g, rel=1e-5)
        # m̂ / (√ŝ + ε) ≈ sign(g): the first step is about lr, whatever |g| is
        assert w.update == pytest.approx(-0.001 * (1 if g > 0 else -1), rel=1e-3)
    two = lab.step().of("adam")
    for first, w in zip(one.weights, two.weights, strict=True):
        m = 0.9 * first.m + 0.1 * w.grad
        v = 0.999 * first.v + 0.001 * w.grad**2
        assert w.m == pytest.approx(m, rel=1e-5) and w.v == pytest.approx(v, rel=1e-5)
        assert w.m_hat == pytest.approx(m / (1 - 0.9**2), rel=1e-5)
        assert w.v_hat == pytest.approx(v / (1 - 0.999**2), rel=1e-5)
        assert w.update == pytest.approx(-0.001 * w.m_hat / (w.v_hat**0.5 + 1e-8), rel=1e-4)


def test_weight_decay_equals_torch_for_all_three():
    model, (x, y) = course_mlp(), batch()
    settings = OptimizerSettings(lr=0.05, weight_decay=0.1)
    lab = OptimizerLab(model, x, y, settings=settings)
    references = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.05, weight_decay=0.1),
        "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.1),
        "adam": lambda p: torch.optim.Adam(p, lr=0.001, weight_decay=0.1),
    }
    lab.step()
    second = lab.step()
    for kind, make in references.items():
        ref = dict(reference_run(model, x, y, make, 2)[-1].named_parameters())
        step = second.of(kind)
        assert step.max_abs_diff < 1e-6
        for w in step.weights:
            assert w.new_w_torch == pytest.approx(float(ref[w.name][w.index]), abs=1e-7)


def test_model_untouched_reset_and_chosen_weights():
    model, (x, y) = course_mlp(), batch()
    state = copy.deepcopy(model.state_dict())
    lab = OptimizerLab(model, x, y, weights=[("1.weight", (3, 407)), ("3.bias", (2,))])
    assert lab.weights == (("1.weight", (3, 407)), ("3.bias", (2,)))
    first = lab.step()
    lab.step()
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key])
    assert all(p.grad is None for p in model.parameters())
    lab.reset()
    assert lab.steps_done == 0
    again = lab.step()
    assert again.of("adam").weights == first.of("adam").weights
    default = OptimizerLab(model, x, y)
    ref = copy.deepcopy(model)
    F.cross_entropy(ref(x), y).backward()
    name, index = default.weights[0]
    assert name == "1.weight"
    assert index == tuple(torch.unravel_index(ref[1].weight.grad.abs().argmax(), (100, 784)))


def test_steps_from_two_threads_are_serialised():
    model, (x, y) = course_mlp(), batch(8)
    lab = OptimizerLab(model, x, y, kinds=["momentum"])
    go = threading.Barrier(2)

    def work() -> None:
        go.wait()
        for _ in range(4):
            lab.step()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [c.step for c in lab.history] == list(range(1, 9))
    sequential = OptimizerLab(model, x, y, kinds=["momentum"])
    for _ in range(8):
        last = sequential.step()
    assert last.of("momentum").weights == lab.history[-1].of("momentum").weights


def test_bad_settings_and_weights_are_explained():
    model, (x, y) = course_mlp(), batch(4)
    with pytest.raises(OptimizerLabError, match="lr must be a positive number, got -1"):
        OptimizerSettings(lr=-1)
    with pytest.raises(OptimizerLabError, match="momentum must be between 0 and just below 1"):
        OptimizerSettings(momentum=1.0)
    with pytest.raises(OptimizerLabError, match="weight_decay must be 0"):
        OptimizerSettings(weight_decay=float("nan"))
    with pytest.raises(OptimizerLabError, match="unknown optimizer rmsprop"):
        OptimizerLab(model, x, y, kinds=["rmsprop"])
    with pytest.raises(OptimizerLabError, match=r"has shape \(100, 784\)"):
        OptimizerLab(model, x, y, weights=[("1.weight", (100, 0))])
    with pytest.raises(OptimizerLabError, match=r"did you mean '1\.weight'"):
        OptimizerLab(model, x, y, weights=[("1.weigth", (0, 0))])
    with pytest.raises(OptimizerLabError) as caught:
        OptimizerSettings(lr=0)
    assert "양수" in caught.value.localized("ko")
