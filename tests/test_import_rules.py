"""The layers' import rules: the engine never loads Textual; the app module loads no torch."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import tutor.engine


def _modules_after(code: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_engine_loads_no_textual():
    names = [f"tutor.engine.{m.name}" for m in pkgutil.iter_modules(tutor.engine.__path__)]
    assert "tutor.engine.trace" in names
    loaded = _modules_after("\n".join(f"import {n}" for n in names))
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert "torch" in loaded


def test_engine_sources_do_not_mention_textual():
    for info in pkgutil.walk_packages(tutor.engine.__path__, "tutor.engine."):
        spec = info.module_finder.find_spec(info.name)  # type: ignore[union-attr]
        source = open(spec.origin, encoding="utf-8").read()  # noqa: SIM115
        assert "import textual" not in source and "from textual" not in source, info.name


def test_app_module_loads_no_torch():
    """The first frame is drawn while torch loads in the background."""
    loaded = _modules_after(
        "import tutor.ui.app, tutor.ui.screens.lessons, tutor.ui.screens.player\n"
        "import tutor.course.lesson, tutor.course.catalog, tutor.course.progress"
    )
    assert "textual" in loaded
    assert not {m for m in loaded if m == "torch" or m.startswith("torch.")}


def test_ui_sources_do_no_tensor_math():
    """The UI hands numbers to the engine and draws what comes back."""
    import tutor.ui

    for info in pkgutil.walk_packages(tutor.ui.__path__, "tutor.ui."):
        spec = info.module_finder.find_spec(info.name)  # type: ignore[union-attr]
        source = open(spec.origin, encoding="utf-8").read()  # noqa: SIM115
        for forbidden in ("import torch", "from torch", ".detach(", ".tolist(", "torch.no_grad"):
            assert forbidden not in source, f"{info.name} contains {forbidden!r}"
