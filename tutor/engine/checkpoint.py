"""Checkpoints: model and optimizer state, epoch, model spec and training settings.

A checkpoint is one ``torch.save`` file holding only plain data (dicts, lists, str,
int, float, bool, None and tensors), so it loads with ``torch.load(weights_only=True)``:
opening a checkpoint someone sent you cannot run their code. The model spec is stored
as plain data too, so a checkpoint alone is enough to rebuild its model.

Files are written atomically (write, fsync, rename) through
:func:`tutor.fsutil.atomic_write_bytes`: a crash mid-save leaves the previous file
intact, never half a file. By default they live at
``TUTOR_HOME/checkpoints/<model-name>/epoch-N.pt``.

Anything wrong with a file (truncated, not a checkpoint, saved from a different
architecture) raises :class:`CheckpointError` naming the file and the problem.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from tutor.config import tutor_home
from tutor.engine.spec import ALLOWED_LAYERS, LayerSpec, ModelSpec
from tutor.errors import TutorError
from tutor.fsutil import FileRefused, atomic_write_bytes, move_aside, open_regular
from tutor.text import clean, shape_text

#: Written into every checkpoint; bumped if the layout changes incompatibly.
FORMAT = "tutor-checkpoint"
VERSION = 1
#: Larger than any model a lesson trains; a bigger ".pt" is not one of ours.
MAX_CHECKPOINT_BYTES = 4 * 2**30


class CheckpointError(TutorError):
    """A checkpoint file cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class Checkpoint:
    """What :func:`load_checkpoint` found in a file."""

    path: Path
    epoch: int
    model_state: dict[str, torch.Tensor]
    optimizer_state: dict[str, Any] | None
    spec: ModelSpec | None
    """The model spec, rebuilt from the stored plain data (None if none was stored)."""
    config: dict[str, Any]
    """The training settings (``TrainConfig`` fields) as plain data."""
    extra: dict[str, Any]


def safe_name(name: str) -> str:
    """A folder name made of letters, digits, ``-``, ``_`` and ``.`` only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return cleaned or "model"


def checkpoint_dir(model_name: str, root: Path | None = None) -> Path:
    """``TUTOR_HOME/checkpoints/<model-name>`` (or ``root/<model-name>``)."""
    base = Path(root) if root is not None else tutor_home() / "checkpoints"
    return base / safe_name(model_name)


def checkpoint_path(directory: Path, epoch: int) -> Path:
    """``directory/epoch-N.pt``."""
    return Path(directory) / f"epoch-{epoch}.pt"


def stopped_checkpoint_path(directory: Path, epoch: int, step: int) -> Path:
    """``directory/epoch-E-stopped-at-step-S.pt``: a run stopped after ``step`` steps of
    epoch ``epoch``. Not an ``epoch-N.pt``: its weights are between two epochs."""
    return Path(directory) / f"epoch-{epoch}-stopped-at-step-{step}.pt"


def list_checkpoints(directory: Path) -> list[Path]:
    """The ``epoch-N.pt`` files in ``directory``, oldest epoch first."""
    found = []
    for path in Path(directory).glob("epoch-*.pt"):
        match = re.fullmatch(r"epoch-(\d+)\.pt", path.name)
        if match:
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


def latest_checkpoint(directory: Path) -> Path | None:
    """The checkpoint with the highest epoch in ``directory``, or None."""
    found = list_checkpoints(directory)
    return found[-1] if found else None


def _plain(value: Any) -> Any:
    """Tuples -> lists, recursively: a spec stored as data weights_only can load."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def spec_to_data(spec: ModelSpec) -> dict[str, Any]:
    """A model spec as plain data (no custom classes), for storing in a checkpoint."""
    return {
        "name": spec.name,
        "input": list(spec.input),
        "description": spec.description,
        "layers": [
            {
                "type": layer.type,
                "name": layer.name,
                "args": _plain(layer.args),
                "kwargs": _plain(dict(layer.kwargs)),
            }
            for layer in spec.layers
        ],
    }


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def spec_from_data(data: Mapping[str, Any]) -> ModelSpec:
    """Rebuild a :class:`ModelSpec` from :func:`spec_to_data`'s output.

    Only allow-listed layer types are accepted, exactly as from a lesson file.
    """
    layers = []
    for i, raw in enumerate(data["layers"]):
        kind = raw["type"]
        if kind not in ALLOWED_LAYERS:
            raise ValueError(f"layer {i} has the type {kind!r}, which is not allowed")
        layers.append(
            LayerSpec(
                type=kind,
                args=_freeze(raw.get("args") or ()),
                kwargs={str(k): _freeze(v) for k, v in (raw.get("kwargs") or {}).items()},
                name=raw.get("name"),
                path=("layers", i),
            )
        )
    return ModelSpec(
        name=str(data["name"]),
        input=tuple(int(v) for v in data["input"]),
        layers=tuple(layers),
        description=data.get("description"),
    )


