"""Frozen records passed between the pipeline stages.

ingest -> :class:`Document`; extract -> :class:`Article`; annotate ->
:class:`AnnotatedArticle`; cluster -> story ids; synthesize -> :class:`StoryDigest`.
Every record is immutable so a stage can never change what an earlier stage
produced; derived data is a new record. Records keep their fields in slots (no instance
dict: less memory, and the clusterer's C loops read a field at its slot's offset); they
pickle as a dict of their fields by name, as they did before they had slots.
"""

from __future__ import annotations

import hashlib
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from typing import Any


def _state_by_name(self: Any) -> dict[str, Any]:
    """A record's pickled state: its fields by name (and what a subclass keeps in its dict),
    the state records had before they had slots, so that pickles of either load in both."""
    state = dict(getattr(self, "__dict__", ()))
    state.update((f.name, getattr(self, f.name)) for f in fields(self))
    return state


def _set_state_by_name(self: Any, state: Any) -> None:
    """Sets a record's fields from a pickled state: a dict by name (:func:`_state_by_name`,
    or a pickle of the record before it had slots), or a list in field order (dataclasses'
    own state for slots). A field the state lacks (one added since the pickle) gets its
    default, as an instance dict without it read the class's default before."""
    names = [f.name for f in fields(self)]
    if not isinstance(state, dict):
        state = dict(zip(names, state, strict=False))
    for f in fields(self):
        if f.name in state:
            object.__setattr__(self, f.name, state[f.name])
        elif f.default is not MISSING:
            object.__setattr__(self, f.name, f.default)
        elif f.default_factory is not MISSING:
            object.__setattr__(self, f.name, f.default_factory())
    if hasattr(self, "__dict__"):  # a subclass's own attributes
        for name, value in state.items():
            if name not in names:
                object.__setattr__(self, name, value)


def _pickled_by_name(cls: Any) -> Any:
    """A slotted record class that pickles its fields by name (see :func:`_state_by_name`)."""
    cls.__getstate__ = _state_by_name
    cls.__setstate__ = _set_state_by_name
    return cls


def content_id(data: bytes) -> str:
    """Stable short id of some bytes (the first 16 hex digits of SHA-256)."""
    return hashlib.sha256(data).hexdigest()[:16]


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Document:
    """One input exactly as received, with where it came from.

    ``source`` is the path or URL the user gave, plus ``#n`` for the n-th record
    of a JSONL or WARC file, so every result traces back to its input.
    ``kind`` says how to read ``raw``: ``"html"``, ``"text"`` (copied out of a page),
    ``"article"`` (the article's text as supplied), ``"headline"`` (a feed item as JSON).
    ``hints`` carries metadata the container already knew (a JSONL ``title``,
    a WARC target URI, a feed's date), which extraction prefers over guessing.
    """

    source: str
    raw: bytes
    kind: str
    url: str | None = None
    hints: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        return content_id(self.raw)


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that ingest could not turn into a :class:`Document`, and why.

    ``reason`` is one line in the user's language ("empty file", "binary file").
    """

    source: str
    reason: str


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line that extraction dropped from the page, and why."""

    text: str
    reason: str


