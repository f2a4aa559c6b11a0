"""``storyline eval pairs FILE``: how similar two articles are as stories.

Rows ``{"id", "lang1", "lang2", "text1", "text2", "overall"}`` (SemEval-2022 Task 8;
``overall`` 1 = same story .. 4 = unrelated). Each text is annotated and scored with
:func:`~storyline.cluster.pair_similarity`, IDF counted over all texts of the file.
``pearson`` correlates the similarity with ``5 - overall`` (positive = agrees with
"same story"), overall and per language pair; the baseline is TF-IDF cosine.
``semantic`` says whether sentence embeddings (the ``semantic`` extra) were used.

``stories`` scores storyline's story decisions on the same judgements: every distinct
text of the file is clustered as one stream (the online clusterer and its refinement,
as ``storyline run`` does), and a pair judged the same story should end in one story, a
pair judged two stories in two. Most texts of such a file have no partner, and its
different-story pairs were drawn as look-alikes (same actors, same topic), so this is
the clusterer's work on real news with hard negatives. The baseline clusters the same
texts by TF-IDF + average linkage at the cut calibrated on ECB+.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import EvaluationError
from ..model import AnnotatedArticle, Article
from . import read_jsonl
from ._articles import article_from_row

logger = logging.getLogger(__name__)


def pearson(x: list[float], y: list[float]) -> float | None:
    """Pearson correlation, or None where it is undefined (fewer than 3 items, no spread)."""
    import numpy as np

    if len(x) < 3:
        return None
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.std() == 0 or b.std() == 0:
        return None
    return round(float(np.corrcoef(a, b)[0, 1]), 4)


def _by_language(rows: list[dict[str, Any]], scores: list[float], gold: list[float]) -> dict[str, Any]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[f"{row.get('lang1', '?')}-{row.get('lang2', '?')}"].append(i)
    return {
        key: {"n": len(idx), "pearson": pearson([scores[i] for i in idx], [gold[i] for i in idx])}
        for key, idx in sorted(groups.items())
    }


def tfidf_cosines(texts1: list[str], texts2: list[str]) -> list[float]:
    """Cosine of TF-IDF vectors (fitted on all texts of the file) of each pair."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(sublinear_tf=True).fit(texts1 + texts2)
    a, b = vectorizer.transform(texts1), vectorizer.transform(texts2)
    return [float(v) for v in np.asarray(a.multiply(b).sum(axis=1)).ravel()]


def pair_articles(rows: list[dict[str, Any]], path: str | Path) -> list[Article]:
    """The two articles of each row, in row order (text1, text2, text1, ...)."""
    articles = []
    for number, row in enumerate(rows, 1):
        for side in ("1", "2"):
            articles.append(article_from_row(
                {"id": f"{row.get('id', number)}#{side}", "text": row[f"text{side}"] or "",
                 "language": row.get(f"lang{side}") or "en"},
                source=f"{path}#{number}",
            ))
    return articles


def use_semantic(semantic: bool | str | None = None) -> tuple[bool, str | None]:
    """Whether to use sentence embeddings, and why not where they are off.

    ``semantic`` True/"on" requires the extra (an error names what is missing), False/"off"
    disables it, None/"auto" follows the ``semantic`` setting (default: on when installed).
    """
    from ..cluster import semantic as sem
    from ..config import load_settings
    from ..errors import ConfigError

    try:
        return sem.resolve(load_settings().semantic if semantic is None else semantic)
    except ConfigError as exc:
        raise EvaluationError(str(exc)) from None


#: a pair judged at most this ``overall`` (1 same story .. 4 unrelated) is one story ...
SAME_STORY_MAX = 1.5
#: ... and at least this, two stories; the "somewhat similar" pairs between are not counted.
OTHER_STORY_MIN = 2.5


def _kind(row: dict[str, Any]) -> str:
    lang1, lang2 = row.get("lang1"), row.get("lang2")
    if lang1 == lang2 == "en":
        return "en-en"
    return "same-language" if lang1 == lang2 else "cross-language"


