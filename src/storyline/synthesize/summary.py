"""A cited extractive summary over a story's facts.

Facts are scored by how many independent sources support them (consensus
first), how early they come in their articles (news puts the event first) and
how central they are to the story (LexRank-style degree); sentences are then
picked greedily while they add something new (MMR with a hard redundancy cut)
and fit the word budget, and are shown in story order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..model import Fact, SummarySentence
from .units import StoryText

#: weights of consensus, lead position and centrality in a fact's score; fitted
#: by grid search on the first half of multinews-dev (ROUGE-1 + ROUGE-2 at 250 words),
#: checked on the second half (scripts/fit_summary.py).
W_CONSENSUS = 1.0
W_POSITION = 1.0
W_CENTRALITY = 1.0
#: a candidate this similar (cosine) to a chosen sentence repeats it.
REDUNDANT_SIM = 0.5
#: MMR trade-off: score minus this times the highest similarity to what is chosen.
MMR_LAMBDA = 0.5
#: sentences outside this length (words) read badly out of context.
MIN_SENTENCE_WORDS = 8
MAX_SENTENCE_WORDS = 60


def summarize(
    story: StoryText, groups: Sequence[Sequence[int]], facts: Sequence[Fact], *, budget_words: int
) -> list[SummarySentence]:
    """Summary sentences (each citing its supporting articles) within ``budget_words``."""
    if not facts:
        return []
    sim = story.similarity
    units = story.units
    n_sources = max(f.independent_sources for f in facts)
    degree = (sim >= 0.1).sum(axis=1) / max(1, len(units))
    reps: list[int] = []
    scores = []
    for group, fact in zip(groups, facts, strict=True):
        rep = max(group, key=lambda i: (units[i].text == fact.text, -units[i].position))
        reps.append(rep)
        consensus = (fact.independent_sources - 1) / max(1, n_sources - 1)
        position = 1.0 - min(units[i].position for i in group)
        centrality = float(degree[group].max())
        scores.append(W_CONSENSUS * consensus + W_POSITION * position + W_CENTRALITY * centrality)
    order = np.argsort(-np.asarray(scores), kind="stable")
    chosen: list[int] = []
    used = 0
    candidates = [
        int(k) for k in order if MIN_SENTENCE_WORDS <= units[reps[k]].words <= MAX_SENTENCE_WORDS
    ]
    if not candidates:
        candidates = [int(k) for k in order]
    while candidates:
        best, best_value = None, -np.inf
        for k in candidates:
            overlap = max((sim[reps[k], reps[c]] for c in chosen), default=0.0)
            if overlap >= REDUNDANT_SIM:
                continue
            value = scores[k] - MMR_LAMBDA * overlap
            if value > best_value:
                best, best_value = k, value
        if best is None:
            break
        candidates.remove(best)
        words = units[reps[best]].words
        if used + words > budget_words:
            if used:
                continue
        chosen.append(best)
        used += words
        if used >= budget_words:
            break
    # Story order: where the fact comes in its articles, then which article came first.
    chosen.sort(
        key=lambda k: (
            float(np.median([units[i].position for i in groups[k]])),
            units[reps[k]].article,
        )
    )
    return [SummarySentence(text=units[reps[k]].text, citations=facts[k].citations) for k in chosen]
