"""The learner's own model: import their Python file, build NAME, explain their errors.

This is the only place where tutor runs Python it did not ship, and only because the
learner named the file on the command line (``tutor dissect FILE.py:NAME``); a lesson
can never reach it. The file is imported as a module of its own (so code under
``if __name__ == "__main__":`` does not run), with its folder on ``sys.path`` only while
it is imported and NAME is built, so ``from helpers import x`` beside it works.

NAME is an ``nn.Module`` subclass (built with the ``--args`` JSON object as keyword
arguments), a function returning a module (called the same way), or a module built at
the top of the file (``model = Net()``; no ``--args`` then). The input it is traced
with comes from ``--input``, else from the model's own attributes:

* ``example_input`` (or Lightning's ``example_input_array``): real tensors, used as
  they are, batch included: a tensor, a tuple of positional inputs or a dict of
  keyword inputs;
* ``input_shape``: one sample's shape without the batch, e.g. ``(1, 28, 28)``, or what
  ``--input`` accepts as JSON (a list of inputs, a dict of keyword inputs).

Errors raised by the learner's code (a syntax error, a failed import, an exception in
``__init__`` or in ``forward``) come back as :class:`LearnerCodeError` naming their file
and line, the exception and its message, and never tutor's own frames.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch.nn as nn

from tutor.engine.inputs import InputSpec, ModelInputs, spec_from_value
from tutor.engine.trace import TraceError, describe_layer
from tutor.errors import TutorError

#: How many lines of an exception's message are shown (PyTorch's can run long).
_MESSAGE_LINES = 4


class LearnerCodeError(TutorError):
    """The learner's file could not be loaded or built, or its forward pass failed."""


@dataclass
class UserModel:
    """A model built from the learner's file, and the inputs it asks to be traced with."""

    model: nn.Module
    name: str
    """``file.py:NAME`` as the learner wrote it."""
    path: Path
    input_spec: InputSpec | None = None
    """From an ``input_shape`` attribute."""
    example: ModelInputs | None = None
    """From an ``example_input`` (or ``example_input_array``) attribute."""
    factory: Any = None
    """The class or function NAME names (None for a module built in the file), to
    build the model again with fresh weights."""
    args: dict[str, Any] | None = None
    """The ``--args`` it was built with."""


def split_target(target: str) -> tuple[Path, str]:
    """``path/model.py:NAME`` → (path, NAME); clear errors for a missing part."""
    head, sep, name = target.rpartition(":")
    if not sep or not head.endswith(".py"):
        # No ":NAME" (a Windows drive colon is left of the file name, so rpartition is safe).
        path = Path(target)
        if target.endswith(".py"):
            found = _candidates_in_source(path) if path.is_file() else []
            hint = f" (this file defines: {', '.join(found)})" if found else ""
            raise LearnerCodeError(f"{target}: name the model to build, as {target}:NAME{hint}")
        raise LearnerCodeError(f"{target}: expected FILE.py:NAME")
    path = Path(head)
    if not name.strip():
        raise LearnerCodeError(f"{target}: the model name after ':' is empty")
    if not path.exists():
        raise LearnerCodeError(f"{head}: no such file")
    if not path.is_file():
        raise LearnerCodeError(f"{head}: not a file")
    return path, name.strip()


def _candidates_in_source(path: Path) -> list[str]:
    """Top-level class and function names, read without running the file."""
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and not node.name.startswith("_")
    ]


def _module_name(path: Path) -> str:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return f"tutor_learner_{stem}_{digest}"


class _LearnerFolder:
    """The file's folder on ``sys.path`` for the duration; ``sys.path`` restored after.

    Modules imported from that folder (``helpers.py`` beside the model) are dropped from
    ``sys.modules`` afterwards, so a later load sees the learner's edits and another
    folder's ``helpers`` is not mistaken for this one; the model keeps its references.
    """

    def __init__(self, path: Path) -> None:
        self.folder = path.resolve().parent
        self.saved: list[str] = []
        self.loaded: set[str] = set()

    def __enter__(self) -> None:
        self.saved = list(sys.path)
        self.loaded = set(sys.modules)
        sys.path.insert(0, str(self.folder))

    def __exit__(self, *exc: object) -> None:
        sys.path[:] = self.saved
        for name in set(sys.modules) - self.loaded:
            if name.startswith("tutor_learner_"):
                continue  # the learner's file itself stays importable by its own name
            file = getattr(sys.modules[name], "__file__", None)
            try:
                inside = file is not None and self.folder in Path(file).resolve().parents
            except (OSError, ValueError):
                inside = False
            if inside:
                del sys.modules[name]


