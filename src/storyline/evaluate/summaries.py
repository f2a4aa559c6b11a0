"""``storyline eval summaries``: the cited story summary against human multi-source summaries.

Input rows: ``{"id", "articles": [text, ...], "reference"}`` (Multi-News
style). Each cluster's articles are annotated (spaCy :class:`Annotator`, or
with ``mode="fast"`` a regex sentence splitter and no spaCy), synthesised with
:func:`storyline.synthesize.synthesize_story` at ``budget_words`` (250 by
default), and the summary sentences are scored with ROUGE-1/2/L F (stemmed,
in %) against the reference.

Baseline: LexRank (Erkan & Radev 2004) on the same sentences: a graph of
TF-IDF cosine similarities between sentences (edges at cosine >= 0.1),
PageRank by power iteration (damping 0.85), sentences taken by rank. Both
systems fill the budget the same way: whole sentences in their order of
preference, skipping one that would overrun the budget, until none fits.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..model import AnnotatedArticle, Article, Sentence
from . import read_jsonl

#: LexRank's edge threshold and damping, as in Erkan & Radev (2004).
LEXRANK_THRESHOLD = 0.1
LEXRANK_DAMPING = 0.85
BUDGET_WORDS = 250
#: the baseline skips sentences this short or long, like the system does.
MIN_WORDS = 8
MAX_WORDS = 60


def annotate_fast(article: Article) -> AnnotatedArticle:
    """Sentences by regex only (no spaCy): for quick runs, said so in the result."""
    from ..synthesize.text import split_sentences

    text = article.text
    sentences = tuple(
        Sentence(index=i, text=text[a:b].strip(), start=a, end=b)
        for i, (a, b) in enumerate(split_sentences(text))
    )
    return AnnotatedArticle(article=article, sentences=sentences)


def cluster_articles(row: dict[str, Any], number: int) -> list[Article]:
    return [
        Article(id=f"{row.get('id', number)}-{i}", source=f"#{number}", title="", text=text)
        for i, text in enumerate(row.get("articles") or [])
        if isinstance(text, str) and text.strip()
    ]


def fill(candidates: Sequence[str], budget: int) -> list[str]:
    """Whole sentences in order of preference, skipping any that would overrun ``budget``."""
    chosen, used = [], 0
    for sentence in candidates:
        words = len(sentence.split())
        if used + words <= budget:
            chosen.append(sentence)
            used += words
    return chosen


def lexrank(sentences: Sequence[str], *, budget: int) -> list[str]:
    """LexRank summary of ``sentences`` within ``budget`` words."""
    from ..synthesize.text import cosine_matrix

    usable = [s for s in sentences if MIN_WORDS <= len(s.split()) <= MAX_WORDS] or list(sentences)
    if not usable:
        return []
    sim = cosine_matrix(usable)
    adjacency = (sim >= LEXRANK_THRESHOLD).astype(float)
    degree = adjacency.sum(axis=1, keepdims=True)
    transition = adjacency / np.maximum(degree, 1.0)
    n = len(usable)
    scores = np.full(n, 1.0 / n)
    for _ in range(100):
        updated = (1 - LEXRANK_DAMPING) / n + LEXRANK_DAMPING * transition.T @ scores
        if np.abs(updated - scores).sum() < 1e-6:
            scores = updated
            break
        scores = updated
    order = np.argsort(-scores, kind="stable")
    return fill([usable[i] for i in order], budget)


def evaluate(
    path: str | Path,
    *,
    budget_words: int = BUDGET_WORDS,
    mode: str | None = None,
    limit: int | None = None,
    **_: Any,
) -> dict[str, Any]:
    """ROUGE of storyline's summaries and of LexRank on a Multi-News-style file."""
    from rouge_score import rouge_scorer

    from ..synthesize import synthesize_story

    rows = list(read_jsonl(path))[:limit]
    started = time.perf_counter()
    fast = mode == "fast"
    annotator = None
    if not fast:
        from ..annotate import Annotator

        annotator = Annotator()
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    ours: list[dict[str, float]] = []
    base: list[dict[str, float]] = []
    for number, row in enumerate(rows):
        articles = cluster_articles(row, number)
        reference = str(row.get("reference") or "")
        if not articles or not reference.strip():
            continue
        annotated = (
            [annotate_fast(a) for a in articles]
            if annotator is None
            else list(annotator.annotate_many(articles))
        )
        digest = synthesize_story(annotated, summary_words=budget_words)
        summary = " ".join(s.text for s in digest.summary)
        sentences = [s.text for a in annotated for s in a.sentences]
        baseline = " ".join(lexrank(sentences, budget=budget_words))
        for text, bucket in ((summary, ours), (baseline, base)):
            scores = scorer.score(reference, text)
            bucket.append({k: v.fmeasure for k, v in scores.items()})
    result = _mean(ours)
    result.update(
        budget_words=budget_words,
        n=len(ours),
        seconds=round(time.perf_counter() - started, 2),
        sentences="regex splitter (fast mode)" if fast else "spaCy Annotator",
    )
    baseline_result = _mean(base)
    baseline_result["method"] = (
        "LexRank (TF-IDF cosine graph >= 0.1, power iteration, damping 0.85)"
    )
    result["baseline"] = baseline_result
    return result


def _mean(scores: Sequence[dict[str, float]]) -> dict[str, Any]:
    if not scores:
        return {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    return {
        k: round(100 * float(np.mean([s[k] for s in scores])), 2)
        for k in ("rouge1", "rouge2", "rougeL")
    }
