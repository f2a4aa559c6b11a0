"""Batch refinement of the online clusterer's active stories.

One pass in arrival order cannot undo an early decision: a report that opened its own
story because it arrived before the reports that connect it stays apart. Refinement
looks at whole stories: it can split a story whose members fall into two groups that
the pair model says are different events, merge two stories when the merge model,
applied to the stories themselves, says they are one event, and finally joins stories by
average linkage: while the mean pair-model probability over two stories' article pairs
reaches a threshold (what a TF-IDF + average-linkage clusterer does well, with a learned
pair score in place of one cosine). Each pass is on or off by its fitted threshold. Ids
stay stable: a joined story keeps the older id, the largest part of a split keeps the id.
"""

from __future__ import annotations

import heapq
import logging
from typing import TYPE_CHECKING

from . import _weights
from .features import (
    ArticleFeatures,
    ArticleVectors,
    StoryFeatures,
    compare,
    story_of,
    text_cosine,
    words_meet,
)
from .online import symmetric

if TYPE_CHECKING:
    from .online import OnlineClusterer

logger = logging.getLogger(__name__)

#: merge two stories at this symmetric same-event probability; chosen with the join
#: threshold by topic-wise cross-validation on ecbplus-dev (scripts/fit_cluster_model.py).
MERGE_THRESHOLD = _weights.MERGE_THRESHOLD
#: split a story only when two parts of at least this many articles each fall below
#: :data:`SPLIT_THRESHOLD`; single outliers are left where the stream put them.
SPLIT_MIN_PART = 2
#: parts whose mean pair probability is below this are different events; chosen by
#: the same cross-validation.
SPLIT_THRESHOLD = _weights.SPLIT_THRESHOLD
#: story pairs scored with the full features per story, after a one-cosine ranking.
FULL_COMPARE = 3
#: stories larger than this are not split-checked (the check is quadratic in members).
SPLIT_MAX_MEMBERS = 80
#: average-linkage pass: join two stories while the mean same-event probability over
#: their article pairs reaches this; chosen by topic-wise cross-validation on ecbplus-dev
#: (scripts/fit_cluster_model.py). 0 turns the pass off.
LINK_THRESHOLD = _weights.LINK_THRESHOLD
#: the same between two stories that are only headlines (fitted on ECB+ headlines).
HEADLINE_LINK_THRESHOLD = _weights.HEADLINE_LINK_THRESHOLD
#: articles of a story read for the mean (evenly spaced beyond this): bounds the cost of
#: one story pair at LINK_MAX_MEMBERS^2 comparisons; ECB+ events hold 5-22 articles.
LINK_MAX_MEMBERS = 12
#: stories the index retrieves for each story in the linkage pass (by shared IDF-weighted keys).
LINK_CANDIDATES = 6


def as_article(sid: int, story: StoryFeatures) -> ArticleFeatures:
    """A story seen as one long article, so :func:`compare` can compare two stories."""
    return ArticleFeatures(
        id=f"story:{sid}",
        title=story.title,
        body=story.body,
        entities=story.entities,
        numbers=frozenset(story.numbers),
        day=round(story.day) if story.day is not None else None,
        year=story.year,
        years=story.year_bag,
        weekdays=frozenset(story.weekdays),
        main=tuple(sorted(story.top_entities())),
        months=frozenset(story.months),
        headline_only=not story.body,
        keys=tuple(story.title) + tuple(story.entities),
    )


def _story_probability(clusterer: OnlineClusterer, a: int, b: int,
                       cache: dict[int, ArticleVectors]) -> float:
    sa, sb = clusterer.stories_[a], clusterer.stories_[b]
    df = clusterer.df_
    for sid, story in ((a, sa), (b, sb)):
        if sid not in cache:
            cache[sid] = ArticleVectors(as_article(sid, story), df)
    fa, fb = compare(cache[a], sb, df), compare(cache[b], sa, df)
    floor = clusterer.text_floor(headline=not sa.body and not sb.body)
    if not (words_meet(fa, floor) or words_meet(fb, floor)):
        return 0.0
    pa = clusterer.merge_probability(fa, headline=cache[a].features.headline_only)
    pb = clusterer.merge_probability(fb, headline=cache[b].features.headline_only)
    return (pa + pb) / 2


def _too_far_apart(clusterer: OnlineClusterer, a: int, b: int) -> bool:
    """Stories whose event days lie further apart than the window are two events,
    however alike their words: the same veto the online decision applies."""
    da, db = clusterer.stories_[a].day, clusterer.stories_[b].day
    return da is not None and db is not None and abs(da - db) > clusterer.window_days


