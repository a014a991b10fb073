"""One optimizer step, dissected: SGD, SGD with momentum and Adam side by side.

:class:`OptimizerLab` keeps one copy of the model per optimizer, so all of them start
from the same weights and see the same batch and the same first gradient. Each
:meth:`OptimizerLab.step` takes one step with every optimizer and reports, for a few
chosen weights, ``w``, its gradient, ``lr × grad``, what the optimizer keeps and the new
``w``. Every update is computed twice: by hand, with the textbook formulas below, and by
``torch.optim`` itself; the largest difference over the whole model is reported.

With gradient ``g`` (plus ``weight_decay × w`` when weight decay is on), step ``t``::

    SGD             w ← w − lr · g
    SGD + momentum  velocity ← μ · velocity + g   (= g on the first step: no velocity yet)
                    w ← w − lr · velocity         from step 2 on, past gradients push too
    Adam            m ← β1 · m + (1 − β1) · g       first moment: a running mean of g
                    v ← β2 · v + (1 − β2) · g²      second moment: a running mean of g²
                    m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)   bias corrections (m, v start at 0)
                    w ← w − lr · m̂ / (√v̂ + ε)        about lr · sign(g) on the first step

(momentum's velocity is PyTorch's ``momentum_buffer``; Adam's m and v are its
``exp_avg`` and ``exp_avg_sq``.) The lab is stateful: call :meth:`OptimizerLab.step` again for the next step
(a key in the app). Calls are serialised by a lock, so a worker thread may step while
another thread reads :attr:`OptimizerLab.history`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from tutor.engine.gradients import (
    check_batch,
    fixed_randomness,
    resolve_loss,
    unravel,
    working_copy,
)
from tutor.errors import TutorError

KINDS = ("sgd", "momentum", "adam")
#: Weights followed by default: the entry with the largest gradient of each of the
#: first few weight matrices.
DEFAULT_WEIGHTS = 3


class OptimizerLabError(TutorError):
    """A setting or a chosen weight does not fit; the message says which."""


@dataclass(frozen=True)
class OptimizerSettings:
    """The optimizers' settings (PyTorch's names and defaults, except ``lr``)."""

    lr: float = 0.01
    """Learning rate of SGD and of SGD with momentum."""
    momentum: float = 0.9
    """μ of SGD with momentum."""
    adam_lr: float | None = 0.001
    """Adam's learning rate: PyTorch's default 0.001 (Adam moves every weight by about
    ``adam_lr`` on its first step, whatever the gradient's size, so SGD's 0.01 is often
    too much for it); None uses ``lr``."""
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    """L2 penalty: ``weight_decay × w`` is added to every gradient (all three)."""

    def __post_init__(self) -> None:
        def bad(key: str, name: str, value: object) -> OptimizerLabError:
            return OptimizerLabError(key=key, name=name, value=value)

        for name, value in (("lr", self.lr), ("adam_lr", self.adam_lr)):
            if value is None and name == "adam_lr":
                continue
            if not _number(value) or not math.isfinite(value) or value <= 0:
                raise bad("step.bad_positive", name, value)
        if not _number(self.momentum) or not 0 <= self.momentum < 1:
            raise bad("step.bad_fraction", "momentum", self.momentum)
        if len(self.betas) != 2 or not all(_number(b) and 0 <= b < 1 for b in self.betas):
            raise bad("step.bad_fraction", "betas", self.betas)
        if not _number(self.eps) or not self.eps > 0:
            raise bad("step.bad_positive", "eps", self.eps)
        wd = self.weight_decay
        if not _number(wd) or not math.isfinite(wd) or wd < 0:
            raise bad("step.bad_non_negative", "weight_decay", wd)

    def lr_of(self, kind: str) -> float:
        return self.adam_lr if kind == "adam" and self.adam_lr is not None else self.lr


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class WeightStep:
    """One chosen weight through one optimizer step."""

    name: str
    """``fc1.weight``."""
    index: tuple[int, ...]
    w: float
    """Before the step."""
    grad: float
    """Autograd's gradient (before weight decay is added)."""
    lr_grad: float
    """lr × grad: how far plain SGD moves this weight."""
    velocity: float | None
    """SGD with momentum: the velocity (``momentum_buffer``) after this step."""
    m: float | None
    """Adam: the first moment (``exp_avg``) after this step."""
    v: float | None
    """Adam: the second moment (``exp_avg_sq``) after this step."""
    m_hat: float | None
    """Adam: m / (1 − β1^t)."""
    v_hat: float | None
    """Adam: v / (1 − β2^t)."""
    update: float
    """new_w − w, by hand."""
    new_w: float
    """By hand."""
    new_w_torch: float
    """What ``torch.optim`` made of it."""


