"""synthesize stage: what a story's articles agree on, where they differ, who copied whom.

:func:`synthesize_story` turns the annotated articles of one story into a
:class:`~storyline.model.StoryDigest`: facts aligned across sources (consensus
when two or more independent sources support them), conflicts in numbers,
dates, names and quote wording, statements with each outlet's rendering,
sentence-level lineage and originality, a cited summary and quality flags.
Modules: :mod:`.units` (sentences and similarities), :mod:`.facts`,
:mod:`.conflicts`, :mod:`.statements`, :mod:`.lineage`, :mod:`.summary`,
:mod:`.quality`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

from ..model import AnnotatedArticle, Statement, StoryDigest
from . import conflicts, facts, lineage, quality, statements, summary, units

__all__ = ["synthesize_story"]

#: how many entities a digest lists.
TOP_ENTITIES = 10
_ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW"}
)


def synthesize_story(
    articles: Sequence[AnnotatedArticle],
    *,
    duplicate_of: Mapping[str, str] | None = None,
    summary_words: int = 120,
) -> StoryDigest:
    """Everything synthesised about one story (articles in arrival order).

    ``duplicate_of`` maps a near-copy's article id to the id of the article it
    copies; near-copies count as one source.
    """
    articles = list(articles)
    if not articles:
        return StoryDigest(title="")
    index = {a.id: i for i, a in enumerate(articles)}
    copies = {
        index[copy]: index[original]
        for copy, original in (duplicate_of or {}).items()
        if copy in index and original in index and copy != original
    }
    story = units.build(articles)
    reuse = lineage.reuse(story)
    root = units.roots(len(articles), list(copies.items()) + reuse.near_copies)
    groups = facts.align(story)
    fact_list = facts.build_facts(story, groups, root)
    fact_of = {
        (story.units[i].article, story.units[i].sentence): fact.id
        for group, fact in zip(groups, fact_list, strict=True)
        for i in group
    }
    refs = statements.collect(articles, fact_of)
    built = statements.build_statements(articles, statements.group_statements(articles, refs))
    in_facts = conflicts.fact_conflicts(story, groups, fact_list)
    fact_of_unit = {
        i: fact.id for group, fact in zip(groups, fact_list, strict=True) for i in group
    }
    conflict_list = in_facts + conflicts.story_number_conflicts(story, fact_of_unit, in_facts)
    conflict_list += conflicts.quote_conflicts(
        [s for s, _ in built], [r for _, r in built], articles
    )
    near = dict(copies)
    for copy, original in reuse.near_copies:
        near.setdefault(copy, original)
    lineage.add_rewrites(story, reuse, _reworded_pairs(built, index, story.order), root)
    flags = quality.flags_for(articles, lineage=reuse, duplicate_of=near)
    # Copies neither name the story nor stretch its time span: a stale re-publication
    # of a 2019 report, crawled in 2026, is still a 2019 event.
    originals = [a for i, a in enumerate(articles) if i not in near] or articles
    known = [d for d in map(_event_day, originals) if d is not None]
    return StoryDigest(
        title=_title(originals),
        summary=tuple(summary.summarize(story, groups, fact_list, budget_words=summary_words)),
        facts=tuple(sorted(fact_list, key=lambda f: (-f.independent_sources, f.id))),
        conflicts=tuple(conflict_list),
        statements=tuple(s for s, _ in built),
        lineage=tuple(reuse.edges),
        flags=tuple(flags),
        top_entities=_top_entities(articles),
        originality=reuse.originality,
        event_start=min(known) if known else None,
        event_end=max(known) if known else None,
    )


def _event_day(annotated: AnnotatedArticle) -> date | None:
    """The day of a report's event where the report tells it to the day: its publication
    day or a day it mentions. Without a publication date the annotator falls back to the
    latest month or year the text mentions (a bound for the clusterer's time veto); shown
    as a story's dates that would read as 1 January of a year the text only looks back to."""
    if annotated.article.publication_day is not None:
        return annotated.event_date or annotated.article.publication_day
    event = annotated.event_date
    if event is not None and any(m.granularity == "day" and m.value == event for m in annotated.dates):
        return event
    return None


#: a lead sentence of up to this many words stands whole for a missing headline; a longer
#: one is cut two words shorter and marked with an ellipsis.
LEAD_TITLE_WORDS = 14


def _title(articles: Sequence[AnnotatedArticle]) -> str:
    """The headline sharing the most words with the other headlines (the earliest on ties);
    where no report has a headline (text pasted or fed as one block), the opening words of
    the first report's lead sentence, so that a story still says what it is about."""
    titles = [a.article.title.strip() for a in articles]
    if not any(titles):
        return _lead_title(articles)
    if len([t for t in titles if t]) <= 1:
        return next((t for t in titles if t), "")
    word_sets = [set(w.lower() for w in t.split()) for t in titles]

    def shared(i: int) -> int:
        return sum(len(word_sets[i] & word_sets[j]) for j in range(len(titles)) if j != i)

    return titles[max((i for i in range(len(titles)) if titles[i]), key=lambda i: (shared(i), -i))]


def _lead_title(articles: Sequence[AnnotatedArticle]) -> str:
    for annotated in articles:
        words = annotated.lead_words()
        if words:
            return " ".join(words) if len(words) <= LEAD_TITLE_WORDS else " ".join(words[:LEAD_TITLE_WORDS - 2]) + " …"
    return ""


def _top_entities(articles: Sequence[AnnotatedArticle]) -> tuple[tuple[str, int], ...]:
    counts: Counter[str] = Counter()
    for annotated in articles:
        # each name once per article, in the order of first mention (not a set: ties
        # in most_common keep insertion order, and a set's order changes with the hash seed)
        names = dict.fromkeys(e.canonical for e in annotated.entities if e.label in _ENTITY_LABELS and e.canonical)
        counts.update(list(names))
    return tuple(counts.most_common(TOP_ENTITIES))


def _reworded_pairs(
    built: Sequence[tuple[Statement, object]], index: Mapping[str, int], order: Sequence[int]
) -> set[tuple[int, int]]:
    """(earlier, later) article pairs that word one statement of one speaker differently."""
    rank = {article: r for r, article in enumerate(order)}
    pairs: set[tuple[int, int]] = set()
    for statement, _ in built:
        forms: dict[int, str] = {}
        for variant in statement.variants:
            forms.setdefault(index[variant.article_id], statements.wording(variant.text))
        for a, text_a in forms.items():
            for b, text_b in forms.items():
                if rank[a] < rank[b] and statements.reworded(text_a, text_b):
                    pairs.add((a, b))
    return pairs
