"""The backward pass dissected: every number against autograd run separately."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from tutor.engine.backward import BackwardPass, backward_view
from tutor.engine.chain_rule import ChainRuleError
from tutor.engine.gradients import BackwardError, batch_gradients
from tutor.engine.images import HEAT_LEVELS

pytestmark = pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")


@pytest.fixture(autouse=True)
def one_thread():
    """Small tensors: one thread is faster, and steady on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def course_mlp(activation: nn.Module | None = None, seed: int = 0) -> nn.Sequential:
    """The course MLP, 784-100-10, with an in-place ReLU by default."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 100),
        activation if activation is not None else nn.ReLU(inplace=True),
        nn.Linear(100, 10),
    )


def batch(n: int = 16, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)


def reference_grads(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """Plain autograd on an independent copy."""
    ref = copy.deepcopy(model)
    ref.zero_grad(set_to_none=True)
    F.cross_entropy(ref(x), y).backward()
    return {n: p.grad for n, p in ref.named_parameters()}


def test_summary_equals_autograd_and_grad_shapes_equal_weight_shapes():
    model, (x, y) = course_mlp(), batch()
    result = BackwardPass(model, x, y).summary()
    assert result.loss == pytest.approx(float(F.cross_entropy(model(x), y)), rel=1e-6)
    ref = reference_grads(model, x, y)
    assert [p.name for p in result.params] == list(ref)
    for p in result.params:
        assert p.grad_shape == p.shape == tuple(ref[p.name].shape)
        assert p.grad_norm == pytest.approx(float(ref[p.name].norm()), rel=1e-5)
        weight = dict(model.named_parameters())[p.name]
        assert p.weight_norm == pytest.approx(float(weight.norm()), rel=1e-6)
        assert p.ratio == pytest.approx(p.grad_norm / p.weight_norm)
    # per-layer bars: sqrt(‖dW‖² + ‖db‖²)
    fc1 = next(layer for layer in result.layers if layer.path == "1")
    expected = float(torch.cat([ref["1.weight"].flatten(), ref["1.bias"]]).norm())
    assert fc1.type == "Linear" and fc1.norm == pytest.approx(expected, rel=1e-5)
    assert [layer.path for layer in result.layers] == ["1", "3"]


@pytest.mark.parametrize("training", [True, False])
def test_model_is_left_as_it_was(training: bool):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(8, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5), nn.Linear(6, 3)
    )
    model.train(training)
    x, y = torch.randn(5, 8), torch.tensor([0, 1, 2, 0, 1])
    model[4].weight.grad = torch.full_like(model[4].weight, 7.0)  # a gradient already there
    state = copy.deepcopy(model.state_dict())
    BackwardPass(model, x, y).view()
    assert model.training is training
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key  # weights and running statistics
    assert model[0].weight.grad is None
    assert torch.equal(model[4].weight.grad, torch.full_like(model[4].weight, 7.0))
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def _activation_and_its_grad(model: nn.Module, x, y, index: int):
    """a = output of layer ``index`` of the Sequential and ∂L/∂a, by plain autograd."""
    ref = copy.deepcopy(model)
    for m in ref.modules():
        if hasattr(m, "inplace"):
            m.inplace = False
    h = x
    outs = []
    for layer in ref:
        h = layer(h)
        outs.append(h)
    loss = F.cross_entropy(h, y)
    (grad,) = torch.autograd.grad(loss, outs[index])
    return outs[index].detach(), grad


@pytest.mark.parametrize(
    ("activation", "formula"),
    [
        (nn.ReLU(inplace=True), "1 if z > 0, else 0"),
        (nn.Sigmoid(), "a · (1 − a)"),
        (nn.Tanh(), "1 − a²"),
        (nn.LeakyReLU(0.1), "1 if z > 0, else 0.1"),
        (nn.GELU(), "Φ(z) + z · φ(z)"),
    ],
)
def test_chain_rule_for_one_neuron_matches_autograd(activation: nn.Module, formula: str):
    model, (x, y) = course_mlp(activation), batch()
    unit, sample = 7, 3
    chain = BackwardPass(model, x, y).chain("1", unit=unit, sample=sample)
    ref = reference_grads(model, x, y)
    w, b = model[1].weight.detach(), model[1].bias.detach()
    xs = x.flatten(1)  # (B, 784)
    z = xs @ w.T + b  # (B, 784) @ (784, 100) -> (B, 100)
    a, dl_da = _activation_and_its_grad(model, x, y, 2)
    assert chain.activation == type(activation).__name__ and chain.formula == formula
    assert chain.z == pytest.approx(float(z[sample, unit]), abs=1e-5)
    assert chain.a == pytest.approx(float(a[sample, unit]), abs=1e-6)
    assert chain.dl_da == pytest.approx(float(dl_da[sample, unit]), abs=1e-9)
    zz = z[:, unit].clone().requires_grad_(True)
    (slope,) = torch.autograd.grad(activation(zz.clone()).sum(), zz)
    assert chain.da_dz == pytest.approx(float(slope[sample]), abs=1e-6)
    assert chain.dl_dz == pytest.approx(chain.dl_da * chain.da_dz, rel=1e-9)
    # ∂z/∂w_j = x_j, and the batch sum of the terms is autograd's weight.grad
    j = list(chain.inputs)
    assert chain.x == pytest.approx(xs[sample, j].tolist())
    assert chain.w == pytest.approx(w[unit, j].tolist())
    assert chain.dl_dw_autograd == pytest.approx(ref["1.weight"][unit, j].tolist(), abs=1e-9)
    assert chain.dl_dw == pytest.approx(chain.dl_dw_autograd, abs=1e-7)
    assert chain.sample_dl_dw == pytest.approx([chain.dl_dz * v for v in chain.x])
    terms = torch.tensor(chain.terms, dtype=torch.float64)  # ∂L/∂z_b, every sample (B ≤ 64)
    by_sum = terms @ xs[:, j].double()  # Σ_b ∂L/∂z_b · x_bj
    assert by_sum.tolist() == pytest.approx(list(chain.dl_dw_autograd), abs=1e-7)
    assert chain.dl_db_autograd == pytest.approx(float(ref["1.bias"][unit]), abs=1e-9)
    assert chain.dl_db == pytest.approx(float(terms.sum()), abs=1e-12)
    assert chain.max_abs_diff < 1e-6
    per_sample = F.cross_entropy(model(x), y, reduction="none")
    assert chain.sample_loss == pytest.approx(float(per_sample[sample]), rel=1e-6)
    assert chain.x_nonzero == int((xs[sample] != 0).sum()) and chain.in_features == 784


def test_dl_da_holds_the_one_over_b_of_the_mean():
    """∂L/∂a_b for a batch of B is (1/B) × sample b's own gradient, alone in a batch."""
    model, (x, y) = course_mlp(), batch(8)
    in_batch = BackwardPass(model, x, y).chain("1", unit=4, sample=5)
    alone = BackwardPass(model, x[5:6], y[5:6]).chain("1", unit=4, sample=0)
    assert in_batch.dl_da == pytest.approx(alone.dl_da / 8, rel=1e-5)
    assert in_batch.sample_loss == pytest.approx(alone.loss, rel=1e-6)