@dataclass(frozen=True)
class OptimizerStep:
    """One optimizer's step ``step`` on the batch."""

    kind: str
    """``sgd``, ``momentum`` or ``adam``."""
    step: int
    lr: float
    loss_before: float
    loss_after: float
    """The same batch's loss after the step (same dropout masks)."""
    weights: tuple[WeightStep, ...]
    max_abs_diff: float
    """Largest |hand − torch.optim| over every parameter of the model."""
    bias_correction1: float | None = None
    """Adam: 1 − β1^t, what m is divided by."""
    bias_correction2: float | None = None
    """Adam: 1 − β2^t, what s is divided by."""


@dataclass(frozen=True)
class StepComparison:
    """All optimizers' step ``step``, side by side."""

    step: int
    results: tuple[OptimizerStep, ...]

    def of(self, kind: str) -> OptimizerStep:
        """The step of optimizer ``kind``."""
        for result in self.results:
            if result.kind == kind:
                return result
        raise KeyError(kind)


@dataclass
class _Track:
    """One optimizer's model copy, its ``torch.optim`` object and the hand-kept state."""

    kind: str
    model: nn.Module
    optimizer: torch.optim.Optimizer
    state: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    pending: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None
    """(x, y, loss) of the forward pass after the last step: the next step on the same
    batch runs backward through it instead of a new forward pass."""


