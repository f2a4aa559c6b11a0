"""Conflicts: one fact that sources state with different numbers, dates, names or quote wording."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import AnnotatedArticle, Conflict, Fact, Statement
from .statements import QuoteRef, differs, wording
from .text import STOPWORDS, numbers, words
from .units import StoryText

#: entity labels whose disagreement between aligned sentences is a conflict.
NAME_LABELS = ("PERSON", "GPE", "ORG")
#: sentences must be at least this similar (cosine) for differing names to be a
#: conflict rather than two parts of one fact; set on the examples/ corpus, where
#: a study's journal and its institute were aligned at lower similarity.
NAME_CONFLICT_SIM = 0.6
#: sentences of each article that carry its headline facts (news puts them first).
LEAD_SENTENCES = 2


def _is_year(value: float, written: str) -> bool:
    return written.isdigit() and len(written) == 4 and 1800 <= value <= 2100


def fact_conflicts(
    story: StoryText, groups: Sequence[Sequence[int]], facts: Sequence[Fact]
) -> list[Conflict]:
    """Number, date and name conflicts inside aligned facts."""
    conflicts: list[Conflict] = []
    ids = story.ids
    for group, fact in zip(groups, facts, strict=True):
        if len(group) < 2:
            continue
        units = [story.units[i] for i in group]
        # number: the same counted thing ("12 people" / "15 people") with other values
        by_unit: dict[str, dict[str, tuple[float, str]]] = {}
        for u in units:
            for value, written, unit in numbers(u.text):
                if unit and not _is_year(value, written):
                    by_unit.setdefault(unit, {}).setdefault(ids[u.article], (value, written))
        for unit, values in by_unit.items():
            if len(values) > 1 and len({v for v, _ in values.values()}) > 1:
                conflicts.append(
                    Conflict(
                        fact_id=fact.id,
                        kind="number",
                        values={a: f"{w} {unit}".strip() for a, (_, w) in values.items()},
                    )
                )
        # date: each sentence resolves exactly one date, at one granularity, and they differ
        dated: dict[str, tuple[str, str, str]] = {}
        for u in units:
            mentions = [d for d in story.articles[u.article].dates if u.start <= d.start < u.end]
            if len(mentions) == 1:
                d = mentions[0]
                dated[ids[u.article]] = (d.value.isoformat(), d.granularity, d.text)
        if (
            len(dated) > 1
            and len({g for _, g, _ in dated.values()}) == 1
            and len({v for v, _, _ in dated.values()}) > 1
        ):
            conflicts.append(
                Conflict(
                    fact_id=fact.id,
                    kind="date",
                    values={a: f"{t} ({v})" for a, (v, _, t) in dated.items()},
                )
            )
        # name: each sentence names exactly one of a kind, and the names differ,
        # in sentences alike enough that the name is the difference
        alike = min(story.similarity[i, j] for i in group for j in group)
        for label in NAME_LABELS if alike >= NAME_CONFLICT_SIM else ():
            named: dict[str, str] = {}
            for u in units:
                found = {
                    e.canonical
                    for e in story.articles[u.article].entities
                    if e.label == label and u.start <= e.start < u.end
                }
                if len(found) == 1:
                    named[ids[u.article]] = found.pop()
            distinct = {n.lower() for n in named.values()}
            if len(named) > 1 and len(distinct) > 1 and not _same_name(distinct):
                conflicts.append(Conflict(fact_id=fact.id, kind="name", values=named))
    return conflicts


def story_number_conflicts(
    story: StoryText, fact_of_unit: dict[int, int], known: Sequence[Conflict]
) -> list[Conflict]:
    """Counts of one thing that articles give differently in their leads.

    "injuring 14 people" and "Seventeen people were treated" do not align as
    one fact, but the first count of "people" in each article's lead (outside
    quotes) is its headline figure, and those differ. Attached to the fact of the first article's sentence.
    """
    ids = story.ids
    per_unit: dict[str, dict[int, tuple[float, str, int]]] = {}
    lead = {i for rows in story.by_article for i in rows[:LEAD_SENTENCES]}
    for index, u in enumerate(story.units):
        if index not in lead:
            continue
        annotated = story.articles[u.article]
        text = annotated.article.text[u.start : u.end]
        for quote in annotated.quotes:
            if u.start <= quote.start < u.end:
                text = text.replace(annotated.article.text[quote.start : quote.end], " ")
        for value, written, unit, raw in _counted(text):
            if _is_year(value, written) or raw.endswith(("ed", "ing")):
                continue
            # the first count in the lead is the article's headline figure
            per_unit.setdefault(unit, {}).setdefault(u.article, (value, written, index))
    done = {(c.kind, tuple(sorted(c.values.items()))) for c in known}
    conflicts = []
    for unit, by_article in per_unit.items():
        single = by_article
        if len(single) < 2 or len({v[0] for v in single.values()}) < 2:
            continue
        first = min(single)
        values = {ids[a]: f"{w} {unit}" for a, (_, w, _) in sorted(single.items())}
        key = ("number", tuple(sorted(values.items())))
        if key in done or any(
            c.kind == "number" and unit in " ".join(c.values.values()) for c in known
        ):
            continue
        conflicts.append(
            Conflict(fact_id=fact_of_unit.get(single[first][2], -1), kind="number", values=values)
        )
    return conflicts


def _counted(text: str) -> list[tuple[float, str, str, str]]:
    """Numbers directly followed by the word they count: (value, written, unit stem, unit word)."""
    found = []
    for value, written, unit in numbers(text):
        at = text.find(written)
        following = words(text[at + len(written) : at + len(written) + 30]) if at >= 0 else []
        if unit and following and following[0].lower() not in STOPWORDS:
            found.append((value, written, unit, following[0].lower()))
    return found


def _same_name(names: set[str]) -> bool:
    """True when every name is part of the longest one ("Putin" / "Vladimir Putin")."""
    longest = max(names, key=len)
    return all(set(n.split()) <= set(longest.split()) for n in names)


def quote_conflicts(
    statements: Sequence[Statement],
    refs_by_statement: Sequence[Sequence[QuoteRef]],
    articles: Sequence[AnnotatedArticle],
) -> list[Conflict]:
    """A statement that outlets word differently, attached to the fact of its first rendering."""
    conflicts = []
    for statement, refs in zip(statements, refs_by_statement, strict=True):
        if not differs(statement.variants):
            continue
        fact_id = next((r.fact for r in sorted(refs, key=lambda r: r.article) if r.fact >= 0), -1)
        values: dict[str, str] = {}
        for variant in statement.variants:
            values.setdefault(variant.article_id, variant.text)
        conflicts.append(Conflict(fact_id=fact_id, kind="quote", values=values))
    return conflicts


def readings(conflict: Conflict) -> list[tuple[str, list[str]]]:
    """The distinct values of a conflict, each with the articles that give it.

    Renderings that say the same thing are one reading: "14 people" and "Fourteen
    people" (same number), or two wordings of a quote that differ only in case or
    punctuation. Readings come in the order their first article gives them.
    """
    groups: dict[object, tuple[str, list[str]]] = {}
    for article_id, value in conflict.values.items():
        # a quote cut before "he said" keeps its comma: not part of the reading
        shown = value.strip().rstrip(",;:").rstrip()
        groups.setdefault(_reading_key(conflict.kind, value), (shown, []))[1].append(article_id)
    return list(groups.values())


def _reading_key(kind: str, value: str) -> object:
    if kind == "number":
        found = numbers(value)
        if found:
            return found[0][0]
    return wording(value)
