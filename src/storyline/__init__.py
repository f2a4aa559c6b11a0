"""storyline: a story engine for news.

The public API, one name per stage (imported lazily so that ``import storyline``
and ``storyline --help`` stay fast)::

    iter_documents -> extract_article -> Annotator -> DuplicateIndex
        -> OnlineClusterer -> synthesize_story -> Store
    Pipeline chains them; DaskPipeline runs the per-document work on Dask.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "AnnotatedArticle": "storyline.model",
    "Annotator": "storyline.annotate",
    "Article": "storyline.model",
    "BoilerplateModel": "storyline.extract",
    "DaskPipeline": "storyline.distributed",
    "Document": "storyline.model",
    "DuplicateIndex": "storyline.dedup",
    "OnlineClusterer": "storyline.cluster",
    "Pipeline": "storyline.pipeline",
    "RunSummary": "storyline.pipeline",
    "Settings": "storyline.config",
    "Store": "storyline.store",
    "StoryDigest": "storyline.model",
    "StorylineError": "storyline.errors",
    "create_app": "storyline.web",
    "extract_article": "storyline.extract",
    "iter_documents": "storyline.ingest",
    "load_settings": "storyline.config",
    "synthesize_story": "storyline.synthesize",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'storyline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