def merge_stories(clusterer: OnlineClusterer, *, threshold: float,
                  headline_threshold: float | None = None) -> dict[str, int]:
    """Merge story pairs above the threshold, most probable first (the older id stays)."""
    if headline_threshold is None:
        headline_threshold = threshold

    def bar(a: int, b: int) -> float:
        both = not clusterer.stories_[a].body and not clusterer.stories_[b].body
        return headline_threshold if both else threshold

    moved: dict[str, int] = {}
    heap: list[tuple[float, int, int]] = []
    cache: dict[int, ArticleVectors] = {}

    def push_pairs(sid: int) -> None:
        story = clusterer.stories_[sid]
        others = [
            o
            for o in clusterer._candidates(as_article(sid, story))
            if o != sid and not _too_far_apart(clusterer, sid, o)
        ]
        if len(others) > FULL_COMPARE:
            # as in the stream: one cosine to rank, the full features for the best
            if sid not in cache:
                cache[sid] = ArticleVectors(as_article(sid, story), clusterer.df_)
            ranked = {o: text_cosine(cache[sid], clusterer.stories_[o], clusterer.df_) for o in others}
            others = heapq.nlargest(FULL_COMPARE, ranked, key=ranked.__getitem__)
        for other in others:
            if bar(sid, other) >= 1:
                continue  # this pass is off for such a pair
            p = _story_probability(clusterer, sid, other, cache)
            if p >= bar(sid, other):
                heapq.heappush(heap, (-p, min(sid, other), max(sid, other)))

    for sid in list(clusterer.stories_):
        push_pairs(sid)
    version: dict[int, int] = {}
    while heap:
        _, keep, gone = heapq.heappop(heap)
        if keep not in clusterer.stories_ or gone not in clusterer.stories_:
            continue
        # Re-check: either story may have grown since this pair was scored.
        if version.get(keep) or version.get(gone):
            if _story_probability(clusterer, keep, gone, cache) < bar(keep, gone):
                continue
        _absorb(clusterer, keep, gone, moved)
        version[keep] = version.get(keep, 0) + 1
        cache.pop(keep, None)
        push_pairs(keep)
    return moved


def _absorb(clusterer: OnlineClusterer, keep: int, gone: int, moved: dict[str, int]) -> None:
    """Move every article of story ``gone`` into story ``keep`` (recorded in ``moved``)."""
    members = clusterer.members_[gone]
    clusterer._detach(gone)
    for f in members:
        clusterer._attach(f, keep)
        clusterer.labels_[f.id] = keep
        moved[f.id] = keep