def test_last_layer_chain_has_no_activation_and_chosen_inputs():
    model, (x, y) = course_mlp(), batch()
    run = BackwardPass(model, x, y)
    chain = run.chain("3", unit=2, sample=0, inputs=[0, 5, 99])
    assert chain.activation == "none" and chain.da_dz == 1.0 and chain.a == chain.z_model
    assert chain.inputs == (0, 5, 99)
    # softmax − one-hot, divided by B: the gradient of mean cross-entropy w.r.t. a logit
    p = torch.softmax(model(x), dim=1)
    expected = (p[0, 2] - (y[0] == 2).float()) / x.shape[0]
    assert chain.dl_da == pytest.approx(float(expected), abs=1e-7)
    assert chain.max_abs_diff < 1e-6


def test_zero_grad_demo_same_batch_doubles_exactly():
    model, (x, y) = course_mlp(), batch()
    demo = BackwardPass(model, x, y).zero_grad_demo()
    ref = reference_grads(model, x, y)["1.weight"]
    assert demo.param == "1.weight" and demo.same_batch
    picked = [float(ref[e]) for e in demo.entries]
    assert list(demo.first) == pytest.approx(picked, abs=1e-9)
    assert demo.accumulated == tuple(2 * v for v in demo.first)  # exact, not approximate
    assert demo.after_zero == demo.first
    assert demo.accumulated_norm == pytest.approx(2 * demo.first_norm, rel=1e-6)
    assert demo.sum_error == 0.0
    # the entries shown are the largest gradients
    assert min(abs(v) for v in picked) >= float(ref.abs().flatten().topk(5).values[-1])


