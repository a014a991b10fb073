"""A lesson made for the learner's own model: what ``tutor explore FILE.py:NAME`` opens.

The lesson lives in memory (no file), is named after their class, and is in every
language: its texts come from the catalogs, with numbers the engine computed when the
model was loaded. It holds the steps that fit the model, decided by the same
model × data × loss rules as lesson validation (:mod:`tutor.engine.rules`):

* always: what the lesson is, the layer table (dissect) and the code;
* when a dataset takes one sample of the model's input: its samples and one sample
  through the model (forward); with the dataset chosen from the input shape when none
  is given (:data:`DATASET_FOR_INPUT`);
* when the model gives one logit per class: softmax on a real sample;
* when model, data and loss go together: training.

Whatever is left out is said in the first step, with the rule's own words. The result is
checked like any lesson (:func:`tutor.course.checking.check_lesson`) before it is shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tutor.course.lesson import LessonFile
from tutor.course.schema import Lesson, TrainSettings
from tutor.course.steps.code import CodeStep
from tutor.course.steps.dissect import DissectStep
from tutor.course.steps.forward import ForwardStep
from tutor.course.steps.samples import SamplesStep
from tutor.course.steps.softmax import SoftmaxStep
from tutor.course.steps.text import TextStep
from tutor.course.steps.train import TrainStep
from tutor.course.yamlsafe import Locator
from tutor.errors import TutorError
from tutor.locales import LANGUAGES, t
from tutor.text import shape_text

#: One sample's shape → the dataset explore uses when ``--dataset`` is not given.
DATASET_FOR_INPUT: dict[tuple[int, ...], str] = {
    (1, 28, 28): "fashion-mnist",
    (3, 32, 32): "cifar10",
    (2,): "circle",
}

#: Epochs of the generated train step: enough to see the loss fall, short enough to wait.
EPOCHS = 2


def _text(key: str, **values: Any) -> dict[str, str]:
    """A catalog string in every language, as lesson text."""
    return {lang: t(key, lang, **values) for lang in LANGUAGES}


def _join(*parts: dict[str, str]) -> dict[str, str]:
    return {lang: "\n\n".join(p[lang] for p in parts if p.get(lang)) for lang in LANGUAGES}


def _safe(text: str) -> str:
    """Learner-given text (a file path) shown in a lesson: never a placeholder."""
    return text.replace("{{", "{ {").replace("}}", "} }")


def lesson_id(name: str) -> str:
    """``explore-simplelinearmodel_01``: a valid lesson id for progress."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_") or "model"
    return f"explore-{slug}"


def choose_dataset(source: Any, requested: str | None) -> str | None:
    """The registry name of the dataset to explore with (``--dataset`` wins)."""
    from tutor.engine.data import dataset_info

    if requested is not None:
        return dataset_info(requested).name  # unknown names raise, with suggestions
    return DATASET_FOR_INPUT.get(tuple(source.input))


