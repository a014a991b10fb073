"""Safe YAML loading that remembers where every value was written.

PyYAML's composer turns text into a node graph without constructing any Python
object, so tags such as ``!!python/object`` stay inert strings; this module walks the
graph itself, allows only plain data (mappings, lists, text, numbers, booleans,
null), and records the line and column of every key and value. Alias bombs and
absurd nesting are cut off with a located error instead of eating memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

DataPath = tuple[str | int, ...]

#: Values (after expanding aliases) a document may hold. Lessons have a few thousand.
MAX_NODES = 200_000
#: Nesting depth. Real lessons go about eight levels deep.
MAX_DEPTH = 64
#: Size of a lesson or spec file in bytes.
MAX_BYTES = 2_000_000

# libyaml's composer is ten times faster when PyYAML was built with it; both give the
# same nodes and marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    # Dates are read as the text the author wrote.
    "tag:yaml.org,2002:timestamp",
}


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a file."""

    line: int
    column: int


@dataclass(frozen=True)
class Problem:
    """A located problem, printed as ``PATH:LINE:COL: error: MESSAGE``."""

    source: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.severity}: {self.message}"


class YamlError(Exception):
    """The file is not safe, plain YAML; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Locator:
    """Maps a path into the loaded data (``("steps", 3, "model")``) to a position."""

    source: str
    values: dict[DataPath, Position] = field(default_factory=dict)
    keys: dict[DataPath, Position] = field(default_factory=dict)
    blocks: set[DataPath] = field(default_factory=set)
    """Scalars written as blocks (``|`` or ``>``): their text starts on the next line."""

    def locate(self, path: Iterable[str | int], key: bool = False) -> Position:
        """Position of the value at ``path``, or of its key when ``key`` is set.

        A path that does not exist in the file (a missing field) resolves to its
        longest existing prefix: the mapping where the field should have been.
        """
        parts = tuple(path)
        if key and parts in self.keys:
            return self.keys[parts]
        while parts:
            if parts in self.values:
                return self.values[parts]
            parts = parts[:-1]
        return self.values.get((), Position(1, 1))

    def problem(self, path: Iterable[str | int], message: str, key: bool = False) -> Problem:
        pos = self.locate(path, key=key)
        return Problem(self.source, pos.line, pos.column, message)

    def problem_in_text(self, path: Iterable[str | int], offset_lines: int, message: str) -> Problem:
        """A problem on a line inside a text value: ``offset_lines`` lines below its start."""
        parts = tuple(path)
        pos = self.locate(parts)
        first = pos.line + (1 if parts in self.blocks else 0)
        return Problem(self.source, first + offset_lines, 1 if offset_lines or parts in self.blocks else pos.column, message)


def _pos(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Walker:
    def __init__(self, source: str):
        self.locator = Locator(source)
        self.problems: list[Problem] = []
        self.count = 0
        self.constructor = SafeConstructor()

    def fail(self, node: Node, message: str) -> None:
        pos = _pos(node)
        self.problems.append(Problem(self.locator.source, pos.line, pos.column, message))

    def walk(self, node: Node, path: DataPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node)
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        self.locator.values[path] = _pos(node)
        if isinstance(node, ScalarNode):
            if node.style in ("|", ">"):
                self.locator.blocks.add(path)
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.fail(node, _tag_message(node.tag))
                return None
            return [self.walk(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                self.fail(node, _tag_message(node.tag))
                return None
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.fail(
                        key_node,
                        "merge keys (<<) are not supported in lesson files; write the fields out",
                    )
                    continue
                if not isinstance(key_node, ScalarNode):
                    self.fail(key_node, "a key must be plain text, not a list or mapping")
                    continue
                key = self.scalar(key_node)
                if isinstance(key, float | bool) or key is None:
                    key = key_node.value
                if key in result:
                    self.fail(key_node, f"duplicate key '{key}': it is already set above")
                    continue
                self.locator.keys[(*path, key)] = _pos(key_node)
                result[key] = self.walk(value_node, (*path, key), depth + 1)
            return result
        self.fail(node, "unsupported YAML node")
        return None

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag not in _PLAIN_TAGS:
            self.fail(node, _tag_message(node.tag))
            return None
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError) as error:
            self.fail(node, f"cannot read value {node.value!r}: {error}")
            return None


class _TooBig(Exception):
    def __init__(self, node: Node):
        self.node = node


class _TooDeep(Exception):
    def __init__(self, node: Node):
        self.node = node


def _tag_message(tag: str) -> str:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    if "python" in tag:
        return (
            f"the YAML tag {short} would create a Python object; lesson files may only "
            "hold plain data (text, numbers, lists, mappings)"
        )
    return f"the YAML tag {short} is not allowed; lesson files may only hold plain data"


def load_text(text: str, source: str = "<string>") -> tuple[Any, Locator]:
    """Parse ``text`` into plain Python data and a :class:`Locator`.

    Raises:
        YamlError: for a syntax error, a forbidden tag, a duplicate key, an alias bomb
            or absurd nesting, each with its line and column. All problems that can be
            found are reported together.
    """
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise YamlError(
            [
                Problem(
                    source,
                    1,
                    1,
                    f"the file is larger than {MAX_BYTES:,} bytes; split it into several lessons",
                )
            ]
        )
    try:
        # compose() builds nodes only: no constructor runs, so no tag can call Python.
        try:
            root = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:
            if _LOADER is yaml.SafeLoader:
                raise
            # Parse again in pure Python: its messages are the same on every machine.
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = error.problem or str(error)
        if error.context:
            what = f"{what} ({error.context})"
        raise YamlError([Problem(source, line, col, f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as error:
        raise YamlError([Problem(source, 1, 1, f"YAML error: {error}")]) from None
    except RecursionError:
        raise YamlError([Problem(source, 1, 1, "the file is nested too deeply to read")]) from None

    walker = _Walker(source)
    if root is None:
        return None, walker.locator
    try:
        data = walker.walk(root, (), 0)
    except _TooBig as big:
        pos = _pos(big.node)
        raise YamlError(
            [
                Problem(
                    source,
                    pos.line,
                    pos.column,
                    f"the document expands to more than {MAX_NODES:,} values "
                    "(too many aliases?); it was not loaded",
                )
            ]
        ) from None
    except _TooDeep as deep:
        pos = _pos(deep.node)
        raise YamlError(
            [
                Problem(
                    source,
                    pos.line,
                    pos.column,
                    f"the document is nested more than {MAX_DEPTH} levels deep",
                )
            ]
        ) from None
    if walker.problems:
        raise YamlError(walker.problems)
    return data, walker.locator


def load_file(path: Path | str) -> tuple[Any, Locator]:
    """Read and parse a YAML file; unreadable files become a located :class:`YamlError`."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise YamlError([Problem(source, 1, 1, "file not found")]) from None
    except IsADirectoryError:
        raise YamlError([Problem(source, 1, 1, "this is a folder, not a file")]) from None
    except OSError as error:
        raise YamlError(
            [Problem(source, 1, 1, f"cannot read the file: {error.strerror}")]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlError(
            [Problem(source, line, 1, "the file is not UTF-8 text; save it as UTF-8")]
        ) from None
    return load_text(text, source)
