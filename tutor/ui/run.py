"""Start the app (placeholder: prints a dissection until the app exists)."""

from __future__ import annotations


def run_app(lesson: str | None = None, lesson_dirs: list[str] | None = None) -> int:
    from tutor.commands.render import print_dissection
    from tutor.engine.build import build_model
    from tutor.engine.device import resolve_device
    from tutor.engine.dissect import dissect
    from tutor.engine.spec import parse_spec

    spec = parse_spec({"name": "fashion-mlp", "input": [1, 28, 28], "layers": [
        "Flatten", {"Linear": {"in_features": 784, "out_features": 100}}, "ReLU",
        {"Linear": {"in_features": 100, "out_features": 10}}]})
    print_dissection(dissect(build_model(spec), spec.input, 32, resolve_device(), spec.name))
    return 0