def _config_data(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return _plain(dataclasses.asdict(config))
    return _plain(dict(config))


def save_checkpoint(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    epoch: int,
    spec: ModelSpec | None = None,
    config: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write a checkpoint atomically to ``path`` and return ``path``.

    Args:
        path: the file to write; its folder is created.
        model: whose ``state_dict()`` is saved (tensors are copied to the CPU so the
            file loads on any machine).
        optimizer: whose state is saved (momentum buffers, Adam moments), or None.
        epoch: the number of epochs completed.
        spec: the model spec, stored as plain data so the file can rebuild the model.
        config: the training settings, a ``TrainConfig`` or a mapping.
        extra: more plain data to keep (e.g. the dataset name, the last metrics).
    """
    path = Path(path)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": int(epoch),
        "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer_state": _to_cpu(optimizer.state_dict()) if optimizer is not None else None,
        "spec": spec_to_data(spec) if spec is not None else None,
        "config": _config_data(config),
        "extra": _plain(dict(extra or {})),
        "torch_version": str(torch.__version__),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _to_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_cpu(v) for v in value]
    return value


def _shape(t: Any) -> str:
    return shape_text(tuple(t.shape)) if isinstance(t, torch.Tensor) else "?"


def _describe_mismatch(saved: Mapping[str, Any], model: nn.Module) -> str | None:
    """Which parameters differ between a saved state and ``model``, in words, or None."""
    current = model.state_dict()
    missing = [k for k in current if k not in saved]
    unexpected = [k for k in saved if k not in current]
    reshaped = [
        f"{k} is {_shape(saved[k])} in the file but {_shape(current[k])} in the model"
        for k in current
        if k in saved and isinstance(saved[k], torch.Tensor) and saved[k].shape != current[k].shape
    ]
    parts = []
    if reshaped:
        parts.append("; ".join(reshaped[:3]) + (" ..." if len(reshaped) > 3 else ""))
    if missing:
        parts.append(
            f"the file has no {', '.join(missing[:4])}" + (" ..." if len(missing) > 4 else "")
        )
    if unexpected:
        parts.append(
            f"the model has no {', '.join(unexpected[:4])}"
            + (" ..." if len(unexpected) > 4 else "")
        )
    return "; ".join(parts) or None


def load_checkpoint(
    path: Path,
    model: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: torch.device | str = "cpu",
    move_corrupt: bool = False,
) -> Checkpoint:
    """Read a checkpoint with ``weights_only=True`` and optionally restore it.

    Args:
        path: the ``.pt`` file.
        model: if given, its weights are replaced by the saved ones (shapes must match).
        optimizer: if given, its state is replaced by the saved one.
        map_location: where the loaded tensors go before they are copied into ``model``.
        move_corrupt: rename an unreadable file to ``NAME.corrupt-<time>`` (kept, never
            deleted) so the next run does not trip over it; the error message says where.

    Raises:
        CheckpointError: the file is missing, truncated, not a tutor checkpoint, or was
            saved from a different architecture than ``model``.
    """
    path = Path(path)
    try:
        with open_regular(path, MAX_CHECKPOINT_BYTES) as handle:
            data = torch.load(handle, map_location=map_location, weights_only=True)
    except FileRefused as refused:
        if refused.kind == "missing":
            raise CheckpointError(f"{clean(path)}: no such checkpoint file") from None
        raise CheckpointError(str(refused)) from None
    except Exception as error:  # zip errors (RuntimeError), EOFError, UnpicklingError...
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        where = ""
        if move_corrupt:
            moved = move_aside(path)
            where = f"; it was moved aside to {moved}"
        raise CheckpointError(
            f"{path}: the checkpoint is damaged or truncated and cannot be read "
            f"({type(error).__name__}: {reason}){where}. Train again to write a new one."
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(
            f"{path}: this file is not a tutor checkpoint "
            "(it has no 'format: tutor-checkpoint' entry)"
        )
    version = data.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise CheckpointError(f"{path}: the checkpoint's 'version' is not a whole number")
    if version > VERSION:
        raise CheckpointError(
            f"{path}: the checkpoint has format version {data.get('version')}, "
            f"newer than this tutor understands ({VERSION}); update tutor"
        )
    state = data.get("model_state")
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: the checkpoint holds no model weights")
    spec = None
    if data.get("spec") is not None:
        try:
            spec = spec_from_data(data["spec"])
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise CheckpointError(f"{path}: the stored model spec is damaged ({error})") from None
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise CheckpointError(f"{path}: the checkpoint's model weights are not all tensors")
    if model is not None:
        mismatch = _describe_mismatch(state, model)
        if mismatch:
            saved = f"model '{spec.name}'" if spec else "another model"
            raise CheckpointError(
                f"{path}: this checkpoint was saved from {saved} with a different "
                f"architecture: {mismatch}"
            )
        try:
            model.load_state_dict(state)
        except (RuntimeError, TypeError, ValueError) as error:
            raise CheckpointError(
                f"{path}: the saved weights do not fit this model ({error})"
            ) from None
    if optimizer is not None and data.get("optimizer_state") is not None:
        try:
            optimizer.load_state_dict(data["optimizer_state"])
        except (ValueError, KeyError, RuntimeError) as error:
            raise CheckpointError(
                f"{path}: the optimizer state does not fit this optimizer ({error})"
            ) from None
    epoch = data.get("epoch", 0)
    config, extra = data.get("config") or {}, data.get("extra") or {}
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise CheckpointError(f"{path}: the checkpoint's 'epoch' is not a whole number")
    if not isinstance(config, dict) or not isinstance(extra, dict):
        raise CheckpointError(f"{path}: the checkpoint's 'config' or 'extra' is not a mapping")
    return Checkpoint(
        path=path,
        epoch=epoch,
        model_state=state,
        optimizer_state=data.get("optimizer_state"),
        spec=spec,
        config=dict(config),
        extra=dict(extra),
    )
