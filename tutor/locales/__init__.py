"""One string catalog per language, for the app and for the engine's learner messages.

``t("train.status", "ko", epoch=1, ...)`` formats one string. A catalog is the package
``tutor/locales/<lang>/``: plain ``STRINGS`` dictionaries, one module per area (the app,
the views, the engine, each bigger step kind), with the same keys in every language (a
test checks that, and that every key is used somewhere). The list of languages lives
here and only here.

No torch and no Textual: the engine, the course layer and the app all import this.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

LANGUAGES: tuple[str, ...] = ("en", "ko")
"""Language codes, in the order the app cycles through them."""

NATIVE_NAMES: dict[str, str] = {"en": "English", "ko": "한국어"}
"""Each language's name in itself: what a language switch shows."""

ENGLISH_NAMES: dict[str, str] = {"en": "English", "ko": "Korean"}
"""Each language's name in English: for validation messages written in English."""

DEFAULT_LANGUAGE = "en"

KOREAN = "ko"
"""The language whose grammar ``tutor validate`` checks (particles after computed values)."""


@cache
def catalog(lang: str) -> dict[str, str]:
    """The catalog of ``lang`` (English for an unknown code): every module's strings."""
    code = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    package = importlib.import_module(f"tutor.locales.{code}")
    strings: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        part = importlib.import_module(f"{package.__name__}.{info.name}").STRINGS
        twice = strings.keys() & part.keys()
        if twice:  # one home per string: a key in two modules would hide one of them
            raise KeyError(f"{code} catalog: {sorted(twice)} defined twice ({info.name})")
        strings.update(part)
    return strings


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The string ``key`` in ``lang`` (English when missing there), formatted with ``values``.

    Values that are :class:`Phrase` s (engine text such as a device's description) are
    put in ``lang`` too.
    """
    text = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key, key)
    if not values:
        return text
    shown = {k: v.localized(lang) if isinstance(v, Phrase) else v for k, v in values.items()}
    return text.format(**shown)


def next_language(lang: str) -> str:
    """The language after ``lang`` in :data:`LANGUAGES` (what the language key switches to)."""
    i = LANGUAGES.index(lang) if lang in LANGUAGES else -1
    return LANGUAGES[(i + 1) % len(LANGUAGES)]


def normalize_language(value: str | None) -> str:
    """``ko_KR.UTF-8`` → ``ko``; anything unknown → English."""
    code = (value or "").lower().split("_")[0].split(".")[0].split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


class Phrase(str):
    """Catalog text that is a plain (English) string and can be shown in any language.

    Engine results that a learner reads (why the offline data is in use, how to get the
    real set) are Phrases: code that treats them as strings keeps working, and the app
    calls :meth:`localized`. Values that are Phrases themselves are localized too.
    """

    key: str
    values: dict[str, object]

    def __new__(cls, key: str, /, **values: object) -> Phrase:
        phrase = super().__new__(cls, t(key, DEFAULT_LANGUAGE, **values))
        phrase.key = key
        phrase.values = values
        return phrase

    def localized(self, lang: str) -> str:
        """The text in ``lang``."""
        values = {
            k: v.localized(lang) if isinstance(v, Phrase) else v for k, v in self.values.items()
        }
        return t(self.key, lang, **values)


def localized(text: object, lang: str) -> str:
    """``text`` in ``lang`` when it is a :class:`Phrase` (or :class:`Joined`), else as it is."""
    translate = getattr(text, "localized", None)
    return translate(lang) if callable(translate) else str(text)


class Joined(str):
    """Several texts joined (``"; "``), some of them :class:`Phrase` s: English as a
    string, any language through :func:`localized`."""

    parts: tuple[object, ...]
    separator: str

    def __new__(cls, parts: list[object], separator: str = "; ") -> Joined:
        joined = super().__new__(cls, separator.join(str(p) for p in parts))
        joined.parts = tuple(parts)
        joined.separator = separator
        return joined

    def localized(self, lang: str) -> str:
        return self.separator.join(localized(p, lang) for p in self.parts)
