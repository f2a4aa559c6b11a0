"""storyline: a story engine for news."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
