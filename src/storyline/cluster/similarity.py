"""Same-story similarity of two articles."""

from __future__ import annotations

from ..model import AnnotatedArticle
from .features import ArticleVectors, DocumentFrequencies, compare, featurize, story_of
from .online import probability


def pair_similarity(a: AnnotatedArticle, b: AnnotatedArticle, *,
                    df: DocumentFrequencies | None = None) -> float:
    """Probability in [0, 1] that two articles report the same event.

    ``df`` gives corpus document frequencies for IDF weights (the clusterer's ``df_``);
    without it only the two articles are counted.
    """
    fa, fb = featurize(a), featurize(b)
    if df is None:
        df = DocumentFrequencies()
        df.add(fa)
        df.add(fb)
    x = compare(ArticleVectors(fa, df), story_of(fb), df)
    y = compare(ArticleVectors(fb, df), story_of(fa), df)
    # symmetric: the mean of both directions
    return (probability(x) + probability(y)) / 2