def import_learner_file(path: Path) -> ModuleType:
    """Run the learner's file as a fresh module (never ``__main__``) and return it."""
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LearnerCodeError(f"{path}: cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs, as a normal import is: dataclasses, pickling and
    # torch.jit.script look the module up by name.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop(name, None)
        if isinstance(error, KeyboardInterrupt):
            raise
        raise learner_error(error, path, f"while importing {path.name}") from None
    return module


def _frames_in(error: BaseException, path: Path) -> list[traceback.FrameSummary]:
    """Traceback frames in the learner's file or a Python file beside it."""
    mine = path.resolve()
    folder = mine.parent
    frames = []
    for frame in traceback.extract_tb(error.__traceback__):
        try:
            where = Path(frame.filename).resolve()
        except (OSError, ValueError):
            continue
        if where == mine or (where.parent == folder and where.suffix == ".py"):
            frames.append(frame)
    return frames


def _shown_path(filename: str, path: Path) -> str:
    """The learner's own spelling of their file; other files as the traceback has them."""
    try:
        if Path(filename).resolve() == path.resolve():
            return str(path)
    except (OSError, ValueError):
        pass
    return filename


def _message(error: BaseException) -> str:
    text = str(error).strip()
    lines = text.splitlines()
    if len(lines) > _MESSAGE_LINES:
        lines = [*lines[:_MESSAGE_LINES], "..."]
    body = "\n".join(lines)
    return f"{type(error).__name__}: {body}" if body else type(error).__name__


def learner_error(error: BaseException, path: Path, doing: str) -> LearnerCodeError:
    """The learner's exception as they would want to read it: their file, line, code.

    A SyntaxError shows ``FILE:LINE:COL``, the line and a caret under the spot; any
    other exception the innermost frame in their file (or a file beside it) with the
    line of code, then the exception type and message, then what tutor was doing.
    """
    if isinstance(error, SyntaxError):
        filename = _shown_path(error.filename or str(path), path)
        col = f":{error.offset}" if error.offset else ""
        lines = [f"{filename}:{error.lineno}{col}: {type(error).__name__}: {error.msg}"]
        if error.text:
            text = error.text.rstrip("\n")
            stripped = text.lstrip()
            lines.append(f"    {stripped}")
            if error.offset:
                start = error.offset - 1 - (len(text) - len(stripped))
                end = getattr(error, "end_offset", None)
                same_line = getattr(error, "end_lineno", error.lineno) == error.lineno
                width = end - error.offset if end and same_line and end > error.offset else 1
                lines.append("    " + " " * max(start, 0) + "^" * width)
        lines.append(f"({doing})")
        return LearnerCodeError("\n".join(lines))
    if isinstance(error, SystemExit):
        return LearnerCodeError(f"{path}: the file called sys.exit({error.code!r}) ({doing})")
    frames = _frames_in(error, path)
    if not frames:
        return LearnerCodeError(f"{path}: {_message(error)} ({doing})")
    frame = frames[-1]
    head = f"{_shown_path(frame.filename, path)}:{frame.lineno}: in {frame.name}: {_message(error)}"
    code = f"\n    {frame.line.strip()}" if frame.line else ""
    return LearnerCodeError(f"{head}{code}\n({doing})")


def forward_error(error: TraceError, path: Path, name: str) -> LearnerCodeError:
    """A failed traced forward pass of the learner's model, located in their file."""
    cause = error.__cause__ or error
    doing = f"while running {name}"
    if error.layer is not None:
        layer_path, kind, shape = error.layer
        doing += f"; in {'layer ' if layer_path else ''}{describe_layer(layer_path, kind, shape)}"
    return learner_error(cause, path, doing)


def _parse_args(args_json: str | None) -> dict[str, Any]:
    if args_json is None:
        return {}
    try:
        value = json.loads(args_json)
    except json.JSONDecodeError as error:
        raise LearnerCodeError(
            f"--args is not valid JSON at line {error.lineno} column {error.colno}: "
            f"{error.msg}; write an object such as '{{\"hidden\": 64}}'"
        ) from None
    if not isinstance(value, dict):
        raise LearnerCodeError(
            f"--args must be a JSON object of keyword arguments such as "
            f"'{{\"hidden\": 64}}', got {json.dumps(value)}"
        )
    return value


def _kind_of(value: Any) -> str:
    if inspect.ismodule(value):
        return f"the module {value.__name__}"
    if isinstance(value, type):
        bases = ", ".join(b.__name__ for b in value.__bases__)
        return f"a class that is not an nn.Module subclass (its bases: {bases})"
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{'an' if type(value).__name__[0] in 'aeiou' else 'a'} {type(value).__name__} ({text})"


def _check_call(fn: Any, label: str, args: dict[str, Any]) -> None:
    """Bind ``--args`` to the signature first, so a typo is named before anything runs."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(**args)
    except TypeError as error:
        params = [
            p
            for p in signature.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        names = [p.name for p in params]
        from tutor.text import suggest

        unknown = [k for k in args if k not in names]
        hint = (
            suggest(unknown[0], names)
            if unknown and not any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
            else ""
        )
        listed = ", ".join(
            p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in params
        )
        raise LearnerCodeError(
            f"{label} cannot take --args {json.dumps(args)}: {error}{hint}; "
            f"its parameters: {listed or 'none'}"
        ) from None


def _choices(module: ModuleType) -> list[str]:
    """What NAME could be: the file's own module classes and functions, and modules
    it built at the top level."""
    names = []
    for n, v in vars(module).items():
        if n.startswith("_"):
            continue
        own = getattr(v, "__module__", None) == module.__name__
        if (
            isinstance(v, nn.Module)
            or (own and isinstance(v, type) and issubclass(v, nn.Module))
            or (own and inspect.isfunction(v))
        ):
            names.append(n)
    return names


def _resolve(module: ModuleType, name: str, path: Path) -> Any:
    value: Any = module
    for part in name.split("."):
        if not hasattr(value, part):
            from tutor.text import suggest

            choices = _choices(module)
            listed = f"; it defines: {', '.join(choices)}" if choices else ""
            raise LearnerCodeError(
                f"{path}: there is no {name!r} in this file{suggest(name, choices)}{listed}"
            )
        value = getattr(value, part)
    return value


def build_named(value: Any, name: str, path: Path, args: dict[str, Any]) -> nn.Module:
    """Build the module NAME stands for: a class, a function, or a ready module."""
    label = f"{path.name}:{name}"
    if isinstance(value, nn.Module):
        if args:
            raise LearnerCodeError(
                f"{label} is already a built {type(value).__name__} module; --args applies "
                "only to a class or a function"
            )
        return value
    is_module_class = isinstance(value, type) and issubclass(value, nn.Module)
    if not is_module_class and (isinstance(value, type) or not callable(value)):
        raise LearnerCodeError(
            f"{label} is {_kind_of(value)}, not an nn.Module subclass or a function that "
            "returns one"
        )
    _check_call(value, label, args)
    shown_args = ", ".join(f"{k}={v!r}" for k, v in args.items())
    try:
        built = value(**args)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        raise learner_error(error, path, f"while building {name}({shown_args})") from None
    if not isinstance(built, nn.Module):
        raise LearnerCodeError(
            f"{label} returned {_kind_of(built)}, not an nn.Module; a factory must return the model"
        )
    return built


def _own_inputs(model: nn.Module, name: str) -> tuple[InputSpec | None, ModelInputs | None]:
    example = getattr(model, "example_input", None)
    if example is None:
        example = getattr(model, "example_input_array", None)
    shape = getattr(model, "input_shape", None)
    spec = spec_from_value(shape, f"{name}.input_shape") if shape is not None else None
    return spec, ModelInputs.of(example) if example is not None else None


def load_user_model(target: str, args_json: str | None = None) -> UserModel:
    """Import ``path/file.py``, build NAME with ``--args`` and find its own inputs.

    Raises:
        LearnerCodeError: a missing file or NAME, bad ``--args``, or an exception in the
            learner's code, with their file and line.
    """
    path, name = split_target(target)
    args = _parse_args(args_json)
    with _LearnerFolder(path):
        module = import_learner_file(path)
        value = _resolve(module, name, path)
        model = build_named(value, name, path, args)
    spec, example = _own_inputs(model, name)
    factory = None if isinstance(value, nn.Module) else value
    return UserModel(model, f"{path.name}:{name}", path, spec, example, factory, args)