#: ``Article.published_by`` values that give only a year (as 1 January).
YEAR_BOUND_SOURCES = frozenset({"copyright", "latest-year"})


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Article:
    """The clean article extracted from a :class:`Document`."""

    id: str
    source: str
    title: str
    text: str
    url: str | None = None
    site: str | None = None
    author: str | None = None
    published: date | None = None
    #: where ``published`` came from: "hint", "meta", "original", "url", "dateline",
    #: "copyright", "latest-year", or "" when unknown.
    published_by: str = ""
    #: 0..1; a date read from metadata is near 1, a year bound is low.
    published_confidence: float = 0.0
    language: str = "en"
    removed: tuple[RemovedLine, ...] = ()

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n") if p.strip()]

    @property
    def publication_day(self) -> date | None:
        """``published`` where it names a day (or month), None where it is only a year bound
        (a copyright line, the latest year the page mentions): 1 January of that year is no
        day to date events from, or to compare with other reports' days."""
        return None if self.published_by in YEAR_BOUND_SOURCES else self.published

    @property
    def headline_only(self) -> bool:
        """Whether the article is only a headline (a feed or aggregator item): no body
        beyond its title."""
        body = self.text.strip()
        return not body or body == self.title.strip()


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    text: str
    start: int
    end: int


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity mention; ``canonical`` is the article-wide name."""

    text: str
    label: str
    canonical: str
    start: int
    end: int


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class DateMention:
    """A date the text mentions, resolved against the article's own date."""

    text: str
    value: date
    start: int
    end: int
    #: "day", "month" or "year".
    granularity: str = "day"


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quote with its speaker as the article attributes it."""

    text: str
    start: int
    end: int
    speaker: str | None = None
    #: the speaker's canonical name within the article, when resolvable.
    speaker_canonical: str | None = None
    cue: str | None = None
    sentence_index: int = 0
    #: char offsets of the speaker mention the quote is attributed to ("he",
    #: "the Russian president"), when it is in the text; ``speaker`` is its text.
    speaker_start: int | None = None
    speaker_end: int | None = None


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class AnnotatedArticle:
    """An article with its language annotations; offsets index ``article.text``."""

    article: Article
    sentences: tuple[Sentence, ...] = ()
    entities: tuple[Entity, ...] = ()
    dates: tuple[DateMention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    #: best estimate of when the reported event happened.
    event_date: date | None = None
    #: unit sentence embedding of a headline-only article (the ``semantic`` extra: how
    #: headlines join stories); empty without the extra and for articles with a body.
    embedding: tuple[float, ...] = ()

    @property
    def id(self) -> str:
        return self.article.id

    def lead_words(self) -> list[str]:
        """The words of the lead sentence (of the text where it has no sentences): what
        stands in for a headline where a report came without one."""
        return (self.sentences[0].text if self.sentences else self.article.text.strip()).split()


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Citation:
    """A pointer from a derived statement to a sentence of an article."""

    article_id: str
    sentence_index: int


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Fact:
    """Sentences of different articles that state the same thing."""

    id: int
    text: str
    citations: tuple[Citation, ...]
    #: articles that support it, counting a group of near-copies once.
    independent_sources: int
    #: the article that published it first, when dates allow.
    earliest_article_id: str | None = None

    @property
    def article_ids(self) -> list[str]:
        return sorted({c.article_id for c in self.citations})

    @property
    def is_consensus(self) -> bool:
        return self.independent_sources >= 2


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Conflict:
    """One fact that sources state with different values."""

    fact_id: int
    #: "number", "date", "name" or "quote".
    kind: str
    #: article id -> the value that article gives.
    values: dict[str, str] = field(hash=False)


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class QuoteVariant:
    article_id: str
    text: str


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class Statement:
    """One statement by one speaker, with how each outlet rendered it."""

    speaker: str
    variants: tuple[QuoteVariant, ...]


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class LineageEdge:
    """``target`` reuses ``share`` of ``source``'s sentences."""

    source_id: str
    target_id: str
    share: float
    #: "reuse" (sentences taken nearly verbatim) or "rewrite" (the source's sentences
    #: retold in order, its quotes reworded: no access of its own to the speakers).
    kind: str = "reuse"


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class QualityFlag:
    article_id: str
    #: "boilerplate", "spun", "stale", "headline-typo", "low-originality",
    #: "truncated", "near-copy".
    kind: str
    evidence: str


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class SummarySentence:
    text: str
    citations: tuple[Citation, ...]


@_pickled_by_name
@dataclass(frozen=True, slots=True)
class StoryDigest:
    """Everything synthesised about one story."""

    title: str
    summary: tuple[SummarySentence, ...] = ()
    facts: tuple[Fact, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    statements: tuple[Statement, ...] = ()
    lineage: tuple[LineageEdge, ...] = ()
    flags: tuple[QualityFlag, ...] = ()
    #: canonical entity name -> number of articles mentioning it, most first.
    top_entities: tuple[tuple[str, int], ...] = ()
    #: article id -> originality in 0..1 (1 = nothing reused from earlier articles).
    originality: dict[str, float] = field(default_factory=dict, hash=False)
    event_start: date | None = None
    event_end: date | None = None
