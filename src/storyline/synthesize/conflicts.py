"""Conflicts: one fact that sources state with different numbers, dates, names or quote wording."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import AnnotatedArticle, Conflict, Fact, Statement
from .statements import QuoteRef, differs
from .text import numbers
from .units import StoryText

#: entity labels whose disagreement between aligned sentences is a conflict.
NAME_LABELS = ("PERSON", "GPE", "ORG")


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
        # name: each sentence names exactly one of a kind, and the names differ
        for label in NAME_LABELS:
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
