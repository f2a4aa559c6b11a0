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
#: cosine (content-stem unigrams) at which a sentence retells an earlier sentence;
#: lower than REUSE_SIM because a rewrite changes most words but keeps the content.
RETELL_SIM = 0.4
#: a rewrite retells at least this share of its sentences from its source ...
REWRITE_SHARE = 0.5
#: ... in the source's order (Spearman correlation of the matched positions). Set on
#: examples/: the content-farm rewrite scores 0.60 / 1.00; independent reports that
#: share facts score 0.18-0.55 share, and those reuse the speakers' exact words.
REWRITE_ORDER = 0.8


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
            copied = share_of_a >= NEAR_COPY_SHARE and share_of_b >= NEAR_COPY_SHARE
            if share_of_a >= MIN_EDGE_SHARE:
                edges.append(
                    LineageEdge(ids[a], ids[b], round(share_of_a, 3), kind="copy" if copied else "reuse")
                )
            if share_of_b > main.get(b, (-1, 0.0))[1]:
                main[b] = (a, share_of_b)
            if copied:
                near.append((b, a))
    originality = {
        ids[a]: round(1.0 - float(reused_any[a].mean()), 3) if len(reused_any[a]) else 1.0
        for a in range(len(ids))
    }
    edges.sort(key=lambda e: -e.share)
    return Lineage(edges, originality, near, main)


def add_rewrites(
    story: StoryText, lineage: Lineage, reworded: set[tuple[int, int]], root: list[int]
) -> None:
    """Add rewrite edges to ``lineage``: a later article that retells an earlier one.

    ``reworded`` holds (earlier, later) article pairs where the later one gives
    a quote of the same speaker in other words. Together with sentences retold in
    the same order, that marks a rewrite: an outlet that heard the speaker itself
    would quote the same words. The source is the original behind any copy
    (``root``). A rewrite's originality is the share of its sentences not retold.
    """
    ids = story.ids
    sim = story.similarity
    rank = {article: r for r, article in enumerate(story.order)}
    has_edge = {(e.source_id, e.target_id) for e in lineage.edges}
    best: dict[int, tuple[float, int]] = {}
    for earlier, later in reworded:
        source = root[earlier]
        rows_a, rows_b = story.by_article[source], story.by_article[later]
        if source == later or rank[source] > rank[later] or len(rows_b) < 3 or not rows_a:
            continue
        block = sim[np.ix_(rows_a, rows_b)]
        retold = block.max(axis=0) >= RETELL_SIM
        share = float(retold.mean())
        if share < REWRITE_SHARE or retold.sum() < 3:
            continue
        order = _rank_correlation(block.argmax(axis=0)[retold], np.flatnonzero(retold))
        if order >= REWRITE_ORDER and share > best.get(later, (0.0, -1, 0.0))[0]:
            # the edge's share, like a reuse edge's: of the source's sentences
            best[later] = (share, source, float((block.max(axis=1) >= RETELL_SIM).mean()))
    for later, (share, source, of_source) in best.items():
        if (ids[source], ids[later]) in has_edge:
            continue
        lineage.edges.append(LineageEdge(ids[source], ids[later], round(of_source, 3), kind="rewrite"))
        lineage.originality[ids[later]] = min(lineage.originality[ids[later]], round(1.0 - share, 3))
        if share > lineage.main_source.get(later, (-1, 0.0))[1]:
            lineage.main_source[later] = (source, share)
    lineage.edges.sort(key=lambda e: -e.share)


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho (0 when either side is constant)."""
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])
