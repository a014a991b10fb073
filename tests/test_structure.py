"""The architecture's rules, as tests: one home per idea, imports pointing down, small modules.

See DESIGN.md: the engine assembles training runs (no UI or command module builds a
Trainer), screens and views never import the App module, every learner-facing string
comes from one catalog per language, and no module grows past 450 lines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tutor
from tutor.course.steps import KINDS
from tutor.engine.config import STATES
from tutor.engine.outcome import CLAIMS, COMPARISONS
from tutor.locales import LANGUAGES, catalog

PACKAGE = Path(tutor.__file__).parent
MAX_LINES = 450


def _sources(*parts: str) -> dict[Path, str]:
    root = PACKAGE.joinpath(*parts)
    return {p: p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}


def _imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_ui_or_command_module_builds_a_trainer():
    for path, source in {**_sources("ui"), **_sources("commands")}.items():
        assert "Trainer(" not in source, f"{path} builds a Trainer: use tutor.engine.run"


def test_screens_views_and_widgets_never_import_the_app():
    for part in ("screens", "views", "widgets"):
        for path, source in _sources("ui", part).items():
            assert "tutor.ui.app" not in _imports(source), f"{path} imports tutor.ui.app"
    for name in ("palette.py", "context.py", "messages.py"):
        source = (PACKAGE / "ui" / name).read_text(encoding="utf-8")
        assert "tutor.ui.app" not in _imports(source), name


def test_no_module_is_longer_than_450_lines():
    too_long = {
        str(path.relative_to(PACKAGE)): n
        for path, source in _sources().items()
        if (n := source.count("\n")) > MAX_LINES
    }
    assert not too_long


def test_every_step_kind_has_a_view_module():
    for kind in KINDS:
        view = PACKAGE / "ui" / "views" / f"{kind}.py"
        assert view.is_file(), f"step kind {kind!r} has no view module {view}"
        assert "\nVIEW = " in view.read_text(encoding="utf-8")


def test_catalogs_have_the_same_keys_and_placeholders():
    english = catalog("en")
    for lang in LANGUAGES:
        other = catalog(lang)
        assert set(other) == set(english), lang
        for key, text in english.items():
            fields = set(re.findall(r"\{(\w+)", text))
            assert set(re.findall(r"\{(\w+)", other[key])) == fields, (lang, key)


def test_every_catalog_key_is_used():
    """A key no code asks for is a string nobody sees (or a typo on one side)."""
    source = "\n".join(
        text for path, text in _sources().items() if "locales" not in path.parts
    )
    # Keys built from a name at run time: a step kind's title, a training state.
    dynamic = (
        {f"kind.{k}" for k in KINDS}
        | {f"train.{s}" for s in STATES}
        | {f"outcome.{c}" for c in (*CLAIMS, *COMPARISONS)}
    )
    unused = [
        key
        for key in catalog("en")
        if key not in dynamic and f'"{key}"' not in source and f"'{key}'" not in source
    ]
    assert not unused


def test_the_language_list_lives_in_one_place():
    for path, source in _sources().items():
        if "locales" in path.parts:
            continue
        assert not re.search(r"""["'](en|ko)["']""", source), f"{path} names a language"