class OptimizerLab:
    """SGD, SGD with momentum and Adam, each on its own copy of ``model``.

    Args:
        model: the network; never changed (each optimizer works on a copy).
        x, y: the batch every step uses (``step(x, y)`` may pass another one).
        loss: ``cross_entropy``, ``nll``, ``mse`` or a function averaging over the batch.
        weights: the weights to follow, as ``("fc1.weight", (3, 407))``; by default the
            entry with the largest gradient of each of the first few weight matrices.
        settings: learning rates, momentum, Adam's betas and eps, weight decay.
        kinds: which optimizers, from :data:`KINDS`.
        train_mode: forward passes as in training (dropout on, with masks fixed by
            ``seed`` so the loss before and after a step are comparable).
    """

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        loss: str | Callable[..., torch.Tensor] = "cross_entropy",
        *,
        weights: Sequence[tuple[str, Sequence[int]]] | None = None,
        settings: OptimizerSettings | None = None,
        kinds: Sequence[str] = KINDS,
        train_mode: bool = True,
        seed: int = 0,
    ) -> None:
        check_batch(x, y)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown or not kinds:
            raise OptimizerLabError(
                key="step.bad_kind", kind=", ".join(unknown) or "none", choices=", ".join(KINDS)
            )
        self.settings = settings or OptimizerSettings()
        self._fn = resolve_loss(loss)
        self._x, self._y = x, y
        self._train_mode = train_mode
        self._seed = seed
        self._model = model
        self._kinds = tuple(kinds)
        self._lock = threading.Lock()
        self._tracks: list[_Track] = []
        self.history: list[StepComparison] = []
        self._reset()
        self.weights = self._resolve(weights)

    # ----------------------------------------------------------------- setup

    def _make(self, kind: str) -> _Track:
        clone = working_copy(self._model)
        clone.train(self._train_mode)
        params = [p for p in clone.parameters() if p.requires_grad]
        if not params:
            raise OptimizerLabError(key="step.no_params")
        s = self.settings
        lr, wd = s.lr_of(kind), s.weight_decay
        if kind == "adam":
            opt: torch.optim.Optimizer = torch.optim.Adam(
                params, lr=lr, betas=s.betas, eps=s.eps, weight_decay=wd
            )
        else:
            momentum = s.momentum if kind == "momentum" else 0.0
            opt = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=wd)
        return _Track(kind, clone, opt)

    def _reset(self) -> None:
        self._tracks = [self._make(kind) for kind in self._kinds]
        self.history = []

    def reset(self) -> None:
        """Back to the model's own weights and empty optimizer state (step 0)."""
        with self._lock:
            self._reset()

    def _resolve(
        self, weights: Sequence[tuple[str, Sequence[int]]] | None
    ) -> tuple[tuple[str, tuple[int, ...]], ...]:
        params = dict(self._tracks[0].model.named_parameters())
        if weights is not None:
            resolved = []
            for name, index in weights:
                if name not in params:
                    from tutor.text import suggest

                    raise OptimizerLabError(
                        key="backward.no_param", param=name, hint=suggest(name, list(params))
                    )
                shape = tuple(params[name].shape)
                idx = tuple(int(i) for i in index)
                if len(idx) != len(shape) or not all(
                    0 <= i < n for i, n in zip(idx, shape, strict=False)
                ):
                    raise OptimizerLabError(
                        key="step.bad_index", param=name, index=idx, shape=shape
                    )
                resolved.append((name, idx))
            return tuple(resolved)
        # The gradient at the start decides which entries are worth following.
        probe = self._tracks[0].model
        loss = self._forward(probe, self._x, self._y)
        loss.backward()
        chosen: list[tuple[str, tuple[int, ...]]] = []
        for name, p in probe.named_parameters():
            if p.grad is None or p.dim() < 2 or len(chosen) >= DEFAULT_WEIGHTS:
                continue
            flat = int(p.grad.abs().argmax())
            chosen.append((name, unravel(flat, p.shape)))
        probe.zero_grad(set_to_none=True)
        return tuple(chosen)

    def _forward(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        with fixed_randomness(self._seed, x.device):
            return self._fn(model(x), y)

    # ----------------------------------------------------------------- stepping

    @property
    def steps_done(self) -> int:
        return len(self.history)

    def step(self, x: torch.Tensor | None = None, y: torch.Tensor | None = None) -> StepComparison:
        """One step with every optimizer, on the lab's batch (or on ``x``, ``y``)."""
        if (x is None) != (y is None):
            raise OptimizerLabError(key="backward.second_batch")
        if x is not None and y is not None:
            check_batch(x, y)
        bx = x if x is not None else self._x
        by = y if y is not None else self._y
        with self._lock:
            return self._step(bx, by)

    def comparison(self, t: int) -> StepComparison:
        """Step ``t`` (from 1) on the lab's batch, taking the steps up to it that have
        not been taken yet. Steps are deterministic (same batch, same dropout masks),
        so step ``t`` is the same whether it was taken early, while the learner read
        step ``t − 1``, or now."""
        if t < 1:
            raise ValueError(f"steps count from 1, not {t}")
        with self._lock:
            while len(self.history) < t:
                self._step(self._x, self._y)
            return self.history[t - 1]

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> StepComparison:
        t = len(self.history) + 1
        results = tuple(self._step_one(track, x, y, t) for track in self._tracks)
        comparison = StepComparison(t, results)
        self.history.append(comparison)
        return comparison

    def _step_one(self, track: _Track, x: torch.Tensor, y: torch.Tensor, t: int) -> OptimizerStep:
        model, opt = track.model, track.optimizer
        pending, track.pending = track.pending, None
        if pending is not None and pending[0] is x and pending[1] is y:
            loss = pending[2]
        else:
            loss = self._forward(model, x, y)
        opt.zero_grad(set_to_none=True)
        loss_before = float(loss.detach())
        if not math.isfinite(loss_before):
            raise OptimizerLabError(key="backward.loss_not_finite")
        loss.backward()
        named = [(n, p) for n, p in model.named_parameters() if p.grad is not None]
        before = {n: p.detach().clone() for n, p in named}
        grads = {n: p.grad.detach().clone() for n, p in named}
        hand = {n: self._by_hand(track, n, before[n], grads[n], t) for n, _ in named}
        opt.step()
        diffs = [(p.detach() - hand[n]).abs().max() for n, p in named]
        # With gradients recorded: the next step on this batch starts from this pass.
        after_loss = self._forward(model, x, y)
        track.pending = (x, y, after_loss)
        after = float(after_loss.detach())
        s = self.settings
        lr = s.lr_of(track.kind)
        params = dict(model.named_parameters())
        rows: list[torch.Tensor] = []
        for name, idx in self.weights:
            state = track.state.get(name, {})

            def at(
                key: str, state: dict[str, torch.Tensor] = state, idx: tuple = idx
            ) -> torch.Tensor:
                return state[key][idx] if key in state else torch.tensor(float("nan"))

            w0 = before[name][idx] if name in before else params[name].detach()[idx]
            g = grads[name][idx] if name in grads else torch.tensor(0.0)
            new_hand = hand[name][idx] if name in hand else w0
            m_hat = at("m") / (1 - s.betas[0] ** t)
            v_hat = at("v") / (1 - s.betas[1] ** t)
            values = [
                w0,
                g,
                lr * g,
                at("velocity"),
                at("m"),
                at("v"),
                m_hat,
                v_hat,
                new_hand - w0,
                new_hand,
                params[name].detach()[idx],
            ]
            rows.append(torch.stack([v.double().cpu() for v in values]))
        table = torch.stack(rows).tolist() if rows else []
        steps = []
        for (name, idx), row in zip(self.weights, table, strict=True):
            steps.append(
                WeightStep(
                    name=name,
                    index=idx,
                    w=row[0],
                    grad=row[1],
                    lr_grad=row[2],
                    velocity=_maybe(row[3]),
                    m=_maybe(row[4]),
                    v=_maybe(row[5]),
                    m_hat=_maybe(row[6]),
                    v_hat=_maybe(row[7]),
                    update=row[8],
                    new_w=row[9],
                    new_w_torch=row[10],
                )
            )
        adam = track.kind == "adam"
        return OptimizerStep(
            kind=track.kind,
            step=t,
            lr=lr,
            loss_before=loss_before,
            loss_after=after,
            weights=tuple(steps),
            max_abs_diff=float(torch.stack(diffs).max()) if diffs else 0.0,
            bias_correction1=1 - s.betas[0] ** t if adam else None,
            bias_correction2=1 - s.betas[1] ** t if adam else None,
        )

    def _by_hand(
        self, track: _Track, name: str, w: torch.Tensor, grad: torch.Tensor, t: int
    ) -> torch.Tensor:
        """The new value of parameter ``name`` by the formulas of the module docstring;
        the optimizer's state (velocity, moments) is kept in ``track.state``."""
        s = self.settings
        lr = s.lr_of(track.kind)
        g = grad + s.weight_decay * w if s.weight_decay else grad  # L2: the penalty's gradient
        state = track.state.setdefault(name, {})
        if track.kind == "sgd":
            return w - lr * g
        if track.kind == "momentum":
            previous = state.get("velocity")
            velocity = g.clone() if previous is None else s.momentum * previous + g
            state["velocity"] = velocity
            return w - lr * velocity
        b1, b2 = s.betas
        m = (1 - b1) * g if "m" not in state else b1 * state["m"] + (1 - b1) * g
        v = (1 - b2) * g * g if "v" not in state else b2 * state["v"] + (1 - b2) * g * g
        state["m"], state["v"] = m, v
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        return w - lr * m_hat / (v_hat.sqrt() + s.eps)


def _maybe(value: float) -> float | None:
    return None if math.isnan(value) else value