def split_stories(clusterer: OnlineClusterer, *, threshold: float) -> dict[str, int]:
    moved: dict[str, int] = {}
    df = clusterer.df_
    for sid in list(clusterer.stories_):
        members = clusterer.members_[sid]
        if not (2 * SPLIT_MIN_PART <= len(members) <= SPLIT_MAX_MEMBERS):
            continue
        vectors = [ArticleVectors(f, df) for f in members]
        singles = [story_of(f) for f in members]
        n = len(members)
        prob = [[1.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                both_ways = symmetric(compare(vectors[i], singles[j], df), compare(vectors[j], singles[i], df))
                p = clusterer.pair_probability(
                    both_ways, headline=members[i].headline_only or members[j].headline_only)
                prob[i][j] = prob[j][i] = p
        groups = _average_linkage(prob, threshold)
        parts = [g for g in groups if len(g) >= SPLIT_MIN_PART]
        if len(parts) < 2:
            continue
        parts.sort(key=lambda g: (-len(g), min(g)))
        keep = set(parts[0]) | {i for g in groups if len(g) < SPLIT_MIN_PART for i in g}
        kept = [members[i] for i in sorted(keep)]
        clusterer._detach(sid)
        for f in kept:
            clusterer._attach(f, sid)
        for part in parts[1:]:
            new = clusterer._next_id
            clusterer._next_id += 1
            for i in sorted(part):
                clusterer._attach(members[i], new)
                clusterer.labels_[members[i].id] = new
                moved[members[i].id] = new
        logger.debug("split story %d into %d parts", sid, len(parts))
    return moved


def _average_linkage(prob: list[list[float]], threshold: float) -> list[list[int]]:
    """Groups of indices joined while the mean probability between groups reaches threshold."""
    groups = [[i] for i in range(len(prob))]
    while len(groups) > 1:
        best, pair = threshold, None
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                total = sum(prob[i][j] for i in groups[a] for j in groups[b])
                mean = total / (len(groups[a]) * len(groups[b]))
                if mean >= best:
                    best, pair = mean, (a, b)
        if pair is None:
            break
        a, b = pair
        groups[a] = groups[a] + groups[b]
        del groups[b]
    return groups


def _sample(members: list[ArticleFeatures]) -> list[ArticleFeatures]:
    if len(members) <= LINK_MAX_MEMBERS:
        return members
    step = len(members) / LINK_MAX_MEMBERS
    return [members[int(i * step)] for i in range(LINK_MAX_MEMBERS)]


def link_stories(clusterer: OnlineClusterer, *, threshold: float,
                 headline_threshold: float | None = None) -> dict[str, int]:
    """Average-linkage agglomeration over stories (the older id stays).

    Two stories are scored by the mean, over pairs of their articles, of the pair model's
    same-event probability: a story is judged by all its reports, not by the sum of its
    words, which is what lets average linkage keep two similar events apart while still
    joining the reports of one. Only the stories the inverted index retrieves for each
    other are scored, inside the time window, and only when their words meet.
    """
    if headline_threshold is None:
        headline_threshold = threshold
    moved: dict[str, int] = {}
    df = clusterer.df_
    vectors: dict[str, ArticleVectors] = {}

    def bar(a: int, b: int) -> float:
        both = not clusterer.stories_[a].body and not clusterer.stories_[b].body
        return headline_threshold if both else threshold

    singles: dict[str, StoryFeatures] = {}
    pair_cache: dict[tuple[str, str], float] = {}
    story_cache: dict[int, ArticleVectors] = {}

    def pair(a: ArticleFeatures, b: ArticleFeatures) -> float:
        key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        p = pair_cache.get(key)
        if p is None:
            for f in (a, b):
                if f.id not in vectors:
                    vectors[f.id] = ArticleVectors(f, df)
                    singles[f.id] = story_of(f)
            both_ways = symmetric(compare(vectors[a.id], singles[b.id], df),
                                  compare(vectors[b.id], singles[a.id], df))
            p = clusterer.pair_probability(both_ways, headline=a.headline_only or b.headline_only)
            pair_cache[key] = p
        return p

    def score(a: int, b: int) -> float:
        for sid in (a, b):
            if sid not in story_cache:
                story_cache[sid] = ArticleVectors(as_article(sid, clusterer.stories_[sid]), df)
        sa, sb = clusterer.stories_[a], clusterer.stories_[b]
        floor = clusterer.text_floor(headline=not sa.body and not sb.body)
        if not (words_meet(compare(story_cache[a], sb, df), floor)
                or words_meet(compare(story_cache[b], sa, df), floor)):
            return 0.0
        ma, mb = _sample(clusterer.members_[a]), _sample(clusterer.members_[b])
        return sum(pair(x, y) for x in ma for y in mb) / (len(ma) * len(mb))

    heap: list[tuple[float, int, int, int, int]] = []
    size: dict[int, int] = {}

    def push_pairs(sid: int) -> None:
        story = clusterer.stories_[sid]
        for other in clusterer._candidates(as_article(sid, story), limit=LINK_CANDIDATES):
            if other == sid or _too_far_apart(clusterer, sid, other):
                continue
            cut = bar(sid, other)
            if cut <= 0:
                continue
            p = score(sid, other)
            if p >= cut:
                heapq.heappush(heap, (-p, min(sid, other), max(sid, other), story.size,
                                      clusterer.stories_[other].size))

    for sid in list(clusterer.stories_):
        push_pairs(sid)
    while heap:
        _, keep, gone, _, _ = heapq.heappop(heap)
        if keep not in clusterer.stories_ or gone not in clusterer.stories_:
            continue
        if size.get(keep) or size.get(gone):
            # either story has grown since this pair was scored: score it again
            if score(keep, gone) < bar(keep, gone):
                continue
        _absorb(clusterer, keep, gone, moved)
        size[keep] = size.get(keep, 0) + 1
        story_cache.pop(keep, None)
        push_pairs(keep)
    return moved


def refine_stories(clusterer: OnlineClusterer, *, merge_threshold: float | None = None,
                   headline_merge_threshold: float | None = None,
                   split_threshold: float | None = None,
                   link_threshold: float | None = None,
                   headline_link_threshold: float | None = None) -> dict[str, int]:
    """Split, merge, then link the clusterer's active stories; return the articles that moved."""
    merge_threshold = MERGE_THRESHOLD if merge_threshold is None else merge_threshold
    split_threshold = SPLIT_THRESHOLD if split_threshold is None else split_threshold
    before = {f.id: sid for sid, members in clusterer.members_.items() for f in members}
    if split_threshold > 0:
        split_stories(clusterer, threshold=split_threshold)
    if headline_merge_threshold is None:
        headline_merge_threshold = _weights.HEADLINE_MERGE_THRESHOLD
    if merge_threshold < 1 or headline_merge_threshold < 1:
        merge_stories(clusterer, threshold=merge_threshold, headline_threshold=headline_merge_threshold)
    link_threshold = LINK_THRESHOLD if link_threshold is None else link_threshold
    if headline_link_threshold is None:
        headline_link_threshold = HEADLINE_LINK_THRESHOLD
    if link_threshold > 0 or headline_link_threshold > 0:
        link_stories(clusterer, threshold=link_threshold, headline_threshold=headline_link_threshold)
    # Only net moves count (an article split off and merged back has not moved).
    return {aid: clusterer.labels_[aid] for aid, sid in before.items() if clusterer.labels_[aid] != sid}
