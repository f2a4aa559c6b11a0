"""Exceptions raised by storyline.

Every error a user can cause is a :class:`StorylineError`, whose message is one
line in the user's language; the CLI prints it without a traceback::

    StorylineError
    ├── InputError           an input could not be read (binary, empty, too big, truncated)
    │   └── ExtractionError  an input was read but holds no article text
    ├── FetchError           a URL could not be fetched, or was refused (private address)
    ├── StoreError           the database could not be opened or is not a storyline store
    ├── ConfigError          a setting has a bad value
    └── EvaluationError      an evaluation file is missing or malformed
"""

from __future__ import annotations


class StorylineError(Exception):
    """Base of every error storyline raises on purpose."""


class InputError(StorylineError):
    """An input could not be read as a news page."""


class ExtractionError(InputError):
    """An input was read but no article text could be found in it."""


class FetchError(StorylineError):
    """A URL could not be fetched or was refused."""


class StoreError(StorylineError):
    """The database could not be opened, or is not a storyline database."""


class ConfigError(StorylineError):
    """A setting has a bad value."""


class EvaluationError(StorylineError):
    """An evaluation file is missing or malformed."""
