"""``storyline eval clustering FILE``: which articles report the same event.

Reads rows ``{"id", "text" and/or "title", "cluster", ...}`` (ECB+ style with text;
UCI style with titles, a stream in publication order), annotates them, clusters them
in file order with :class:`~storyline.cluster.OnlineClusterer` (plus one
:meth:`refine` pass), and scores BCubed and pairwise precision/recall/F1 against
``cluster``. The baseline is TF-IDF + average-linkage agglomerative clustering at
:data:`BASELINE_THRESHOLD`, on the same rows in the same run.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

from ..errors import EvaluationError
from . import read_jsonl
from ._articles import article_from_row

logger = logging.getLogger(__name__)

#: cosine-distance cut of the TF-IDF + average-linkage baseline; calibrated once on
#: ecbplus-dev.jsonl: best BCubed F1 (0.884) over the cuts 0.60..0.90 in steps of 0.05.
BASELINE_THRESHOLD = 0.85


def bcubed(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> dict[str, float]:
    """BCubed precision, recall and F1 (Bagga & Baldwin 1998) of a labelling."""
    if len(pred) != len(gold):
        raise ValueError("labellings differ in length")
    n = len(pred)
    if n == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    joint = Counter(zip(pred, gold, strict=True))
    pred_size = Counter(pred)
    gold_size = Counter(gold)
    precision = sum(c * c / pred_size[p] for (p, _), c in joint.items()) / n
    recall = sum(c * c / gold_size[g] for (_, g), c in joint.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def pairwise(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> dict[str, float]:
    """Precision, recall and F1 over the pairs of articles put in one cluster."""
    joint = Counter(zip(pred, gold, strict=True))
    both = sum(c * (c - 1) / 2 for c in joint.values())
    in_pred = sum(c * (c - 1) / 2 for c in Counter(pred).values())
    in_gold = sum(c * (c - 1) / 2 for c in Counter(gold).values())
    precision = both / in_pred if in_pred else 1.0
    recall = both / in_gold if in_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _scores(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> dict[str, Any]:
    return {
        "bcubed": bcubed(pred, gold),
        "pairwise": pairwise(pred, gold),
        "n_clusters": len(set(pred)),
        "n_gold_clusters": len(set(gold)),
    }


def baseline_labels(texts: Sequence[str], *, threshold: float = BASELINE_THRESHOLD,
                    precomputed: bool = False) -> list[int]:
    """TF-IDF + average-linkage agglomerative clustering at a cosine-distance cut.

    ``precomputed``: cluster an n x n distance matrix instead of the n x vocabulary
    dense TF-IDF matrix (the same clustering; the smaller one for a few thousand long
    texts of many languages, the larger for many short headlines).
    """
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    if len(texts) < 2:
        return [0] * len(texts)
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    if precomputed:
        model = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
        )
        return [int(x) for x in model.fit_predict(cosine_distances(matrix).astype(np.float32))]
    dense = matrix.toarray().astype(np.float32)
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    )
    return [int(x) for x in model.fit_predict(dense)]


def load_rows(path: str | Path) -> list[dict[str, Any]]:
    rows = list(read_jsonl(path))
    if not rows:
        raise EvaluationError(f"{path}: no rows")
    for number, row in enumerate(rows, 1):
        if "cluster" not in row:
            raise EvaluationError(f"{path}:{number}: row has no 'cluster'")
        if not (row.get("text") or row.get("title")):
            raise EvaluationError(f"{path}:{number}: row has neither 'text' nor 'title'")
    return rows


def row_text(row: dict[str, Any]) -> str:
    return "\n".join(str(row[k]) for k in ("title", "text") if row.get(k))


def evaluate(path: str | Path, *, refine: bool = True, semantic: bool | str | None = None,
             **_: Any) -> dict[str, Any]:
    """Score storyline's clustering of a labelled file against its ``cluster`` column.

    ``semantic``: sentence embeddings (the extra) for headlines, as for ``eval pairs``
    (:func:`~storyline.evaluate.pairs.use_semantic`); the result says which variant ran.
    """
    from ..annotate import Annotator
    from ..cluster import OnlineClusterer
    from ..cluster.semantic import Embedder
    from .pairs import use_semantic

    start = time.perf_counter()
    rows = load_rows(path)
    articles = [article_from_row(row, source=f"{path}#{i}") for i, row in enumerate(rows, 1)]
    # Row ids are not guaranteed unique in a user's file: key by position.
    dupes = _dupes(articles)
    articles = [_renamed(a, i) if a.id in dupes else a for i, a in enumerate(articles)]
    with_embeddings, why_not = use_semantic(semantic)
    annotate_start = time.perf_counter()
    annotated = list(Annotator(embedder=Embedder() if with_embeddings else None).annotate_many(articles))
    annotate_seconds = time.perf_counter() - annotate_start
    cluster_start = time.perf_counter()
    clusterer = OnlineClusterer()
    labels = [clusterer.add(a) for a in annotated]
    if refine:
        moved = clusterer.refine()
        labels = [clusterer.labels_[a.id] for a in annotated]
        logger.info("refine moved %d articles", len(moved))
    cluster_seconds = time.perf_counter() - cluster_start
    gold = [str(row["cluster"]) for row in rows]
    result = _scores(labels, gold)
    baseline_start = time.perf_counter()
    base = baseline_labels([row_text(row) for row in rows])
    baseline_seconds = time.perf_counter() - baseline_start
    seconds = time.perf_counter() - start
    n = len(rows)
    result.update(
        {
            "n": n,
            "seconds": round(seconds, 3),
            # the clustering step alone (annotated articles in, story ids out)
            "articles_per_second": round(n / cluster_seconds, 1) if cluster_seconds else None,
            # the whole run: reading, spaCy annotation, clustering, refinement (baseline excluded)
            "end_to_end_articles_per_second": round(n / (seconds - baseline_seconds), 1),
            "annotate_seconds": round(annotate_seconds, 3),
            "semantic": with_embeddings,
            **({} if with_embeddings else {"semantic_off": why_not}),
            "cluster_seconds": round(cluster_seconds, 4),
            "baseline": {
                **_scores(base, gold),
                "threshold": BASELINE_THRESHOLD,
                "articles_per_second": round(n / baseline_seconds, 1) if baseline_seconds else None,
            },
        }
    )
    return result


def _dupes(articles: Sequence[Any]) -> set[str]:
    counts = Counter(a.id for a in articles)
    return {k for k, c in counts.items() if c > 1}


def _renamed(article: Any, index: int) -> Any:
    from dataclasses import replace

    return replace(article, id=f"{article.id}#{index}")