def _joins(rows: list[dict[str, Any]], ends: list[tuple[int, int]], labels: list[int]) -> dict[str, Any]:
    """How often the judged pairs ended in one story: recall over same-story pairs,
    precision over the same- and different-story pairs joined; overall and by kind."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # same, joined; other, joined
    for row, (a, b) in zip(rows, ends, strict=True):
        overall = float(row["overall"])
        offset = 0 if overall <= SAME_STORY_MAX else 2 if overall >= OTHER_STORY_MIN else None
        if offset is None:
            continue
        for key in ("all", _kind(row)):
            counts[key][offset] += 1
            counts[key][offset + 1] += labels[a] == labels[b]

    def scores(same: int, joined_same: int, other: int, joined_other: int) -> dict[str, Any]:
        joined = joined_same + joined_other
        precision = joined_same / joined if joined else None
        recall = joined_same / same if same else None
        f1 = (2 * precision * recall / (precision + recall)
              if precision is not None and recall is not None and precision + recall else None)
        return {"same_story_pairs": same, "same_joined": joined_same, "other_story_pairs": other,
                "other_joined": joined_other, "precision": _round(precision), "recall": _round(recall),
                "f1": _round(f1)}

    result = scores(*counts.pop("all", [0, 0, 0, 0]))
    result["by_kind"] = {key: scores(*value) for key, value in sorted(counts.items())}
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def story_labels(rows: list[dict[str, Any]], annotated: list[AnnotatedArticle]) -> dict[str, Any]:
    """Cluster each distinct text of the file once, in file order, with storyline and with
    the baseline; score both on the judged pairs (:func:`_joins`)."""
    from ..cluster import OnlineClusterer
    from .clustering import BASELINE_THRESHOLD, baseline_labels

    index: dict[str, int] = {}  # a text in several pairs is one report
    distinct: list[AnnotatedArticle] = []
    texts: list[str] = []
    ends: list[tuple[int, int]] = []
    for i, row in enumerate(rows):
        pair = []
        for side in (0, 1):
            text = str(row[f"text{side + 1}"] or "")
            if text not in index:
                index[text] = len(distinct)
                distinct.append(annotated[2 * i + side])
                texts.append(text)
            pair.append(index[text])
        ends.append((pair[0], pair[1]))
    if len({a.id for a in distinct}) < len(distinct):  # row ids need not be unique in a user's file
        distinct = [replace(a, article=replace(a.article, id=f"{a.id}@{k}")) for k, a in enumerate(distinct)]
    clusterer = OnlineClusterer()
    for article in distinct:
        clusterer.add(article)
    clusterer.refine()
    ours = [clusterer.labels_[a.id] for a in distinct]
    # precomputed distances: n x n stays small here, where n x vocabulary of long
    # multilingual texts would not
    base = baseline_labels(texts, precomputed=True)
    return {
        "ours": {"texts": len(distinct), **_joins(rows, ends, ours)},
        "baseline": {"method": "tfidf-average-linkage", "threshold": BASELINE_THRESHOLD,
                     **_joins(rows, ends, base)},
    }


def evaluate(path: str | Path, *, semantic: bool | str | None = None, **_: Any) -> dict[str, Any]:
    """Score storyline's same-story similarity against the human ``overall`` judgements.

    ``semantic``: see :func:`use_semantic`; the result says which variant ran.
    """
    from ..annotate import Annotator
    from ..cluster.features import DocumentFrequencies, featurize
    from ..cluster.semantic import cosine, load_embedder
    from ..cluster.similarity import pair_similarity

    start = time.perf_counter()
    rows = [r for r in read_jsonl(path)]
    if not rows:
        raise EvaluationError(f"{path}: no rows")
    for number, row in enumerate(rows, 1):
        if not all(k in row for k in ("text1", "text2", "overall")):
            raise EvaluationError(f"{path}:{number}: row needs 'text1', 'text2' and 'overall'")
    with_embeddings, why_not = use_semantic(semantic)
    annotated = list(Annotator().annotate_many(pair_articles(rows, path)))
    df = DocumentFrequencies()
    for a in annotated:
        df.add(featurize(a))
    cosines: list[float | None] = [None] * len(rows)
    if with_embeddings:
        embedder = load_embedder()
        assert embedder is not None
        vectors = embedder.embed_articles(annotated)
        cosines = [cosine(vectors[2 * i], vectors[2 * i + 1]) for i in range(len(rows))]
    scores = [pair_similarity(annotated[2 * i], annotated[2 * i + 1], df=df, semantic=cosines[i])
              for i in range(len(rows))]
    gold = [5.0 - float(row["overall"]) for row in rows]
    base = tfidf_cosines([str(r["text1"] or "") for r in rows], [str(r["text2"] or "") for r in rows])
    stories = story_labels(rows, annotated)
    return {
        "pearson": pearson(scores, gold),
        "by_language": _by_language(rows, scores, gold),
        "semantic": with_embeddings,
        **({} if with_embeddings else {"semantic_off": why_not}),
        "stories": stories["ours"],
        "n": len(rows),
        "seconds": round(time.perf_counter() - start, 3),
        "baseline": {
            "method": "tfidf-cosine",
            "pearson": pearson(base, gold),
            "by_language": _by_language(rows, base, gold),
            "stories": stories["baseline"],
        },
    }