def test_zero_grad_demo_second_batch_adds_up():
    model, (x, y) = course_mlp(), batch()
    x2, y2 = batch(seed=9)
    demo = BackwardPass(model, x, y, x2=x2, y2=y2).zero_grad_demo("3.weight", [(1, 2), (9, 99)])
    g1, g2 = reference_grads(model, x, y)["3.weight"], reference_grads(model, x2, y2)["3.weight"]
    assert not demo.same_batch and demo.entries == ((1, 2), (9, 99))
    assert list(demo.first) == pytest.approx([float(g1[1, 2]), float(g1[9, 99])], abs=1e-9)
    assert list(demo.after_zero) == pytest.approx([float(g2[1, 2]), float(g2[9, 99])], abs=1e-9)
    sums = [float(g1[1, 2] + g2[1, 2]), float(g1[9, 99] + g2[9, 99])]
    assert list(demo.accumulated) == pytest.approx(sums, abs=1e-8)
    assert demo.sum_error < 1e-7


def test_unit_heatmaps_are_the_gradient_rows_as_images():
    model, (x, y) = course_mlp(), batch()
    maps = BackwardPass(model, x, y).maps()
    grad = reference_grads(model, x, y)["1.weight"]  # (100, 784)
    assert maps.layer == "1" and maps.kind == "units" and maps.grad_shape == (100, 784)
    assert len(maps.maps) == 8 and (maps.maps[0].width, maps.maps[0].height) == (28, 28)
    scale = float(grad[:8].abs().max())
    assert maps.maps[0].scale == pytest.approx(scale, rel=1e-5)
    levels = torch.tensor(maps.maps[3].rows)  # (28, 28)
    expected = (grad[3].view(28, 28) / scale * HEAT_LEVELS).round()
    assert torch.equal(levels, expected.to(torch.int64))


def test_conv_and_matrix_heatmaps_for_lenet():
    torch.manual_seed(0)
    lenet = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(6 * 14 * 14, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
    )
    x, y = batch(4)
    run = BackwardPass(lenet, x, y)
    assert run.default_layer() == "0" and run.layer_names() == ["0", "4", "6"]
    filters = run.maps("0")
    assert filters.kind == "filters" and len(filters.maps) == 6
    assert (filters.maps[0].width, filters.maps[0].height) == (5, 5)
    assert run.maps("6").kind == "matrix" and run.maps("1") is None
    assert run.chain("4", unit=31, sample=3).max_abs_diff < 1e-6
    with pytest.raises(ChainRuleError, match="0 is a Conv2d, not a Linear layer"):
        run.chain("0")


def test_dropout_masks_are_fixed_so_passes_agree():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10)
    )
    x, y = batch()
    run = BackwardPass(model, x, y, seed=4)
    demo = run.zero_grad_demo()
    assert demo.accumulated == tuple(2 * v for v in demo.first)  # same masks both times
    chain = run.chain("1", unit=3)
    assert chain.activation == "ReLU" and chain.max_abs_diff < 1e-6
    # the same masks as plain PyTorch drawing them after manual_seed(4)
    ref = copy.deepcopy(model)
    torch.manual_seed(4)
    loss = F.cross_entropy(ref(x), y)
    assert run.summary().loss == pytest.approx(float(loss), rel=1e-6)
    evaluation = BackwardPass(model, x, y, train_mode=False).summary()
    assert evaluation.loss == pytest.approx(float(F.cross_entropy(model.eval()(x), y)), rel=1e-6)


def test_vanishing_gradients_in_a_deep_sigmoid_net():
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Flatten(), nn.Linear(784, 32), nn.Sigmoid()]
    for _ in range(8):
        layers += [nn.Linear(32, 32), nn.Sigmoid()]
    layers.append(nn.Linear(32, 10))
    deep = nn.Sequential(*layers)
    x, y = batch()
    norms = [layer.norm for layer in BackwardPass(deep, x, y).summary().layers]
    ref = reference_grads(deep, x, y)
    assert norms[0] == pytest.approx(
        float(torch.cat([ref["1.weight"].flatten(), ref["1.bias"]]).norm()), rel=1e-5
    )
    # each sigmoid multiplies the gradient by at most 0.25: the first layer gets almost none
    assert norms[0] < 1e-3 * norms[-1]


def test_backward_view_bundles_everything_and_batch_gradients_sets_grads():
    model, (x, y) = course_mlp(), batch()
    view = backward_view(model, x, y, unit=5, seed=1)
    assert view.chain.unit == 5 and view.maps.kind == "units" and view.zero_grad is not None
    assert view.train_mode
    summary = batch_gradients(model, x, y)  # the notebook way: on the model itself
    assert summary.loss == pytest.approx(view.summary.loss, rel=1e-6)
    assert model[1].weight.grad is not None
    assert summary.param("1.weight").grad_norm == pytest.approx(float(model[1].weight.grad.norm()))


