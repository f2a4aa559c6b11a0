"""Facts: sentences of different articles aligned because they state the same thing.

Alignment is a constrained single-linkage: sentence pairs from different
articles are taken from the most similar down to ``FACT_SIM``, and two groups
merge unless that would put two sentences of one article into one fact.
Similarity is the cosine of TF-IDF weighted content stems, so reordered,
re-inflected and partly reworded sentences align; a number, a date or a name
that differs does not stop them aligning (that is what a conflict is).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import numpy as np

from ..model import Citation, Fact
from .lineage import REUSE_SIM
from .units import StoryText

#: cosine of content-stem TF-IDF at or above which two sentences state one fact;
#: set by inspection of aligned sentence pairs in multinews-dev clusters
#: (at 0.35 paraphrases with a shared name and verb align, topical neighbours do not).
FACT_SIM = 0.35


def align(story: StoryText) -> list[list[int]]:
    """Groups of unit indices, at most one unit per article in a group."""
    n = len(story.units)
    if n == 0:
        return []
    sim = story.similarity
    article = np.array([u.article for u in story.units])
    upper = np.triu(sim >= FACT_SIM, k=1) & (article[:, None] != article[None, :])
    rows, cols = np.nonzero(upper)
    order = np.argsort(-sim[rows, cols], kind="stable")
    parent = list(range(n))
    members: dict[int, set[int]] = {i: {int(article[i])} for i in range(n)}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k in order:
        a, b = find(int(rows[k])), find(int(cols[k]))
        if a == b or members[a] & members[b]:
            continue
        keep, drop = min(a, b), max(a, b)
        parent[drop] = keep
        members[keep] |= members.pop(drop)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted(
        groups.values(), key=lambda g: (story.units[g[0]].article, story.units[g[0]].sentence)
    )


def build_facts(
    story: StoryText, groups: Sequence[Sequence[int]], article_root: Sequence[int]
) -> list[Fact]:
    """One :class:`Fact` per group; near-copies (same root) count as one source."""
    facts = []
    ids = story.ids
    sim = story.similarity
    for number, group in enumerate(groups):
        units = [story.units[i] for i in group]
        if len(group) > 1:
            block = sim[np.ix_(group, group)]
            central = group[int(np.argmax(block.sum(axis=1)))]
        else:
            central = group[0]
        citations = tuple(
            Citation(article_id=ids[u.article], sentence_index=u.sentence)
            for u in sorted(units, key=lambda u: u.article)
        )
        facts.append(
            Fact(
                id=number,
                text=story.units[central].text,
                citations=citations,
                independent_sources=_independent(story, group, article_root),
                earliest_article_id=_earliest(story, [u.article for u in units]),
            )
        )
    return facts


def _independent(story: StoryText, group: Sequence[int], article_root: Sequence[int]) -> int:
    """Sources of a fact, counting near-copies, and a sentence reused verbatim, once."""
    label = {i: article_root[story.units[i].article] for i in group}
    for position, i in enumerate(group):
        for j in group[:position]:
            # outlets that heard one speaker quote the same words: a sentence that is
            # mostly a quote, repeated verbatim, is no sign of copying
            if story.verbatim[i, j] >= REUSE_SIM and not (
                _mostly_quote(story.units[i].text) and _mostly_quote(story.units[j].text)
            ):
                old, new = label[i], label[j]
                label = {k: (new if v == old else v) for k, v in label.items()}
    return len(set(label.values()))


#: a quoted stretch; one the sentence splitter cut before its closing mark runs to the end
_QUOTED = re.compile(r'["“”][^"“”]{12,}(?:["“”]|$)')


def _mostly_quote(text: str) -> bool:
    """Whether quoted words make up most of the sentence."""
    return sum(len(m.group(0)) for m in _QUOTED.finditer(text)) > 0.5 * len(text)


def _earliest(story: StoryText, articles: Sequence[int]) -> str | None:
    """The citing article published first (arrival order breaks ties and fills gaps)."""
    dated = [a for a in articles if story.articles[a].article.publication_day is not None]
    if not dated and len(articles) > 1:
        # No dates: arrival order is the best evidence of who was first.
        return story.ids[min(articles)]

    def key(a: int) -> tuple[date, int]:
        return (story.articles[a].article.publication_day or date.max, a)

    return story.ids[min(articles, key=key)]
