"""Sparse event-identity features of an article, and of a story built from articles.

An article becomes bags of terms (title, body), of named entities (by kind), of numbers,
and a point in time. A story is the sum of its articles' bags plus the spread of their
dates. :func:`compare` turns an (article, story) pair into the small vector of
similarities the clusterer's learned decision reads. Term weights are TF-IDF with
document frequencies counted over the stream so far (:class:`DocumentFrequencies`), as
in Miranda et al. (EMNLP 2018), so a rare name counts more than a common word.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from ..model import AnnotatedArticle, Article, Entity
from ..stopwords import language_stop_words, read_as_english
from ._sparse import (
    COMPILED,
    add_bags,
    add_into,
    best_terms,
    count_terms,
    square_sum,
    weighted,
    weighted_dot,
    weighted_square_sum,
)
from .timeinfo import date_from_url, years_in

_WEEKDAY = re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|tember|t\.|ober|ember|\.)?"
                    r"(?=\s+\d{1,2}\b)", re.I)
#: the same two, case-sensitive, for lower-cased ASCII text: there they find what the
#: case-insensitive ones find in the text (about twice as fast). The month one checks the
#: word boundary after its three-letter name (lookbehind), so that the search can skip
#: ahead to a possible first letter.
_WEEKDAY_LOWER = re.compile(_WEEKDAY.pattern)
_MONTH_LOWER = re.compile(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?<!\w...)"
                          r"(?:uary|ruary|ch|il|e|y|ust|tember|t\.|ober|ember|\.)?(?=\s+\d{1,2}\b)")
#: characters at the top of the text read for weekdays and month-days: where the event is
#: dated ("on Friday", "Dec. 15"); further down are background dates.
TIME_WORDS_CHARS = 1500
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
#: :data:`_WORD` for lower-cased ASCII text, where a letter is [a-z]: a range test per
#: character instead of the Unicode category tests (about a third faster).
_ASCII_WORD = re.compile(r"[a-z]{2,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

#: body terms kept per article (the highest TF-IDF ones are what identify an event,
#: and a bound keeps story bags and comparisons cheap); chosen on ecbplus-dev as the
#: smallest size with no loss of BCubed F1.
MAX_BODY_TERMS = 120
#: characters of the body read for terms: the event is reported at the top.
MAX_BODY_CHARS = 3000
#: a body's most frequent terms that the inverted index files its article under.
BODY_KEYS = 20
#: terms are cut to this many characters: a crude stemmer that also works for
#: languages without a lemmatiser ("charged"/"charges", "Anklage"/"Anklagen").
STEM_CHARS = 7

#: entity labels that name who and where (specific), versus the rest.
PEOPLE = frozenset({"PERSON"})
PLACES = frozenset({"GPE", "LOC", "FAC"})
ORGS = frozenset({"ORG", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})
NUMERIC = frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT"})
#: names per article (and per story) taken as what it is about.
MAIN_ENTITIES = 2
#: prefixes of the entity kinds compared one by one; interned, as the compiled kernel's
#: names of them are, so that its lookups of a story's kinds find them by identity
#: (a literal "p:" is not interned: it is no identifier).
KINDS = tuple(map(sys.intern, ("p:", "l:", "o:")))
_PEOPLE_KIND, _PLACES_KIND, _ORGS_KIND = KINDS

_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say told new one two year years last first like get got
    may might must us per via mr mrs ms according since still even much many well back""".split()
)

#: the names of the feature vector :func:`compare` returns, in order.
FEATURE_NAMES = (
    "title_cos",
    "body_cos",
    "cross_cos",
    "entity_cos",
    "people_cos",
    "places_cos",
    "orgs_cos",
    "number_overlap",
    "main_entity_match",
    "main_entity_mismatch",
    "days_apart",
    "weekday_mismatch",
    "month_mismatch",
    "year_cos",
    "year_known",
    "log_story_size",
    "headline_only",
    "entity_conflict",
)

_TEXT_FEATURES = tuple(FEATURE_NAMES.index(name) for name in ("title_cos", "body_cos", "cross_cos"))


def words_meet(features: Sequence[float], floor: float) -> bool:
    """Whether a compared pair shares enough words to be one event at all: its title,
    body or title-to-body cosine reaches ``floor`` (the clusterer's text floor)."""
    return max(features[i] for i in _TEXT_FEATURES) >= floor


@functools.cache
def stop_words(language: str | None) -> frozenset[str]:
    """The words that say nothing about an event in ``language`` (a code such as "de" or
    "pt-BR"): the English list below, plus spaCy's list for the language where spaCy
    has one. Without them an article's most frequent words, which make its index keys
    and fill its term budget, would be "der", "und", "que" in other languages."""
    if read_as_english(language):
        return _STOP
    return _STOP | language_stop_words(language)


def terms(text: str, stop: frozenset[str] = _STOP, stem_chars: int = STEM_CHARS) -> dict[str, int]:
    """Lower-cased, stop-word-free, prefix-stemmed word counts (``stop``: see :func:`stop_words`;
    ``stem_chars``: :data:`STEM_CHARS`), in first-seen order."""
    counts = word_terms(text, stop, stem_chars)
    if counts is not None:
        return counts
    out: Counter[str] = Counter()
    for word in _WORD.findall(text.lower()):
        if _CJK.search(word):
            # Chinese/Japanese run words together: character bigrams stand in for words.
            chars = [c for c in word if _CJK.match(c)]
            out.update(a + b for a, b in zip(chars, chars[1:], strict=False))
        elif word not in stop:
            out[word[:stem_chars]] += 1
    return out


def word_terms(text: str, stop: frozenset[str], stem_chars: int) -> dict[str, int] | None:
    """:func:`terms` of text without Chinese or Japanese characters (the common case, without a
    per-word script test), None for text with them (``stem_chars``: :data:`STEM_CHARS`)."""
    if _CJK.search(text):
        return None
    low = text.lower()
    words = (_ASCII_WORD if low.isascii() else _WORD).findall(low)
    return Counter([w[:stem_chars] for w in words if w not in stop])


def log_weights(counts: dict[str, int]) -> dict[str, float]:
    """Term counts as weights, 1 + log(count) (a term said twice is not twice the evidence)."""
    return {t: 1.0 + math.log(c) for t, c in counts.items()}


