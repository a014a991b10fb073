"""Model specs from files: a standalone spec, or one of a lesson's ``models:``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.course.problems import ProblemsFound, spec_problems
from tutor.course.yamlsafe import Problem, YamlError, load_file

if TYPE_CHECKING:
    from tutor.engine.spec import ModelSpec


def load_model_file(path: Path | str, model: str | None = None, check: bool = True) -> ModelSpec:
    """Read a model spec from a spec file or from a lesson file's ``models:`` mapping.

    Args:
        path: a YAML file with ``input`` and ``layers``, or a lesson with ``models``.
        model: which of a lesson's models; may be left out when it has only one.
        check: also dry-run the model on the meta device (shape mismatches, size limit).

    Raises:
        ProblemsFound: every problem, each as ``PATH:LINE:COL: error: MESSAGE``.
    """
    from tutor.engine.build import dry_run
    from tutor.engine.spec import SpecError, parse_spec

    try:
        data, locator = load_file(path)
    except YamlError as error:
        raise ProblemsFound(error.problems) from None
    source = str(path)
    if isinstance(data, Mapping) and "models" in data:
        models = data["models"]
        if not isinstance(models, Mapping) or not models:
            raise ProblemsFound([locator.problem(("models",), "'models' must map names to specs")])
        names = [str(n) for n in models]
        if model is None:
            if len(names) > 1:
                raise ProblemsFound(
                    [
                        locator.problem(
                            ("models",),
                            f"this lesson has {len(names)} models ({', '.join(names)}); "
                            "choose one with --model NAME",
                        )
                    ]
                )
            model = names[0]
        if model not in models:
            from tutor.text import suggest

            raise ProblemsFound(
                [
                    locator.problem(
                        ("models",),
                        f"this lesson has no model '{model}'{suggest(model, names)}; "
                        f"its models: {', '.join(names)}",
                    )
                ]
            )
        data, base, default_name = models[model], ("models", model), model
    elif isinstance(data, Mapping):
        if model is not None and data.get("name") not in (None, model):
            raise ProblemsFound(
                [
                    Problem(
                        source,
                        1,
                        1,
                        f"this spec file holds the model '{data.get('name')}', not '{model}'",
                    )
                ]
            )
        base, default_name = (), Path(path).stem
    else:
        raise ProblemsFound(
            [
                Problem(
                    source, 1, 1, "expected a model spec (input, layers) or a lesson with 'models'"
                )
            ]
        )
    try:
        spec = parse_spec(data, name=default_name, path=base)
        if check:
            dry_run(spec)
    except SpecError as error:
        raise ProblemsFound(spec_problems(error, locator)) from None
    return spec
