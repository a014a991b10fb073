"""``text``: Markdown, with computed facts such as ``{{ model.mlp.params }}`` filled in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from tutor.course.schema import LocalText, StepBase
from tutor.course.steps.base import CheckContext, ComputeContext, StepKind
from tutor.errors import TutorError
from tutor.fsutil import FileRefused, check_regular, read_text, resolved
from tutor.locales import t
from tutor.text import clean

#: An included Markdown file is read whole; a lesson's own text is at most this long.
MAX_INCLUDE_BYTES = 2_000_000


class TextStep(StepBase):
    """Markdown, with computed facts such as ``{{ model.mlp.params }}`` filled in."""

    kind: Literal["text"]
    body: LocalText | None = None
    include: str | None = None
    """A Markdown file beside the lesson, used as the body; ``a.md`` is read as
    ``a.ko.md`` in Korean when that file exists."""

    @model_validator(mode="after")
    def _body_or_include(self) -> TextStep:
        if self.body is None and self.include is None and self.text is None:
            raise ValueError("a text step needs 'body' (Markdown) or 'include' (a file)")
        return self

    def texts(self) -> Iterator[tuple[tuple[str | int, ...], str | dict[str, str]]]:
        yield from super().texts()
        if self.body is not None:
            yield ("body",), self.body


def resolve_asset(folder: Path, relative: str) -> Path | None:
    """The asset's path if it stays inside the lesson folder, else None."""
    if Path(relative).is_absolute():
        return None
    root = resolved(folder)
    target = resolved(root / relative)
    return target if target.is_relative_to(root) else None


def check(step: TextStep, ctx: CheckContext) -> None:
    if step.include is None:
        return
    target = resolve_asset(ctx.lesson_file.folder, step.include)
    if target is None:
        ctx.problem(
            "include",
            f"the asset path '{step.include}' leaves the lesson's folder; "
            "lessons may only include files beside them",
        )
    else:
        try:
            check_regular(target, MAX_INCLUDE_BYTES)
        except FileRefused as refused:
            if refused.kind == "missing":
                ctx.problem("include", f"the file '{step.include}' does not exist")
            else:
                ctx.problem("include", f"cannot include '{step.include}': {refused.reason}")


def body(ctx: ComputeContext) -> str:
    """The step's Markdown in the learner's language, facts filled in."""
    step: TextStep = ctx.step
    text = _read_include(ctx, step.include) if step.include else ctx.text(step.body)
    return ctx.facts(text).fill(text)


def _read_include(ctx: ComputeContext, name: str) -> str:
    # Validation already refused paths that leave the lesson's folder; check again,
    # since the file may have changed since.
    folder = resolved(ctx.lesson_file.folder)
    base = resolved(folder / name)
    localized = base.with_suffix(f".{ctx.language}{base.suffix}")
    for candidate in (localized, base):
        if not candidate.is_relative_to(folder):
            continue
        try:
            return clean(read_text(candidate, MAX_INCLUDE_BYTES))
        except FileRefused as refused:
            if refused.kind != "missing":
                raise TutorError(
                    key="text.unreadable_file", name=name, reason=refused.reason
                ) from None
        except UnicodeDecodeError:
            raise TutorError(
                key="text.unreadable_file", name=name, reason="not UTF-8 text"
            ) from None
    return "*(" + t("text.missing_file", ctx.language, name=name) + ")*"


KIND = StepKind("text", TextStep, check=check)