def test_mse_loss_and_regression_targets():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x, y = torch.randn(6, 3), torch.randn(6, 1)
    chain = BackwardPass(model, x, y, "mse").chain("0", unit=1, sample=2)
    ref = copy.deepcopy(model)
    F.mse_loss(ref(x), y).backward()
    assert chain.dl_dw_autograd == pytest.approx(ref[0].weight.grad[1, list(chain.inputs)].tolist())
    assert chain.sample_loss == pytest.approx(float(F.mse_loss(model(x), y, reduction="none")[2]))
    assert chain.max_abs_diff < 1e-6


def test_errors_say_what_and_where():
    model, (x, y) = course_mlp(), batch()
    run = BackwardPass(model, x, y)
    with pytest.raises(ChainRuleError, match=r"1 has 100 units \(0 to 99\): there is no unit 100"):
        run.chain("1", unit=100)
    with pytest.raises(ChainRuleError, match="the batch has 16 samples"):
        run.chain("1", sample=16)
    with pytest.raises(BackwardError, match="the model has no layer 'fc1'"):
        run.chain("fc1")
    with pytest.raises(BackwardError, match="has inputs"):
        BackwardPass(model, x, y[:3])
    bad = x.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(BackwardError, match="NaN or infinite"):
        BackwardPass(model, bad, y)
    with pytest.raises(BackwardError, match="cannot compare the model's output"):
        BackwardPass(model, x, torch.zeros(16, 3))
    with pytest.raises(BackwardError) as caught:
        BackwardPass(
            nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(1352, 10)), x, y
        ).chain("0")
    assert "연쇄 법칙" in caught.value.localized("ko")


def test_views_of_models_without_a_linear_chain_and_frozen_models():
    torch.manual_seed(0)
    convs = nn.Sequential(nn.Conv2d(1, 10, 28), nn.Flatten())  # (B, 10, 1, 1) -> (B, 10)
    x, y = batch(4)
    view = backward_view(convs, x, y)
    assert view.chain is None and view.maps.kind == "filters"
    with pytest.raises(ChainRuleError, match="no unit 100"):
        backward_view(course_mlp(), x, y, unit=100)  # asked for: said, not swallowed
    frozen = course_mlp().requires_grad_(False)
    with pytest.raises(BackwardError, match="no trainable parameters"):
        BackwardPass(frozen, x, y)
    run = BackwardPass(course_mlp(), x, y)
    with pytest.raises(BackwardError, match=r"has shape \(100, 784\)"):
        run.zero_grad_demo("1.weight", [(100, 0)])
    with pytest.raises(BackwardError, match=r"did you mean '1\.bias'"):
        run.zero_grad_demo("1.bais")


def test_the_zero_grad_passes_run_once_for_two_threads():
    import threading

    run = BackwardPass(course_mlp(), *batch())
    calls = []
    original = run._demo_passes

    def counted():
        calls.append(1)
        return original()

    run._demo_passes = counted
    barrier = threading.Barrier(2)
    results = []

    def work():
        barrier.wait()
        results.append(run.zero_grad_demo())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and results[0] == results[1]
    assert results[0].accumulated == tuple(2 * v for v in results[0].first)


@pytest.mark.cuda
def test_backward_and_steps_on_cuda_match_the_cpu():
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    from tutor.engine.optim_step import OptimizerLab

    model, (x, y) = course_mlp(), batch()
    cpu = BackwardPass(model, x, y).view(unit=3)
    gpu_model = copy.deepcopy(model).cuda()
    gpu = BackwardPass(gpu_model, x.cuda(), y.cuda()).view(unit=3)
    assert gpu.summary.loss == pytest.approx(cpu.summary.loss, rel=1e-4)
    for a, b in zip(gpu.summary.params, cpu.summary.params, strict=True):
        assert a.grad_norm == pytest.approx(b.grad_norm, rel=1e-3)
    assert gpu.chain.max_abs_diff < 1e-5 and gpu.zero_grad.sum_error < 1e-6
    lab = OptimizerLab(gpu_model, x.cuda(), y.cuda())
    for _ in range(2):
        step = lab.step()
    assert all(r.max_abs_diff < 1e-5 for r in step.results)
