"""Exported code as parts that join into one runnable script.

A step's code (``c`` in the app) must run on its own, and a lesson's code (``tutor code
LESSON``) must run as one script without loading the same data five times. So exported
code is a :class:`Script`: import lines, setup blocks that run once per script (loading
a dataset, a class a model needs), and the step's own body. Joining scripts keeps the
first of each setup block and every body, in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Script:
    """Code in three parts; :meth:`text` writes it as one runnable file."""

    imports: list[str] = field(default_factory=list)
    """``import torch`` lines, each kept once (in the order first seen)."""
    setup: dict[str, str] = field(default_factory=dict)
    """Blocks by key (``data:fashion-mnist``), each run once, before the bodies."""
    body: list[str] = field(default_factory=list)

    def __add__(self, other: Script) -> Script:
        return join([self, other])

    def text(self) -> str:
        """The whole script: imports, then setup blocks, then the bodies."""
        parts = ["\n".join(dict.fromkeys(self.imports))] if self.imports else []
        parts += [block.strip("\n") for block in self.setup.values()]
        parts += [block.strip("\n") for block in self.body if block.strip()]
        return "\n\n".join(parts) + "\n"


def join(scripts: Iterable[Script], headings: Iterable[str | None] | None = None) -> Script:
    """One script from several; a heading (``# step 3: train``) goes above each body."""
    joined = Script()
    titles = list(headings) if headings is not None else []
    for n, script in enumerate(scripts):
        joined.imports += script.imports
        for key, block in script.setup.items():
            joined.setup.setdefault(key, block)
        heading = titles[n] if n < len(titles) else None
        body = "\n\n".join(b.strip("\n") for b in script.body if b.strip())
        if body:
            joined.body.append(f"# {heading}\n{body}" if heading else body)
    joined.imports = list(dict.fromkeys(joined.imports))
    return joined
