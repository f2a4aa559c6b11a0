"""Canonical entity names within one article.

News names a person in full once ("Vladimir Putin") and by surname after
("Putin"); organisations get short forms too ("the Port Authority" after "the
Harbour Port Authority"). Within an article a mention whose words all appear,
in order, in a longer mention of a compatible type is the same entity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Entity

#: labels whose mentions name a specific thing (used for canonical names);
#: numbers, dates and quantities keep their own text.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})

#: labels that may name the same thing (spaCy confuses GPE/LOC and ORG/FAC).
_COMPATIBLE = {
    "PERSON": {"PERSON"},
    "ORG": {"ORG", "FAC"},
    "FAC": {"FAC", "ORG", "LOC"},
    "GPE": {"GPE", "LOC"},
    "LOC": {"LOC", "GPE", "FAC"},
}

_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$")


def clean_name(text: str) -> str:
    """Strip a leading article, a possessive and stray whitespace from a name."""
    text = " ".join(text.split())
    text = _LEADING_ARTICLE.sub("", text)
    return _POSSESSIVE.sub("", text).strip(" ,.;:")


def _words(name: str) -> list[str]:
    return name.lower().split()


def _is_part_of(short: list[str], long: list[str]) -> bool:
    """True when the words of ``short`` occur in order inside ``long``."""
    if not short or len(short) >= len(long):
        return False
    position = 0
    for word in short:
        try:
            position = long.index(word, position) + 1
        except ValueError:
            return False
    return True


def canonicalize_entities(entities: Sequence[Entity]) -> tuple[Entity, ...]:
    """Give every name mention the longest compatible name it is part of."""
    names = sorted(
        {(clean_name(e.text), e.label) for e in entities if e.label in NAME_LABELS and clean_name(e.text)},
        key=lambda item: -len(item[0]),
    )
    result = []
    for entity in entities:
        if entity.label not in NAME_LABELS:
            result.append(Entity(entity.text, entity.label, entity.text, entity.start, entity.end))
            continue
        name = clean_name(entity.text) or entity.text
        words = _words(name)
        canonical = name
        compatible = _COMPATIBLE.get(entity.label, {entity.label})
        for other, label in names:
            if label in compatible and _is_part_of(words, _words(other)):
                canonical = other
                break
        result.append(
            Entity(text=entity.text, label=entity.label, canonical=canonical, start=entity.start, end=entity.end)
        )
    return tuple(result)