def largest(scores: dict, n: int) -> list:
    """``heapq.nlargest(n, scores, key=scores.__getitem__)``: the same list, ties in
    insertion order as there, but one sort in C instead of a Python loop over every key
    (the dicts here hold tens to hundreds of keys)."""
    return sorted(scores, key=scores.__getitem__, reverse=True)[:n]


def most_common(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    """``Counter.most_common(n)`` (the same list, ties in insertion order), by one sort."""
    return sorted(counts.items(), key=_count, reverse=True)[:n]


_count = itemgetter(1)


def _number_key(text: str) -> str | None:
    digits = _NUMBER.findall(text)
    if not digits:
        return None
    key = digits[0].replace(",", "")
    return key if len(key) >= 2 or "." in key else None


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    """What the clusterer keeps of one article (slots: no instance dict, one container
    less per article for the collector)."""

    id: str
    title: dict[str, float]
    body: dict[str, float]
    #: "kind:name" -> mentions; kind is p (people), l (places), o (organisations).
    entities: dict[str, float]
    numbers: frozenset[str]
    #: best estimate of the event day (proleptic ordinal), or None.
    day: int | None
    #: the year of ``day``, or else the latest year the text mentions, or None.
    year: int | None
    #: "y:YYYY" for every year the text mentions and the year of ``day``.
    years: dict[str, float] = field(default_factory=dict)
    headline_only: bool = False
    #: the article's most mentioned names (who or where the report is about).
    main: tuple[str, ...] = ()
    #: weekdays ("fri") and months given with a day ("dec") near the top of the text.
    weekdays: frozenset[str] = frozenset()
    months: frozenset[str] = frozenset()
    #: every key the inverted index files this article under.
    keys: tuple[str, ...] = field(default=(), compare=False)
    #: the article's unit sentence embedding (a float32 array; the ``semantic`` extra), or None.
    embedding: Any = field(default=None, compare=False)


def event_date(annotated: AnnotatedArticle) -> date | None:
    """The event date: annotator's estimate, then publication, then URL date (an article's
    ``day`` is its ordinal).

    The annotator's estimate counts only when the page is dated: without an anchor it
    rests on absolute years alone, which in news are as often background ("in 2005").
    """
    published = annotated.article.publication_day  # a year bound dates nothing
    if published is None:
        found = date_from_url(annotated.article.url)
        return found[0] if found else None
    return published if annotated.event_date is None else annotated.event_date


def _time_words(top: str) -> tuple[frozenset[str], frozenset[str]]:
    """Weekdays and months given with a day, lower-cased, that ``top`` names."""
    if top.isascii():
        low = top.lower()
        weekdays = frozenset(_WEEKDAY_LOWER.findall(low)) if "day" in low else frozenset()
        return weekdays, frozenset(_MONTH_LOWER.findall(low))
    return (frozenset(m.lower() for m in _WEEKDAY.findall(top)),
            frozenset(m.lower() for m in _MONTH.findall(top)))


def year_features(title: str, body: str, known: Sequence[int], year: int | None) -> tuple[int | None, dict[str, float]]:
    """An article's year: ``year`` (its event day's), or else the latest of those mentioned
    (:func:`years_in` of title and body, and ``known``, the annotator's dates); and its year
    bag, "y:YYYY" for each of them."""
    years = years_in(title + "\n" + body) + list(known)
    if year is not None:
        years.append(year)
    else:
        year = max(years) if years else None
    return year, {f"y:{y}": 1.0 for y in set(years)}


#: a path segment of at least this many hyphenated words (of letters) is a slug, the
#: headline an editor wrote into the URL; shorter ones are sections ("business/money",
#: "world-europe-68123456") and ids.
SLUG_MIN_WORDS = 3
_SLUG_SEPARATORS = re.compile(r"[-_+]+")


def slug_words(url: str | None, min_words: int = SLUG_MIN_WORDS) -> str:
    """The words of a URL's slugs: ".../la-fi-mo-federal-reserve-plosser-20140310,0,1312750.story"
    gives "la fi mo federal reserve plosser" (words of letters only: ids and dates drop out;
    ``min_words``: :data:`SLUG_MIN_WORDS`)."""
    if not url:
        return ""
    try:
        path = urlsplit(url.replace("\\", "")).path.lower()
    except ValueError:  # not a URL at all ("http://[::1")
        return ""
    words: list[str] = []
    for segment in path.split("/"):
        parts = [p for p in _SLUG_SEPARATORS.split(segment.rsplit(".", 1)[0]) if _ASCII_WORD.fullmatch(p)]
        if len(parts) >= min_words:
            words.extend(parts)
    return " ".join(words)


def title_bag(title: str, stop: frozenset[str], stem_chars: int, url: str | None,
              min_words: int) -> dict[str, float] | None:
    """A title's term weights (:func:`log_weights` of its :func:`terms`), and with the ``url``
    of a headline alone the terms of its slug that the title lacks, at 1.0 (``stem_chars``:
    :data:`STEM_CHARS`, ``min_words``: :data:`SLUG_MIN_WORDS`). The compiled loop gives None
    where the title has Chinese or Japanese characters or the URL is not printable ASCII or
    its host has brackets, which urlsplit cleans or checks (this reads every input)."""
    bag = log_weights(terms(title, stop, stem_chars))
    if url is not None:
        # A headline alone has few words, and its rewrites share fewer; the URL's slug
        # often names what it leaves out ("Snowden challenges Congress" under
        # ".../edward-snowden-challenges-congress-at-sxsw"). Its new words count as title words.
        for term in word_terms(slug_words(url, min_words), stop, stem_chars):  # type: ignore[union-attr]
            bag.setdefault(term, 1.0)
    return bag


def body_bag(text: str, stop: frozenset[str], stem_chars: int, most: int,
             top: int) -> tuple[dict[str, float], list[str]] | None:
    """A body's weights (:func:`log_weights`) of its ``most`` most frequent terms, and its
    ``top`` most frequent terms, for the index (``most``: :data:`MAX_BODY_TERMS`, ``top``:
    :data:`BODY_KEYS`). The compiled loop gives None where the text has Chinese or Japanese
    characters (this reads every text).

    Without corpus statistics yet, the most frequent terms are kept, which for news bodies
    are the topic words; ties favour earlier (nearer the lead) by order. One sort serves
    both (the ``top`` first of these are the ``top`` most frequent).
    """
    counts = terms(text, stop, stem_chars)
    ranked = most_common(counts, most)
    return log_weights(dict(ranked) if len(counts) > most else counts), [t for t, _ in ranked[:top]]


#: "kind:" of the entity labels that name who, where and which organisation.
_KIND_PREFIX = {**dict.fromkeys(PEOPLE, "p:"), **dict.fromkeys(PLACES, "l:"), **dict.fromkeys(ORGS, "o:")}
#: one empty set for every article without numbers (most): the collector tracks each set
_NO_NUMBERS: frozenset[str] = frozenset()


def entity_features(entities: Sequence[Entity], prefixes: dict[str, str], numeric: frozenset[str],
                    most: int) -> tuple[dict[str, float], frozenset[str], tuple[str, ...]]:
    """An article's entity bag ("kind:name" -> 1 + log mentions; ``prefixes``: label -> "kind:",
    :data:`_KIND_PREFIX`), the numbers it gives (entities labelled in ``numeric``), and its
    ``most`` most mentioned names (ties in first-mention order)."""
    counts: dict[str, int] = {}  # a plain dict: Counter's += calls __missing__ in Python
    numbers: set[str] = set()
    for ent in entities:
        prefix = prefixes.get(ent.label)
        if prefix is None:
            if ent.label in numeric:
                key = _number_key(ent.text)
                if key:
                    numbers.add(key)
            continue
        name = ent.canonical.lower().strip()
        if name:
            ekey = prefix + name
            counts[ekey] = counts.get(ekey, 0) + 1
            if prefix == "p:" and " " in name:
                # A surname alone is how later mentions and other outlets name a person.
                ekey = "p:" + name.rsplit(" ", 1)[1]
                counts[ekey] = counts.get(ekey, 0) + 1
    return (log_weights(counts), frozenset(numbers) if numbers else _NO_NUMBERS,
            tuple(sorted(counts, key=counts.__getitem__, reverse=True)[:most]))


def time_words(title: str, text: str, chars: int) -> tuple[frozenset[str], frozenset[str]] | None:
    """The weekdays and months given with a day that the first ``chars`` characters of an
    article (:data:`TIME_WORDS_CHARS`) name. The compiled loop gives None where that top holds
    a letter that IGNORECASE matches to an ASCII one ("ſ", "ı"; this reads every text)."""
    return _time_words((title + "\n" + text)[:chars])


def new_fields(cls: Any, values: tuple) -> Any:
    """A new instance of ``cls`` (a frozen dataclass with slots) without its ``__init__``: each
    of ``cls.__slots__`` (its fields, in order) set to the value at its place in ``values``."""
    obj = object.__new__(cls)
    for name, value in zip(cls.__slots__, values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


def with_field(obj: Any, index: int, value: Any) -> Any:
    """A copy of ``obj`` (see :func:`new_fields`) whose field at ``index`` of its slots is ``value``."""
    cls = type(obj)
    return new_fields(cls, tuple(value if k == index else getattr(obj, name) for k, name in enumerate(cls.__slots__)))


def _as_vector(embedding: Sequence[float]) -> np.ndarray:
    """An article's embedding as the record keeps it (a float32 array)."""
    return np.asarray(embedding, dtype=np.float32)


#: what :func:`article_features` reads besides the article: the record class, the limits
#: above, the entity tables and the embedding's conversion (in this order)
_ARTICLE_SETTINGS = (ArticleFeatures, STEM_CHARS, SLUG_MIN_WORDS, MAX_BODY_CHARS, MAX_BODY_TERMS, BODY_KEYS,
                     _KIND_PREFIX, NUMERIC, MAIN_ENTITIES, TIME_WORDS_CHARS, _as_vector)


def article_features(annotated: AnnotatedArticle, stop: frozenset[str], headline_only: bool, when: date | None,
                     settings: tuple) -> ArticleFeatures | None:
    """:func:`featurize`'s features of ``annotated``, given its stop words, whether it is a
    headline alone and its event date (``settings``: :data:`_ARTICLE_SETTINGS`). The compiled
    loop, one call for the loops above, gives None where one of them would; its records are
    left to reference counting (untracked by the collector: none can be in a cycle)."""
    (cls, stem_chars, slug_min_words, body_chars, body_terms, body_keys, prefixes, numeric, main_entities,
     time_chars, as_vector) = settings
    article = annotated.article
    title_text, text = article.title, article.text
    body_text = text[:body_chars]
    url = article.url if headline_only else None  # a slug counts for a headline alone
    # (None from a compiled loop: input it leaves to the reference, here and below)
    title = title_bag(title_text, stop, stem_chars, url, slug_min_words)
    if title is None:
        title = _REFERENCE["title_bag"](title_text, stop, stem_chars, url, slug_min_words)
    if headline_only:
        body: dict[str, float] = {}
        top_body: list[str] = []
    else:
        found = body_bag(body_text, stop, stem_chars, body_terms, body_keys)
        if found is None:
            found = _REFERENCE["body_bag"](body_text, stop, stem_chars, body_terms, body_keys)
        body, top_body = found
    ents, numbers, main = entity_features(annotated.entities, prefixes, numeric, main_entities)
    # An ordered key list (not a set): candidate scores are float sums over the keys,
    # and a set's order changes with the hash seed, so ties, and so stories, would too.
    # Title terms (letters) and names ("p:...") never meet: only body terms repeat one.
    keys = tuple(dict.fromkeys([*title, *ents, *top_body])) if top_body else (*title, *ents)
    known = [d.value.year for d in annotated.dates] if annotated.dates else ()
    year, years = year_features(title_text, body_text, known, when.year if when is not None else None)
    times = time_words(title_text, text, time_chars)
    if times is None:
        times = _REFERENCE["time_words"](title_text, text, time_chars)
    # The frozen dataclass's __init__ sets each field by a Python-level object.__setattr__
    # (3 us an article): the same fields, every one, set at once, in field order.
    return new_fields(cls, (
        article.id, title, body, ents, numbers, when.toordinal() if when is not None else None, year, years,
        headline_only, main, times[0], times[1], keys,
        as_vector(annotated.embedding) if annotated.embedding else None,
    ))


#: the functions above that storyline._speedups computes in C where it was built: the same
#: results (tests/test_speedups.py), or None where noted, which the reference then reads
_REFERENCE = {f.__name__: f for f in (word_terms, title_bag, body_bag, time_words, year_features, entity_features,
                                      new_fields, with_field, article_features)}

try:
    from .._speedups import (  # type: ignore  # noqa: F811
        article_features,
        body_bag,
        entity_features,
        new_fields,
        time_words,
        title_bag,
        with_field,
        word_terms,
        year_features,
    )
except ImportError:  # no compiler at install time: the references above run
    pass


def featurize(annotated: AnnotatedArticle) -> ArticleFeatures:
    """The sparse features of one annotated article (no corpus statistics needed)."""
    article = annotated.article
    stop = stop_words(article.language)
    headline_only = article.headline_only
    when = event_date(annotated)
    made = article_features(annotated, stop, headline_only, when, _ARTICLE_SETTINGS)
    if made is None:  # input that a compiled loop leaves to its reference
        made = _REFERENCE["article_features"](annotated, stop, headline_only, when, _ARTICLE_SETTINGS)
    return made


_REFERENCE["featurize"] = featurize

try:
    # the same in one C call, without featurize's own Python frame; for a model.Article
    # (while the class keeps its properties) headline_only, publication_day and so
    # event_date computed there as they are defined here and in model.py, without a Python
    # frame each (event_date called where the day is the URL's); any other article's read
    # and called as above
    from .._speedups import featurize, register_featurize  # type: ignore  # noqa: F811
except ImportError:
    pass
else:
    register_featurize(_ARTICLE_SETTINGS, stop_words, event_date, _REFERENCE["article_features"], Article)


#: a name is part of what a report (or a story) is about when its weight reaches this share
#: of its most mentioned name's ...
CORE_SHARE = 0.4
#: ... and it is named more than once: 1 + log 2 in one article, two reports in a story.
#: (Topic-wise CV on ecbplus-dev: shares 0.25 / 0.4 / 0.6 and this floor or 2.5 scored
#: 0.903 / 0.904 / 0.904 and 0.892.)
CORE_MIN = 1.5


def core(bag: dict[str, float]) -> dict[str, float]:
    """The names of an entity bag that it names most (:data:`CORE_SHARE`, :data:`CORE_MIN`)."""
    if not bag:
        return {}
    top = max(bag.values())
    if top < CORE_MIN:
        return {}
    cut = max(CORE_MIN, CORE_SHARE * top)
    return {k: w for k, w in bag.items() if w >= cut}


def names(bag: dict[str, float]) -> frozenset[str]:
    """The names of an entity bag without their kind prefix (NER calls one place a place in
    one report and an organisation in the next)."""
    return frozenset(k[2:] for k in bag)


def _unshared(core_bag: dict[str, float], other: frozenset[str], idf: dict[str, float]) -> float:
    total = missing = 0.0
    for k, w in core_bag.items():
        v = w * idf[k]
        total += v
        if k[2:] not in other:
            missing += v
    return missing / total if total else 0.0


def conflict(core_a: dict[str, float], names_a: frozenset[str], core_b: dict[str, float],
             names_b: frozenset[str], idf: dict[str, float]) -> float:
    """The IDF-weighted share of what one side is most about (:func:`core`) that the other
    never names, the smaller of the two ways. Two stories of sibling events (two jewel
    heists in one city, years apart) each repeat names of their own that the other lacks;
    of two fragments of one event, or a story and a short report, at least one names
    little that the other does not. 0 when either side names nothing more than once."""
    if not core_a or not core_b:
        return 0.0
    return min(_unshared(core_a, names_b, idf), _unshared(core_b, names_a, idf))


class _IdfCache(dict):
    """term -> IDF at the corpus size it was computed for (a dict lookup in hot loops)."""

    # slots: the C loops read the owner's count and frequencies at every missing term
    __slots__ = ("owner",)

    def __init__(self, owner: DocumentFrequencies) -> None:
        super().__init__()
        self.owner = owner

    def __missing__(self, term: str) -> float:
        owner = self.owner
        value = math.log((owner.n + 1) / (owner.df.get(term, 0) + 1)) + 1.0
        self[term] = value
        return value


if COMPILED:
    # the C loops compute a missing term's IDF themselves, as __missing__ above does
    # (same value, stored alike; tests/test_speedups.py), without a Python call per term
    from .._speedups import TermCounts, TermTable, register_idf_cache  # type: ignore

    register_idf_cache(_IdfCache)
    #: DocumentFrequencies.weights where compiled: _IdfCache and the Counter of document
    #: counts as C data (a term's count, its weight and the epoch the weight was read at in
    #: one table; clear() starts a new epoch); DocumentFrequencies.df its counts' view.
    _IdfWeights: Any = TermTable
    Mapping.register(TermTable)
    Mapping.register(TermCounts)  # Counter(df.df) copies the counts
    from .._speedups import TermBag  # type: ignore

    #: a story's bag (StoryFeatures.title, body, all, entities, each of kinds, year_bag)
    #: where compiled: term -> float as C data, in the order added, as the dict it stands
    #: for holds them (the C loops sum into it and read it without a float or a dict
    #: lookup per term); a dict otherwise.
    _StoryBag: Any = TermBag
    Mapping.register(TermBag)

    def text_dict(bag: Any) -> Any:
        """A story's bag as a dict: a TermBag's snapshot (kept by it until its next
        write; not to be written), any other bag itself. For the loops that read dicts."""
        return bag.as_dict() if type(bag) is TermBag else bag
else:
    _IdfWeights = _IdfCache
    _StoryBag = dict

    def text_dict(bag: Any) -> Any:
        """A story's bag as a dict (a dict where uncompiled: itself)."""
        return bag


#: IDF values are recomputed after the corpus grows by this factor; between refreshes
#: a weight is at most log(1.1) ~ 0.1 stale, far below what separates two terms.
IDF_REFRESH_GROWTH = 1.1


class DocumentFrequencies:
    """Document frequencies counted over the stream, for IDF weights."""

    __slots__ = ("n", "df", "weights", "_n_cached", "epoch")

    def __init__(self) -> None:
        self.n = 0
        #: term -> IDF as read at the corpus size of the last refresh (_IdfCache's values)
        self.weights = _IdfWeights(self)
        #: term -> the number of documents counted with it (a Counter, or the table's counts)
        self.df: Counter[str] = Counter() if _IdfWeights is _IdfCache else self.weights.counts
        self._n_cached = 0
        #: bumped whenever the cached weights are refreshed (stories re-norm then).
        self.epoch = 0

    def add(self, features: ArticleFeatures) -> None:
        count_article(self, features)

    def idf(self, term: str) -> float:
        return self.weights[term]


def count_article(df: DocumentFrequencies, features: ArticleFeatures) -> None:
    """:meth:`DocumentFrequencies.add` (the stream calls it without the method call)."""
    df.n += 1
    count_terms(df.df, (features.title, features.body, features.entities, features.years))
    if df.n > IDF_REFRESH_GROWTH * df._n_cached + 10:
        df.weights.clear()
        df._n_cached = df.n
        df.epoch += 1


#: body terms an article keeps once corpus statistics exist: the highest TF-IDF ones.
#: Comparisons cost grows with it; see scripts/fit_cluster_model.py for its effect on F1.
KEEP_BODY_TERMS = 40


_BODY_FIELD = ArticleFeatures.__slots__.index("body")


def prune(features: ArticleFeatures, df: DocumentFrequencies, *, keep: int = KEEP_BODY_TERMS) -> ArticleFeatures:
    """The article with only its ``keep`` highest-TF-IDF body terms."""
    if len(features.body) <= keep:
        return features
    return _with_body(features, best_terms(features.body, df.weights, keep))


def _with_body(features: ArticleFeatures, body: dict[str, float]) -> ArticleFeatures:
    """``dataclasses.replace(features, body=body)`` without the per-field work of a frozen
    dataclass's ``__init__`` (an eighth of the time; the stream prunes most articles)."""
    return with_field(features, _BODY_FIELD, body)


#: the norm names of a story's bags as :meth:`StoryFeatures.add` adds an article's into
#: them (title, body, title + body from both, entities, years; then the entity kinds).
_BAG_NAMES = ("title", "body", "all", "all", "entities", "years")


#: what a new story holds until it counts (shared, never changed: each is a container
#: the collector would otherwise track, a dozen of them per story, and refinement makes a
#: one-article story per article it compares)
_NO_COUNTS: Counter[str] = Counter()
_NO_TOP: tuple[int, frozenset[str]] = (-1, frozenset())
_NO_CORE: tuple[int, dict[str, float], frozenset[str]] = (-1, {}, frozenset())


class StoryFeatures:
    """Running sums of a story's articles, comparable with :func:`compare`."""

    __slots__ = ("size", "title", "body", "all", "entities", "numbers", "day_sum", "day_n", "weekdays", "months",
                 "year_bag",
                 "years", "first_day", "last_day", "last_seen", "_norms", "kinds", "_top", "_core",
                 "embedding_sum")

    def __init__(self) -> None:
        self.size = 0
        self.title: dict[str, float] = _StoryBag()
        self.body: dict[str, float] = _StoryBag()
        #: title and body together: a headline-only article meets a story's body text.
        self.all: dict[str, float] = _StoryBag()
        self.entities: dict[str, float] = _StoryBag()
        #: the entity bag split by kind ("p:", "l:", "o:"), for per-kind cosines.
        self.kinds: dict[str, dict[str, float]] = {_PEOPLE_KIND: _StoryBag(), _PLACES_KIND: _StoryBag(),
                                                   _ORGS_KIND: _StoryBag()}
        # The one empty Counter until a member gives some (most give no numbers, weekdays
        # or months): add and merge put a story's own in place before counting into it.
        self.numbers: Counter[str] = _NO_COUNTS
        self.weekdays: Counter[str] = _NO_COUNTS
        self.months: Counter[str] = _NO_COUNTS
        self.day_sum = 0
        self.day_n = 0
        self.years: Counter[int] = Counter.__new__(Counter)
        self.year_bag: dict[str, float] = _StoryBag()
        self.first_day: int | None = None
        self.last_day: int | None = None
        #: arrival index of the latest member (for expiry when dates are unknown).
        self.last_seen = 0
        self._norms: dict[str, float] = {}
        self._top: tuple[int, frozenset[str]] = _NO_TOP
        self._core: tuple[int, dict[str, float], frozenset[str]] = _NO_CORE
        #: the sum of the members' sentence embeddings (None while no member has one).
        self.embedding_sum: Any = None

    def core_names(self) -> tuple[dict[str, float], frozenset[str]]:
        """The story's :func:`core` and :func:`names` (cached until it grows)."""
        if self._core[0] != self.size:
            self._core = (self.size, core(self.entities), names(self.entities))
        return self._core[1], self._core[2]

    def top_entities(self) -> frozenset[str]:
        """The story's most mentioned names (cached until it grows)."""
        return top_entities_of(self)

    def add(self, features: ArticleFeatures, *, seen: int = 0,
            df: DocumentFrequencies | None = None) -> None:
        """Add one article; with ``df``, cached norms are updated in place (cheap)."""
        add_article(self, features, seen, df)

    # The story's own Counters, made at the first count (see __init__); made without
    # Counter.__init__, whose update call is Python code (a Counter is a dict with methods).

    def _own_numbers(self) -> Counter[str]:
        if self.numbers is _NO_COUNTS:
            self.numbers = Counter.__new__(Counter)
        return self.numbers

    def _own_weekdays(self) -> Counter[str]:
        if self.weekdays is _NO_COUNTS:
            self.weekdays = Counter.__new__(Counter)
        return self.weekdays

    def _own_months(self) -> Counter[str]:
        if self.months is _NO_COUNTS:
            self.months = Counter.__new__(Counter)
        return self.months

    def _add_embedding(self, vector: Any) -> None:
        if self.embedding_sum is None:
            self.embedding_sum = np.array(vector, dtype=np.float32)
        else:
            self.embedding_sum += vector

    def merge(self, other: StoryFeatures) -> None:
        """Add another story's sums into this one."""
        self.size += other.size
        for bag, part in ((self.title, other.title), (self.body, other.body),
                          (self.all, other.all), (self.entities, other.entities),
                          (self.year_bag, other.year_bag), *((self.kinds[k], other.kinds[k]) for k in KINDS)):
            add_into(bag, part, None, None)
        if other.numbers:
            self._own_numbers().update(other.numbers)
        if other.weekdays:
            self._own_weekdays().update(other.weekdays)
        if other.months:
            self._own_months().update(other.months)
        self.day_sum += other.day_sum
        self.day_n += other.day_n
        for d in (other.first_day, other.last_day):
            if d is not None:
                self.first_day = d if self.first_day is None else min(self.first_day, d)
                self.last_day = d if self.last_day is None else max(self.last_day, d)
        self.years.update(other.years)
        if other.embedding_sum is not None:
            self._add_embedding(other.embedding_sum)
        self.last_seen = max(self.last_seen, other.last_seen)
        self._norms.clear()

    @property
    def day(self) -> float | None:
        return self.day_sum / self.day_n if self.day_n else None

    @property
    def year(self) -> int | None:
        # most_common(1)'s year (the first of the most counted), without its heapq call
        years = self.years
        return max(years, key=years.__getitem__) if years else None

    def norm(self, name: str, bag: dict[str, float], df: DocumentFrequencies) -> float:
        return _norm(self._fresh_norms(df), name, bag, df.weights)

    def _fresh_norms(self, df: DocumentFrequencies) -> dict[str, float]:
        """The cached norms, emptied first if the corpus has outgrown them."""
        return fresh_norms_of(self, df)


def add_article(story: StoryFeatures, features: ArticleFeatures, seen: int, df: DocumentFrequencies | None) -> None:
    """:meth:`StoryFeatures.add` (the stream calls it without the method call)."""
    story.size += 1
    norms = story._norms
    fresh = None
    if df is not None:
        n = norms.get("n")  # norms cached and not yet outgrown (see _fresh_norms)
        if n is not None and df.n <= NORM_REFRESH_GROWTH * n + 20:
            fresh = df.weights
    add_bags(norms, fresh, _BAG_NAMES,
             (story.title, story.body, story.all, story.all, story.entities, story.year_bag),
             (features.title, features.body, features.title, features.body, features.entities, features.years),
             story.kinds, features.entities)
    # Counter.update is a Python call even for nothing to add (most articles)
    if features.numbers:
        story._own_numbers().update(features.numbers)
    if features.weekdays:
        story._own_weekdays().update(features.weekdays)
    if features.months:
        story._own_months().update(features.months)
    day = features.day
    if day is not None:
        story.day_sum += day
        story.day_n += 1
        # comparisons, not min() and max(): calls cost more than the work here
        if story.first_day is None or day < story.first_day:
            story.first_day = day
        if story.last_day is None or day > story.last_day:
            story.last_day = day
    if features.year is not None:
        story.years[features.year] += 1
    if features.embedding is not None:
        story._add_embedding(features.embedding)
    if seen > story.last_seen:
        story.last_seen = seen


def fresh_norms_of(story: StoryFeatures, df: DocumentFrequencies) -> dict[str, float]:
    """:meth:`StoryFeatures._fresh_norms` (the scoring kernel reads it without a method call)."""
    norms = story._norms
    n = norms.get("n")
    if n is None or df.n > NORM_REFRESH_GROWTH * n + 20:
        norms.clear()
        norms["n"] = df.n
    return norms


def top_entities_of(story: StoryFeatures) -> frozenset[str]:
    """:meth:`StoryFeatures.top_entities`: its :data:`MAIN_ENTITIES` + 2 most mentioned names,
    cached in ``story._top`` until it grows."""
    if story._top[0] != story.size:
        k = MAIN_ENTITIES + 2
        top = frozenset(sorted(story.entities, key=story.entities.__getitem__, reverse=True)[:k])
        story._top = (story.size, top)
    return story._top[1]


def _norm(norms: dict[str, float], name: str, bag: dict[str, float],
          idf: dict[str, float]) -> float:
    """A story bag's IDF-weighted norm, cached in ``norms`` (:meth:`StoryFeatures._fresh_norms`)."""
    cached = norms.get(name)
    if cached is None:
        cached = norms[name] = math.sqrt(weighted_square_sum(bag, idf)) or 1.0
    return cached


#: a story's cached norms are recomputed once the corpus has grown by this factor since;
#: in between, adds update them in place (the IDF drift is small, recomputing costly).
NORM_REFRESH_GROWTH = 1.5


def story_of(features: ArticleFeatures) -> StoryFeatures:
    story = StoryFeatures()
    story.add(features)
    return story


#: the kinds of a story of one article that names no one, shared by every :func:`single_story`
#: (read only)
_NO_STORY_KINDS: dict[str, dict[str, float]] = {k: {} for k in KINDS}
#: the (size, ...) caches of a story not yet read, shared likewise (replaced, never changed)
_UNREAD_TOP: tuple[int, frozenset[str]] = (-1, frozenset())
_UNREAD_CORE: tuple[int, dict[str, float], frozenset[str]] = (-1, {}, frozenset())


def single_story(features: ArticleFeatures) -> StoryFeatures:
    """:func:`story_of` to be read only (compared with, never added to): the same values in
    the same order, but the article's own bags where that story holds copies of them, and
    plain dicts for its counts (:attr:`~StoryFeatures.year` reads them alike). Two or three
    containers for the garbage collector to track where story_of makes some twenty
    (the pure-Python reference of refinement's pair loop makes one per report it compares)."""
    story = _new_story(StoryFeatures)
    story.size = 1
    title, body, entities = features.title, features.body, features.entities
    story.title = title
    story.body = body
    story.entities = entities
    story.year_bag = features.years
    norms = story._norms = {}
    # (KINDS, without a comprehension's call)
    kinds = story.kinds = {_PEOPLE_KIND: {}, _PLACES_KIND: {}, _ORGS_KIND: {}} if entities else _NO_STORY_KINDS
    # title + body and the names by kind as StoryFeatures.add sums them
    if body:
        whole = story.all = {}
        add_bags(norms, None, ("all", "all"), (whole, whole), (title, body), kinds, entities)
    else:
        story.all = title  # a headline's title + body: its title's values
        if entities:
            add_bags(norms, None, (), (), (), kinds, entities)
    # what Counter.update counts of a set: each member once, in its order
    numbers, weekdays, months = features.numbers, features.weekdays, features.months
    story.numbers = dict.fromkeys(numbers, 1) if numbers else {}  # type: ignore[assignment]
    story.weekdays = dict.fromkeys(weekdays, 1) if weekdays else {}  # type: ignore[assignment]
    story.months = dict.fromkeys(months, 1) if months else {}  # type: ignore[assignment]
    day = features.day
    story.day_sum = 0 if day is None else day
    story.day_n = 0 if day is None else 1
    story.first_day = story.last_day = day
    story.years = {} if features.year is None else {features.year: 1}  # type: ignore[assignment]
    story.last_seen = 0
    story._top = _UNREAD_TOP
    story._core = _UNREAD_CORE
    story.embedding_sum = None if features.embedding is None else np.array(features.embedding, dtype=np.float32)
    return story


#: an instance without __init__ (single_story sets its slots)
_new_story = object.__new__


def _weighted(bag: dict[str, float], idf: dict[str, float]) -> tuple[dict[str, float], float]:
    if not bag:
        return {}, 1.0
    out = weighted(bag, idf)
    return out, _vector_norm(out)


def _vector_norm(vec: dict[str, float]) -> float:
    return math.sqrt(square_sum(vec)) or 1.0


def story_cosine(vec: dict[str, float], norm: float, bag: dict[str, float], norms: dict[str, float], name: str,
                 idf: dict[str, float]) -> float:
    """The cosine of an article's weighted vector and a story bag, whose norm is cached in
    ``norms`` under ``name`` (:func:`_norm`; looked up here: one call less in hot loops)."""
    bag_norm = norms.get(name)
    if bag_norm is None:
        bag_norm = _norm(norms, name, bag, idf)
    # Walk the smaller bag, look up the larger.
    total = weighted_dot(bag, vec, idf) if len(vec) > len(bag) else weighted_dot(vec, bag, idf)
    return total / (norm * bag_norm) if total else 0.0


#: the per-kind entity vectors of an article that names no one (shared: never mutated).
_NO_KINDS: dict[str, tuple[dict[str, float], float]] = {k: ({}, 1.0) for k in KINDS}


def _split_kinds(entities: dict[str, float],
                 no_kinds: dict[str, tuple[dict[str, float], float]]) -> dict[str, tuple[dict[str, float], float]]:
    """An entity vector split by kind (the same weights), each part with its norm; a kind
    it does not name gets the (shared) empty part of ``no_kinds``."""
    split: dict[str, dict[str, float]] = {k: {} for k in KINDS}
    for t, v in entities.items():
        part = split.get(t[:2])
        if part is not None:
            part[t] = v
    return {k: (part, _vector_norm(part)) if part else no_kinds[k] for k, part in split.items()}


class ArticleVectors:
    """An article's IDF-weighted bags, computed once per comparison round."""

    __slots__ = ("features", "title", "title_norm", "body", "body_norm", "all", "all_norm",
                 "entities", "entity_norm", "kinds", "years", "years_norm", "_core")

    _core: tuple[dict[str, float], frozenset[str]] | None

    def __init__(self, features: ArticleFeatures, df: DocumentFrequencies, *, text_only: bool = False) -> None:
        """``text_only``: the title, body and title + body vectors alone, for
        :func:`shares_words` and :func:`text_cosine` (a story's entity bag is large)."""
        self._core = None
        fill_vectors(self, features, df.weights, text_only, _NO_KINDS)

    def core_names(self) -> tuple[dict[str, float], frozenset[str]]:
        """The article's :func:`core` and :func:`names`, computed on first use (only the
        entity-conflict feature reads them)."""
        if self._core is None:
            found = core(self.features.entities)
            self._core = (found, names(self.features.entities) if found else frozenset())
        return self._core


def fill_vectors(vectors: ArticleVectors, features: ArticleFeatures, idf: dict[str, float], text_only: bool,
                 no_kinds: dict[str, tuple[dict[str, float], float]]) -> None:
    """Set the :class:`ArticleVectors` slots of ``features`` weighted by ``idf`` (all but
    ``_core``); ``no_kinds`` is the (shared) split of an article that names no one."""
    vectors.features = features
    title = vectors.title = weighted(features.title, idf)
    vectors.title_norm = _vector_norm(title) if title else 1.0
    body = features.body
    if body:
        vectors.body = weighted(body, idf)
        vectors.body_norm = _vector_norm(vectors.body)
        # title + body, summed where a term is in both (body order, then the title's own)
        merged = dict(vectors.body)
        for t, w in features.title.items():
            in_body = body.get(t)
            merged[t] = title[t] if in_body is None else (in_body + w) * idf[t]
        vectors.all = merged
        vectors.all_norm = _vector_norm(merged)
    else:
        # A headline (most of a news stream): title + body is the title vector itself
        # (the same values in the same order, so the same norm); none of these is mutated.
        vectors.body, vectors.body_norm = {}, 1.0
        vectors.all, vectors.all_norm = title, vectors.title_norm
    if text_only:
        return
    vectors.entities, vectors.entity_norm = _weighted(features.entities, idf)
    vectors.years, vectors.years_norm = _weighted(features.years, idf)
    vectors.kinds = _split_kinds(vectors.entities, no_kinds) if vectors.entities else no_kinds


def text_cosine(vectors: ArticleVectors, story: StoryFeatures, df: DocumentFrequencies) -> float:
    """The IDF-weighted cosine of title + body terms (the ``cross_cos`` feature alone)."""
    idf = df.weights
    return story_cosine(vectors.all, vectors.all_norm, story.all, story._fresh_norms(df), "all", idf)


def rank_stories(vectors: ArticleVectors, candidates: Sequence[int], stories: dict[int, StoryFeatures],
                 df: DocumentFrequencies, count: int) -> dict[int, float]:
    """The ``count`` of ``candidates`` (distinct ids into ``stories``) of the highest
    :func:`text_cosine` with the article, best first (ties in candidate order, as
    :func:`largest`), with those cosines: the stream's one-cosine ranking of its candidates."""
    cosines = {sid: text_cosine(vectors, stories[sid], df) for sid in candidates}
    return {sid: cosines[sid] for sid in largest(cosines, count)}


#: a date difference is read on a log scale and capped: past a year apart, the exact
#: gap no longer matters (DESIGN: "the time of the event, with a decay").
_MAX_DAYS = 400


def shares_words(vectors: ArticleVectors, story: StoryFeatures, df: DocumentFrequencies,
                 floor: float) -> bool:
    """:func:`words_meet` of :func:`compare`'s features, computing only the text cosines,
    and each only until one reaches the floor (the linkage pass asks this alone)."""
    idf = df.weights
    norms = story._fresh_norms(df)
    if story_cosine(vectors.title, vectors.title_norm, story.title, norms, "title", idf) >= floor:
        return True
    if story_cosine(vectors.all, vectors.all_norm, story.all, norms, "all", idf) >= floor:
        return True
    return bool(vectors.features.body and story.body) and story_cosine(
        vectors.body, vectors.body_norm, story.body, norms, "body", idf) >= floor


def semantic_cosine(features: ArticleFeatures, story: StoryFeatures) -> float | None:
    """Cosine of an article's sentence embedding and the mean of a story's (the centroid's
    direction), or None where either has none (the ``semantic`` extra is off)."""
    if features.embedding is None or story.embedding_sum is None:
        return None
    norm = float(np.linalg.norm(story.embedding_sum))
    return float(np.dot(features.embedding, story.embedding_sum)) / norm if norm else 0.0


def compare(vectors: ArticleVectors, story: StoryFeatures, df: DocumentFrequencies, *,
            cross: float | None = None, with_conflict: bool = True,
            floor: float | None = None) -> list[float] | None:
    """The pair features of an article and a story, named by :data:`FEATURE_NAMES`.

    ``cross``: the :func:`text_cosine` of the two when the caller has it already.
    ``with_conflict=False``: entity_conflict is left at 0, for the callers whose models
    give it no weight (the join, pair and linkage decisions: scripts/fit_cluster_model.py
    fits it into the merge model only); it is the costliest feature to compute.
    ``floor``: None, without the rest, where the text cosines miss this floor
    (:func:`words_meet`); a third of the stream's candidates stop there.
    """
    idf = df.weights
    features = pair_features(vectors, story, idf, story._fresh_norms(df), cross, floor)
    if with_conflict and features is not None:
        own_core, own_names = vectors.core_names()
        if own_core:
            story_core, story_names = story.core_names()
            features[-1] = conflict(own_core, own_names, story_core, story_names, idf)
    return features


def pair_features(vectors: ArticleVectors, story: StoryFeatures, idf: dict[str, float], norms: dict[str, float],
                  cross: float | None, floor: float | None) -> list[float] | None:
    """:func:`compare` without the entity conflict (left at 0), given the story's
    :meth:`~StoryFeatures._fresh_norms`."""
    f = vectors.features
    title_cos = story_cosine(vectors.title, vectors.title_norm, story.title, norms, "title", idf)
    body_cos = story_cosine(vectors.body, vectors.body_norm, story.body, norms, "body", idf) if f.body and story.body else 0.0
    if cross is None:
        cross_cos = story_cosine(vectors.all, vectors.all_norm, story.all, norms, "all", idf)
    else:
        cross_cos = cross
    if floor is not None and title_cos < floor and body_cos < floor and cross_cos < floor:
        return None
    entity_cos = story_cosine(vectors.entities, vectors.entity_norm, story.entities, norms, "entities", idf)
    kinds = []
    for kind in KINDS:
        vec, vec_norm = vectors.kinds[kind]
        if not vec:  # most articles name few kinds: the story's bag is not looked up
            kinds.append(0.0)
            continue
        bag = story.kinds[kind]
        kinds.append(story_cosine(vec, vec_norm, bag, norms, kind, idf) if bag else 0.0)
    if f.numbers and story.numbers:
        shared = len(story.numbers.keys() & f.numbers)
        number_overlap = shared / min(len(f.numbers), len(story.numbers))
    else:
        number_overlap = 0.0
    if f.main and story.entities:
        entities = story.entities  # a dict or a TermBag (whose keys() is a list)
        if not any(name in entities for name in f.main):
            # who/where the report is about is not even mentioned in the story (so not
            # among its top names either: those are not read, a walk of all its names)
            main_match, main_mismatch = 0.0, 1.0
        else:
            main_match, main_mismatch = (0.0 if story.top_entities().isdisjoint(f.main) else 1.0), 0.0
    else:
        main_match = main_mismatch = 0.0
    story_day = story.day
    if f.day is not None and story_day is not None:
        gap = abs(f.day - story_day)
        days_apart = math.log1p(min(gap, _MAX_DAYS)) / math.log1p(_MAX_DAYS)
    else:
        # Time only vetoes: being close in time is no evidence in a dense stream, where
        # every report of the week is close (a positive time feature learned on ECB+
        # merged all of uci-headlines).
        days_apart = 0.0
    # Weekdays and month-days near the top date the event: reports of one event name the
    # same ones, so naming only different ones is evidence against (only against: in a
    # dense stream many events share "on Friday").
    weekday_mismatch = 1.0 if f.weekdays and story.weekdays and story.weekdays.keys().isdisjoint(
        f.weekdays) else 0.0
    month_mismatch = 1.0 if f.months and story.months and story.months.keys().isdisjoint(
        f.months) else 0.0
    # Mentioned years speak only where a day is missing on one side (undated pages):
    # between dated reports, the day gap already says it.
    if f.years and story.year_bag and (f.day is None or story_day is None):
        year_cos = story_cosine(vectors.years, vectors.years_norm, story.year_bag, norms, "years", idf)
        year_known = 1.0
    else:
        year_cos, year_known = 0.0, 0.0
    return [
        title_cos, body_cos, cross_cos, entity_cos, *kinds, number_overlap,
        main_match, main_mismatch,
        days_apart, weekday_mismatch, month_mismatch, year_cos, year_known,
        math.log(story.size), 1.0 if f.headline_only else 0.0, 0.0,
    ]


#: the pure-Python references of the compiled scoring kernel, by name (tests and
#: bench/bench_cluster.py --python-loops swap them in; featurize's are in _REFERENCE)
_KERNEL_REFERENCE = {f.__name__: f for f in (story_cosine, text_cosine, pair_features, fill_vectors,
                                               rank_stories, fresh_norms_of, top_entities_of, shares_words,
                                               add_article, count_article)}

if COMPILED:
    from .._speedups import (  # type: ignore  # noqa: F811
        add_article,
        count_article,
        fill_vectors,
        fresh_norms_of,
        pair_features,
        rank_stories,
        register_stream,
        shares_words,
        story_cosine,
        text_cosine,
        top_entities_of,
    )

    # the compiled add_article gives a story its own Counters in place of the shared empty one
    register_stream(_NO_COUNTS)
