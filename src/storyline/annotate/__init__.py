"""Annotate stage: sentences, entities with canonical names, dates, quotes.

>>> from storyline.annotate import Annotator          # doctest: +SKIP
>>> annotated = Annotator().annotate(article)          # doctest: +SKIP
"""

from __future__ import annotations

from .annotator import Annotator, load_spacy
from .entities import canonicalize_entities
from .timex import estimate_event_date, resolve_date_mentions

__all__ = [
    "Annotator",
    "canonicalize_entities",
    "estimate_event_date",
    "load_spacy",
    "resolve_date_mentions",
]