def explore_lesson(source: Any, dataset: str | None = None) -> LessonFile:
    """The lesson for ``source`` (a :class:`~tutor.engine.usersource.UserSource`).

    Raises:
        TutorError: ``dataset`` is unknown (with the closest names).
    """
    from tutor.course.checking import check_lesson
    from tutor.course.steps.base import data_facts
    from tutor.engine.data import dataset_info
    from tutor.engine.rules import check_combination, default_loss
    from tutor.engine.run import default_settings

    name = source.name
    facts = source.rule_facts()
    chosen = choose_dataset(source, dataset)
    info = dataset_info(chosen) if chosen is not None else None

    notes: list[dict[str, str]] = []
    fits = trains = classifies = False
    settings: TrainSettings | None = None
    if info is None:
        known = ", ".join(
            f"{dataset_info(d).title} {shape_text(shape)}" for shape, d in DATASET_FOR_INPUT.items()
        )
        notes.append(_text("explore.no_data", input=shape_text(source.input), known=known))
    else:
        data = data_facts(info)
        shown = check_combination(facts, data)
        fits = not shown
        images = len(info.sample_shape) == 3
        classifies = fits and info.task == "classification" and facts.output == (len(info.classes),)
        loss = default_loss(facts.last_layer, info.task)
        trained = check_combination(facts, data, loss)
        trains = not trained
        if trains:
            defaults = {
                "epochs": EPOCHS,
                **default_settings(info.name, info.task, facts.last_layer),
            }
            settings = TrainSettings(**defaults)
        for mismatch in (shown or trained)[:1]:
            notes.append(
                {
                    lang: t(
                        "explore.mismatch", lang, data=info.title, reason=mismatch.localized(lang)
                    )
                    for lang in LANGUAGES
                }
            )
        if not images:
            notes.append(_text("explore.no_pictures", data=info.title))

    steps: list[Any] = []
    steps.append(
        DissectStep(
            kind="dissect",
            id="layers",
            model=name,
            batch=32,
            title=_text("explore.dissect.title", name=name),
            text=_text("explore.dissect.text"),
        )
    )
    if info is not None and len(info.sample_shape) == 3:
        steps.append(
            SamplesStep(
                kind="samples",
                id="samples",
                dataset=info.name,
                count=8,
                title=_text("explore.samples.title", data=info.title),
                text=_text("explore.samples.text", input=shape_text(source.input)),
            )
        )
        if fits:
            steps.append(
                ForwardStep(
                    kind="forward",
                    id="forward",
                    model=name,
                    dataset=info.name,
                    title=_text("explore.forward.title", name=name),
                    text=_text("explore.forward.text"),
                )
            )
    if classifies and info is not None:
        steps.append(
            SoftmaxStep(
                kind="softmax",
                id="softmax",
                model=name,
                dataset=info.name,
                title=_text("explore.softmax.title", name=name),
                text=_text("explore.softmax.text", k=len(info.classes)),
            )
        )
    if trains and settings is not None and info is not None:
        steps.append(
            TrainStep(
                kind="train",
                id="train",
                model=name,
                dataset=info.name,
                title=_text("explore.train.title", name=name),
                text=_text("explore.train.text", call=source.call()),
                **settings.model_dump(),
            )
        )
    steps.append(
        CodeStep(
            kind="code",
            id="code",
            model=name,
            dataset=info.name if info is not None and fits else None,
            train=settings,
            title=_text("explore.code.title"),
            text=_text(
                "explore.code.text" if settings is not None else "explore.code.text_model",
                name=name,
                file=_safe(source.path.name),
            ),
        )
    )

    listed = {lang: ", ".join(t(f"kind.{step.kind}", lang) for step in steps) for lang in LANGUAGES}
    intro = _join(
        _text(
            "explore.intro",
            name=name,
            file=_safe(str(source.path)),
            call=source.call(),
            input=shape_text((1, *source.input), "N"),
            output=shape_text((1, *facts.output), "N") if facts.output else "—",
            params=f"{source.total_params:,}",
        ),
        _text(
            "explore.data.given" if dataset is not None else "explore.data.auto",
            data=info.title if info is not None else "",
            sample=shape_text(info.sample_shape) if info is not None else "",
        )
        if info is not None
        else {},
        *notes,
        {lang: t("explore.steps", lang, steps=listed[lang]) for lang in LANGUAGES},
    )
    steps.insert(
        0,
        TextStep(kind="text", id="about", title=_text("explore.title", name=name), body=intro),
    )

    lesson = Lesson(
        id=lesson_id(name),
        title=_text("explore.title", name=name),
        summary=_text("explore.summary", name=name),
        languages=list(LANGUAGES),
        # The lesson's data only where the model takes it: steps that show the data
        # alone (samples) name it themselves.
        dataset=info.name if info is not None and fits else None,
        steps=steps,
    )
    lesson_file = LessonFile(
        path=Path(source.path),
        lesson=lesson,
        locator=Locator(_safe(str(source.path))),
        specs={name: source},
    )
    check_lesson(lesson_file)
    if lesson_file.problems:  # a generated lesson that does not check is tutor's bug
        raise TutorError(
            "the lesson made for this model does not check: "
            + "; ".join(p.message for p in lesson_file.problems)
        )
    return lesson_file
