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

#: words that stand before a person's name in news ("Mayor Elena Marsh",
#: "Rovers manager Ines Duval"); a mention that starts with one names a person,
#: whatever label the statistical tagger gave it.
PERSON_TITLES = frozenset(
    """mayor president vice prime minister secretary senator sen rep representative governor
    gov councillor councilor mr mrs ms miss dr doctor prof professor judge justice chief
    captain capt general gen colonel col lieutenant sergeant sgt officer sheriff commissioner
    director chairman chairwoman chair spokesman spokeswoman spokesperson ceo king queen
    prince princess pope rev reverend father sister lord lady sir dame coach manager
    inspector superintendent detective deputy ambassador chancellor mp""".split()
)
_POSSESSIVE = re.compile(r"['’]s$")


def clean_name(text: str) -> str:
    """Strip a leading article, a possessive and stray whitespace from a name."""
    text = " ".join(text.split())
    text = _LEADING_ARTICLE.sub("", text)
    return _POSSESSIVE.sub("", text).strip(" ,.;:")


def strip_title(name: str) -> tuple[str, bool]:
    """``name`` without the titles and role words before it, and whether it had any.

    "Mayor Elena Marsh" -> ("Elena Marsh", True); "Rovers manager Ines Duval" ->
    ("Ines Duval", True): everything up to the last title word goes.
    """
    words = clean_name(name).split()
    last_title = -1
    for i, word in enumerate(words[:-1]):
        if word.lower().strip(".") in PERSON_TITLES:
            last_title = i
    if last_title < 0:
        return " ".join(words), False
    return " ".join(words[last_title + 1 :]), True


def _looks_like_name(name: str) -> bool:
    words = name.split()
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words)


def person_names(entities: Sequence[Entity], *, extra: Sequence[str] = ()) -> list[str]:
    """Names of people in an article, longest first: PERSON mentions, and any mention or
    speaker span that carries a person title (the tagger often mislabels those)."""
    names = set()
    for text, is_person in [(e.text, e.label == "PERSON") for e in entities] + [(t, False) for t in extra]:
        name, titled = strip_title(text)
        if (is_person or titled) and _looks_like_name(name):
            names.add(name)
    return sorted(names, key=lambda n: (-len(n.split()), -len(n), n))


def canonical_person(mention: str, names: Sequence[str]) -> str | None:
    """The full name a person mention ("Marsh", "Mayor Elena Marsh") stands for, if known."""
    name, _ = strip_title(mention)
    words = _words(name)
    if not words:
        return None
    for candidate in names:
        other = _words(candidate)
        if other == words or _is_part_of(words, other):
            return candidate
    return name if _looks_like_name(name) else None


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
    """Give every name mention the longest compatible name it is part of.

    A mention that starts with a person title is a PERSON, and people are named
    without their titles ("Mayor Elena Marsh" and "Marsh" -> "Elena Marsh").
    """
    relabelled = []
    for e in entities:
        stripped, titled = strip_title(e.text)
        if titled and e.label in NAME_LABELS and _looks_like_name(stripped):
            e = Entity(e.text, "PERSON", e.canonical, e.start, e.end)
        relabelled.append(e)
    people = person_names(relabelled)
    names = sorted(
        {(clean_name(e.text), e.label) for e in relabelled if e.label in NAME_LABELS and clean_name(e.text)},
        # ties by the text: a set's order changes with the hash seed, and so would the
        # name a mention gets ("Some TK Maxx" or "TK Maxx Have")
        key=lambda item: (-len(item[0]), item),
    )
    result = []
    for entity in relabelled:
        if entity.label not in NAME_LABELS:
            result.append(Entity(entity.text, entity.label, entity.text, entity.start, entity.end))
            continue
        canonical = None
        if entity.label == "PERSON":
            canonical = canonical_person(entity.text, people)
        if canonical is None:
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


def foreign_name(entity: Entity, stop: frozenset[str]) -> Entity | None:
    """A name the English model found in text of another language, as it can be a name
    there, or None. The model reads pronouns, sentence openers and article + noun ("Sie",
    "Zudem", "Die Forscher") as names. ``stop``: the language's own stop words (not the
    English ones: "US" stays a name in German text). A name must open with a capital or
    a digit and hold a word that is not a stop word; one that opens with stop words ("die
    CDU", "Die Forscher") keeps what follows them only where that is an acronym or a name
    of several capitalised words (a single capitalised word after an article is, in German,
    most often a noun)."""
    if entity.label not in NAME_LABELS:
        return entity
    words = entity.text.split()
    lead = 0
    while lead < len(words) and words[lead].lower() in stop:
        lead += 1
    rest = words[lead:]
    if not rest or not (rest[0][:1].isupper() or rest[0][:1].isdigit()):
        return None
    if lead == 0:
        return entity
    if not (len(rest) == 1 and rest[0].isupper() and len(rest[0]) > 1
            or len(rest) > 1 and all(w[:1].isupper() for w in rest)):
        return None
    offset = 0
    for word in words[:lead]:
        offset = entity.text.index(word, offset) + len(word)
    offset = entity.text.index(rest[0], offset)
    text = entity.text[offset:]
    return Entity(text, entity.label, text, entity.start + offset, entity.end)
