"""Operator-level FLOPs, as ``torch.utils.flop_counter.FlopCounterMode`` counts them.

Mult-adds (torchinfo's count) are worked out per leaf layer from its weight and bias
sizes: each element once per sample, or per output position for a convolution; a
Linear layer on a sequence ``(N, L, F)`` is counted for one position, not ``L``. FLOPs
come from the operators PyTorch actually runs, so they see every position, and also the
matrix products a module does in its own ``forward`` (the attention in a vision
transformer) that no leaf layer owns.

What ``FlopCounterMode`` counts (torch 2.x): matrix products (``mm``, ``addmm``,
``bmm``, ``baddbmm``, ``_scaled_mm``), convolutions and scaled-dot-product / flash /
flex attention, at 2 FLOPs per multiply-add. Everything else counts 0: bias additions
(``addmm``'s added term too), activations, normalization, pooling, softmax,
element-wise adds, embedding lookups, and operators PyTorch runs as one fused kernel
without a formula (an ``nn.LSTM`` runs as ``aten.lstm``: 0 FLOPs, while ``nn.GRU``,
``nn.RNN`` and the cells decompose into matrix products that are counted).

So for a layer without bias on a batch of vectors or images, FLOPs = 2 × mult-adds
exactly; with a bias, mult-adds also count one add per bias element and output position
that FLOPs leave out: ``FLOPs = 2 × (mult-adds − bias adds)``.

Two gaps in torch 2.14's counter would hide attention entirely, and are closed here:

* In eval mode without gradients ``nn.MultiheadAttention`` and
  ``nn.TransformerEncoderLayer`` take a "fast path": one fused operator
  (``aten._native_multi_head_attention``, ``aten._transformer_encoder_layer_fwd``) with
  no FLOP formula, and the layers inside are never called as modules. A plain
  ``FlopCounterMode`` run on ``vit_b_16`` therefore counts 22,542,249,984 FLOPs: the
  patch embedding, the MLPs and the head, and not one attention FLOP.
  :func:`attention_unfused` turns the fast path off while tutor traces.
* Unfused attention on the CPU runs ``aten._scaled_dot_product_flash_attention_for_cpu``,
  which the registry lacks (pytorch/pytorch#195460, fixed upstream by registering it
  with the existing SDPA formula, pytorch/pytorch#195801). :data:`CPU_ATTENTION` adds
  the same formula.

With both, ``vit_b_16`` at 1×3×224×224 counts 35,127,656,448 FLOPs, of which
12 × 1,048,783,872 are attention (QKV and output projections, Q·Kᵀ and A·V).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode, flop_registry, sdpa_flop_count

_aten = torch.ops.aten


def _cpu_sdpa_flop(query: Any, key: Any, value: Any, *args: Any, **kwargs: Any) -> int:
    """The registry's SDPA formula: Q·Kᵀ and A·V, 2 FLOPs per multiply-add."""
    return int(sdpa_flop_count(query.shape, key.shape, value.shape))


# Take the tensors as they are (the counter would otherwise pass shapes only).
_cpu_sdpa_flop._get_raw = True  # type: ignore[attr-defined]

#: The formulas ``torch.utils.flop_counter`` lacks on this version (empty once it has them).
CPU_ATTENTION: dict[Any, Any] = (
    {}
    if _aten._scaled_dot_product_flash_attention_for_cpu in flop_registry
    else {_aten._scaled_dot_product_flash_attention_for_cpu: _cpu_sdpa_flop}
)


def flop_counter() -> FlopCounterMode:
    """``FlopCounterMode(display=False)`` with :data:`CPU_ATTENTION` added: what tutor
    counts with, so a test can count the same way on its own."""
    return FlopCounterMode(display=False, custom_mapping=dict(CPU_ATTENTION))


_fastpath_lock = threading.Lock()
_fastpath_users = 0
_fastpath_saved = True


@contextmanager
def attention_unfused() -> Iterator[None]:
    """Turn off PyTorch's fused attention fast path inside the block.

    The switch (``torch.backends.mha``) is process-wide, so overlapping blocks in
    several threads share one count and the last to leave restores the setting.
    """
    global _fastpath_users, _fastpath_saved
    with _fastpath_lock:
        if _fastpath_users == 0:
            _fastpath_saved = torch.backends.mha.get_fastpath_enabled()
            torch.backends.mha.set_fastpath_enabled(False)
        _fastpath_users += 1
    try:
        yield
    finally:
        with _fastpath_lock:
            _fastpath_users -= 1
            if _fastpath_users == 0:
                torch.backends.mha.set_fastpath_enabled(_fastpath_saved)


#: The footnote under a dissection table: why the two columns differ.
FLOPS_FOOTNOTE = (
    "mult-adds: torchinfo's count, per leaf layer: each weight and bias element once per "
    "sample (per output position for convolutions, so a Linear on (N, L, F) counts one "
    "position of L). "
    "FLOPs: the operators PyTorch ran, counted by torch.utils.flop_counter at 2 per "
    "multiply-add: matrix products, convolutions and attention, also those a module "
    "runs itself (attention's matmuls); bias adds, activations, normalization, pooling, "
    "softmax, element-wise adds and embedding lookups count 0, and so does nn.LSTM's "
    "fused kernel."
)


def no_formula_note(kind: str) -> str:
    """The note on a recurrent layer that PyTorch ran as one uncounted fused operator."""
    return (
        f"FLOPs 0: PyTorch runs {kind} as one fused operator that torch.utils.flop_counter "
        "has no formula for; mult-adds are from its weight sizes"
    )


class FlopMeter:
    """A running FLOP total over a block of code; a disabled meter always reads 0.

    ``with FlopMeter() as meter: ...; meter.total()`` equals what ``FlopCounterMode``
    reports for the same code; reading :meth:`total` inside the block gives the count
    so far, which is how a tracer attributes FLOPs to the layer that ran in between.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._counter: FlopCounterMode | None = None

    def __enter__(self) -> FlopMeter:
        if self.enabled:
            self._counter = flop_counter()
            self._counter.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._counter is not None:
            self._counter.__exit__(exc_type, exc, tb)

    def total(self) -> int:
        """FLOPs counted so far (0 when disabled)."""
        if self._counter is None:
            return 0
        return int(self._counter.get_total_flops())
