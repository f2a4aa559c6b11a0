"""The sentences of a story's articles as one indexed collection, with their similarities."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..model import AnnotatedArticle
from .text import cosine_matrix, split_sentences, word_count

#: sentences shorter than this (in words) are headings, datelines or captions,
#: not statements of fact; set by inspection of the examples/ corpus.
MIN_FACT_WORDS = 5
#: a wire dateline opening a sentence ("NORHAVEN -", "NORHAVEN, March 3 (Coastal Press
#: Agency) -"): where the report was filed, not part of the fact; left out of the text
#: that summaries and facts show.
DATELINE = re.compile(
    r"^[A-Z][A-Z'.]+(?:[ -][A-Z][A-Z'.]+)*(?:,\s*[A-Z][a-z]+\.?\s+\d{1,2})?(?:,\s*\d{4})?"
    r"(?:\s*\([^()]{1,60}\))?\s*[-–—]+(?:\s+(?=[\"“'A-Z0-9])|\s*$)"
)
#: a wire credit line ("(Reporting by ...; Editing by ...)"): who wrote it, not what happened.
CREDIT = re.compile(r"^\(?\s*(?:additional\s+)?(?:reporting|writing|editing)\s+by\b", re.I)


@dataclass(frozen=True)
class Unit:
    """One sentence of one article of the story."""

    article: int
    sentence: int
    text: str
    start: int
    end: int
    #: 0 for the first sentence of its article, 1 for the last.
    position: float
    words: int


@dataclass
class StoryText:
    """Units, their similarities and the arrival/publication order of the articles."""

    articles: Sequence[AnnotatedArticle]
    units: list[Unit]
    by_article: list[list[int]]
    similarity: Any
    order: list[int]
    #: cosine over content-stem unigrams and bigrams: high only for (near-)verbatim reuse.
    verbatim: Any = None

    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.articles]


def article_sentences(annotated: AnnotatedArticle) -> list[tuple[int, str, int, int]]:
    """``(index, text, start, end)`` per sentence; regex-split when not annotated."""
    if annotated.sentences:
        return [(s.index, s.text, s.start, s.end) for s in annotated.sentences]
    text = annotated.article.text
    return [(i, text[a:b].strip(), a, b) for i, (a, b) in enumerate(split_sentences(text))]


def publication_order(articles: Sequence[AnnotatedArticle]) -> list[int]:
    """Article indices, earliest first: by date where known, else by arrival."""

    def key(i: int) -> tuple[date, int]:
        published = articles[i].article.publication_day
        return (published or date.max, i)

    return sorted(range(len(articles)), key=key)


def build(articles: Sequence[AnnotatedArticle]) -> StoryText:
    units: list[Unit] = []
    by_article: list[list[int]] = []
    for a, annotated in enumerate(articles):
        sentences = [
            (index, text, start, end)
            for index, raw, start, end in article_sentences(annotated)
            if not CREDIT.match(text := DATELINE.sub("", raw.strip())) and word_count(text) >= MIN_FACT_WORDS
        ]
        indices = []
        for rank, (index, text, start, end) in enumerate(sentences):
            position = rank / max(1, len(sentences) - 1)
            indices.append(len(units))
            units.append(
                Unit(a, index, " ".join(text.split()), start, end, position, word_count(text))
            )
        by_article.append(indices)
    texts = [u.text for u in units]
    similarity = cosine_matrix(texts) if units else None
    verbatim = cosine_matrix(texts, ngram_range=(1, 2)) if units else None
    return StoryText(articles, units, by_article, similarity, publication_order(articles), verbatim)


def roots(count: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Union-find roots for ``count`` items linked by ``pairs``."""
    parent = list(range(count))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(count)]
