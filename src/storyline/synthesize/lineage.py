"""Sentence-level text reuse between the articles of a story.

"B reuses 60% of A's sentences, A published first": for every pair of
articles, the share of the earlier one's sentences that reappear (nearly
verbatim) in the later one. An article's originality is the share of its own
sentences found in no earlier article.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import LineageEdge
from .units import StoryText

#: cosine (content-stem unigrams and bigrams, TF-IDF) at or above which two
#: sentences count as one reused sentence; set by inspection of rewrites in the
#: test fixtures and multinews-dev clusters (a changed word or two stays above
#: it, an independent wording of the same fact does not).
REUSE_SIM = 0.6
#: smallest share of reused sentences worth an edge.
MIN_EDGE_SHARE = 0.2
#: an article whose sentences are at least this share reused from one earlier
#: article, and which reuses at least this share of that article, is a near-copy.
NEAR_COPY_SHARE = 0.8


@dataclass
class Lineage:
    edges: list[LineageEdge]
    originality: dict[str, float]
    #: (copy, original) article indices.
    near_copies: list[tuple[int, int]]
    #: article index -> (index of the earlier article it reuses most, share of its own sentences).
    main_source: dict[int, tuple[int, float]]


def reuse(story: StoryText) -> Lineage:
    """Reuse edges, originality per article and near-copy pairs."""
    ids = story.ids
    sim = story.verbatim
    rank = {article: r for r, article in enumerate(story.order)}
    edges: list[LineageEdge] = []
    near: list[tuple[int, int]] = []
    main: dict[int, tuple[int, float]] = {}
    reused_any: dict[int, np.ndarray] = {
        a: np.zeros(len(rows), dtype=bool) for a, rows in enumerate(story.by_article)
    }
    for a, rows_a in enumerate(story.by_article):
        for b, rows_b in enumerate(story.by_article):
            if a == b or not rows_a or not rows_b or rank[a] > rank[b]:
                continue
            block = sim[np.ix_(rows_a, rows_b)] >= REUSE_SIM
            share_of_a = float(block.any(axis=1).mean())
            from_a = block.any(axis=0)
            share_of_b = float(from_a.mean())
            reused_any[b] |= from_a
            if share_of_a >= MIN_EDGE_SHARE:
                edges.append(
                    LineageEdge(source_id=ids[a], target_id=ids[b], share=round(share_of_a, 3))
                )
            if share_of_b > main.get(b, (-1, 0.0))[1]:
                main[b] = (a, share_of_b)
            if share_of_a >= NEAR_COPY_SHARE and share_of_b >= NEAR_COPY_SHARE:
                near.append((b, a))
    originality = {
        ids[a]: round(1.0 - float(reused_any[a].mean()), 3) if len(reused_any[a]) else 1.0
        for a in range(len(ids))
    }
    edges.sort(key=lambda e: -e.share)
    return Lineage(edges, originality, near, main)
