"""Store stage: one SQLite file holds raw inputs, articles, stories and models.

WAL mode lets the web app read while a run writes. Every raw input is kept as
received (``documents.raw``), so each result traces back to its source and can
be re-derived. Writes happen in short transactions: a run killed halfway keeps
everything it committed, and the next run picks up the rest.
"""

from __future__ import annotations

from .sqlite import ArticleRow, Store, StoryRow

__all__ = ["ArticleRow", "Store", "StoryRow"]
