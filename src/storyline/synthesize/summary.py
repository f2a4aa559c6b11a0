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

#: weights of consensus, lead position and centrality in a fact's score, with
#: W_SUPPORT, MMR_LAMBDA, REDUNDANT_SIM and LEAD_DECAY below: chosen by grid search on
#: the first 50 clusters of multinews-dev (ROUGE-1 + ROUGE-2 at 250 words) and
#: checked on the other 50 (scripts/fit_summary.py).
W_CONSENSUS = 0.5
W_POSITION = 1.0
W_CENTRALITY = 1.0
#: weight of the soft consensus (how closely other articles echo a sentence).
W_SUPPORT = 2.0
#: sentence rank at which the lead prior falls to 1/e (0: relative position instead).
LEAD_DECAY = 0.0
#: cosine at which two sentences count as neighbours for centrality (LexRank's 0.1).
CENTRALITY_SIM = 0.1
#: a candidate this similar (cosine) to a chosen sentence repeats it.
REDUNDANT_SIM = 0.4
#: MMR trade-off: score minus this times the highest similarity to what is chosen.
MMR_LAMBDA = 2.0
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
    degree = (sim >= CENTRALITY_SIM).sum(axis=1) / max(1, len(units))
    rank = np.zeros(len(units))
    for rows in story.by_article:
        rank[rows] = np.arange(len(rows))
    # Soft consensus: how closely the other articles echo a sentence (mean over
    # them of the best match), which also demotes an off-topic article.
    support = np.zeros(len(units))
    others = [rows for rows in story.by_article if rows]
    if len(others) > 1:
        article_of = np.array([u.article for u in units])
        for rows in others:
            best = sim[:, rows].max(axis=1)
            best[article_of == units[rows[0]].article] = 0.0
            support += best
        support /= len(others) - 1
    reps: list[int] = []
    scores = []
    for group, fact in zip(groups, facts, strict=True):
        rep = max(group, key=lambda i: (units[i].text == fact.text, -units[i].position))
        reps.append(rep)
        consensus = (fact.independent_sources - 1) / max(1, n_sources - 1)
        position = (
            float(np.exp(-rank[group].min() / LEAD_DECAY))
            if LEAD_DECAY
            else 1.0 - min(units[i].position for i in group)
        )
        centrality = float(degree[group].max())
        echo = float(support[group].max())
        scores.append(
            W_CONSENSUS * consensus
            + W_POSITION * position
            + W_CENTRALITY * centrality
            + W_SUPPORT * echo
        )
    score = np.asarray(scores)
    rep_index = np.asarray(reps)
    lengths = np.array([units[r].words for r in reps])
    open_ = (lengths >= MIN_SENTENCE_WORDS) & (lengths <= MAX_SENTENCE_WORDS)
    if not open_.any():
        open_[:] = True
    overlap = np.zeros(len(reps))
    chosen: list[int] = []
    used = 0
    while used < budget_words:
        value = np.where(open_ & (overlap < REDUNDANT_SIM), score - MMR_LAMBDA * overlap, -np.inf)
        best = int(np.argmax(value))
        if not np.isfinite(value[best]):
            break
        open_[best] = False
        if used and used + lengths[best] > budget_words:
            continue
        chosen.append(best)
        used += int(lengths[best])
        overlap = np.maximum(overlap, sim[rep_index, reps[best]])
    # Story order: where the fact comes in its articles, then which article came first.
    chosen.sort(
        key=lambda k: (
            float(np.median([units[i].position for i in groups[k]])),
            units[reps[k]].article,
        )
    )
    return [SummarySentence(text=units[reps[k]].text, citations=facts[k].citations) for k in chosen]
