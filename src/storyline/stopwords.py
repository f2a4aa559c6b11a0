"""Stop words by language, from the lists that ship with spaCy itself (no model needed)."""

from __future__ import annotations

import functools
import importlib


def language_code(language: str | None) -> str:
    """The bare lower-case code of a language tag ("pt-BR" -> "pt"); "" when unknown."""
    return (language or "").split("-")[0].strip().lower()


def read_as_english(language: str | None) -> bool:
    """Whether text in ``language`` is read as English (it is, or its language is unknown)."""
    return language_code(language) in ("", "en")


@functools.cache
def language_stop_words(language: str | None) -> frozenset[str]:
    """spaCy's stop words for ``language`` (a code such as "de" or "pt-BR"), lower-cased;
    empty where spaCy has no list for it."""
    code = language_code(language)
    if not code.isalpha():
        return frozenset()
    try:
        module = importlib.import_module(f"spacy.lang.{code}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(w.lower() for w in module.STOP_WORDS)
