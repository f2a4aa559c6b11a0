"""cluster stage: article -> story, online (one pass, in arrival order), with batch refinement."""

from .features import ArticleFeatures, featurize
from .online import OnlineClusterer
from .similarity import pair_similarity

__all__ = ["ArticleFeatures", "OnlineClusterer", "featurize", "pair_similarity"]
