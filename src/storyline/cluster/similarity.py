"""Same-story similarity of two articles."""

from __future__ import annotations

from ..model import AnnotatedArticle
from . import _weights
from .features import (
    FEATURE_NAMES,
    ArticleVectors,
    DocumentFrequencies,
    compare,
    featurize,
    story_of,
)
from .online import interaction_probability, symmetric

#: share of the graded text similarity (IDF-weighted cosine of title + body terms) in the
#: score; the rest is the clusterer's article-pair same-event probability (the linkage
#: model), which is near 0 or 1 and so ranks pairs poorly alone. Chosen on
#: semeval2022-train from {0.3, 0.5, 0.7, 0.85, 1.0}: EN-EN Pearson 0.695 / 0.721 / 0.745
#: / 0.755 / 0.746 (in-sample, one constant; the pair model itself is fitted on ECB+).
TEXT_SHARE = 0.85
_CROSS = FEATURE_NAMES.index("cross_cos")


def _pair(features: list[float]) -> float:
    return interaction_probability(features, _weights.PAIR_WEIGHTS, _weights.PAIR_BIAS)


def pair_similarity(a: AnnotatedArticle, b: AnnotatedArticle, *,
                    df: DocumentFrequencies | None = None) -> float:
    """Same-story similarity in [0, 1] of two articles (symmetric).

    ``df`` gives corpus document frequencies for IDF weights (e.g. the clusterer's
    ``df_``); without it only the two articles are counted.
    """
    fa, fb = featurize(a), featurize(b)
    if df is None:
        df = DocumentFrequencies()
        df.add(fa)
        df.add(fb)
    x = compare(ArticleVectors(fa, df), story_of(fb), df)
    y = compare(ArticleVectors(fb, df), story_of(fa), df)
    text = (x[_CROSS] + y[_CROSS]) / 2
    event = _pair(symmetric(x, y))
    return max(0.0, min(1.0, TEXT_SHARE * text + (1 - TEXT_SHARE) * event))
