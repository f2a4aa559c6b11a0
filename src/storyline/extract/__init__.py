"""extract stage: :class:`Document` -> :class:`Article`.

``kind="html"`` pages go through trafilatura plus corpus boilerplate removal
(:mod:`.html`); ``kind="text"`` pages (text copied out of a browser) through the
line classifier (:mod:`.text`). Both then get metadata: title, author, site,
language and a publication date with where it came from (:mod:`.dates`).
``kind="article"`` text (supplied as the article: a JSONL ``text``, the web API's
``text``) is read, not cleaned (:mod:`.article`). ``kind="headline"`` items (a feed or
aggregator entry: a title, perhaps a URL and a date, no body) become headline-only
articles, whose text is their title.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from ..config import Settings
from ..errors import ExtractionError
from ..ingest._decode import UndecodableError, decode_bytes
from ..model import Article, Document
from ._lines import cjk_words
from .article import read_article_text
from .boilerplate import BoilerplateModel, document_site
from .dates import best_date, parse_date, script_dates
from .site import site_from_copyright

__all__ = ["BoilerplateModel", "ExtractionError", "detect_language", "extract_article", "site_of"]

logger = logging.getLogger(__name__)

#: an article has at least this many words after cleaning; shorter is a stub, an
#: index page or an error page. Set by hand (the shortest gold body in the dev files
#: has ~40 words).
MIN_ARTICLE_WORDS = 15
#: characters of text used for language identification. On the 2,566 language-labelled
#: SemEval-2022 texts, CLD2 on 600 characters gives the label on 99.84% of texts in
#: ~25 us a text, py3langid on 250 characters on 99.61% in ~90 us (and its tables evict
#: the caches of the rest); on the 890 gold bodies of the extraction dev files the two
#: agree but once (py3langid: Nigerian Pidgin, CLD2: English).
LANGUAGE_CHARS = 600
#: the same for py3langid, where CLD2 is not installed (250 and 300 gave the same
#: language as 600 on every dev page, 200 differed on two).
PY3LANGID_CHARS = 250
#: CLD2's codes that differ from ISO 639-1
_CLD2_CODES = {"iw": "he", "jw": "jv", "zh-Hant": "zh", "sr-ME": "sr"}
#: characters CLD2 refuses (it reads UTF-8 and rejects control characters and lone surrogates)
_NOT_FOR_CLD2 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WORD = re.compile(r"\w+")
#: a headline item's title longer than this is not a headline (a feed whose title field
#: holds a body, or junk); the longest uci-headlines title has 50 words, ~300 characters.
MAX_HEADLINE_CHARS = 1000


def site_of(url: str | None) -> str | None:
    """The host of ``url`` without ``www.``, or None."""
    if not url:
        return None
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.removeprefix("www.") or None


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language (CLD2, or py3langid where CLD2 is not
    installed), "und" when there is no text or no language can be told."""
    sample = text[:LANGUAGE_CHARS]
    if not sample.strip():
        return "und"
    cld2 = _cld2()
    if cld2 is None:
        import py3langid

        return str(py3langid.classify(sample[:PY3LANGID_CHARS])[0])
    try:
        _, _, found = cld2.detect(_NOT_FOR_CLD2.sub(" ", sample), bestEffort=True)
    except cld2.error:  # e.g. bytes it cannot read as UTF-8
        return "und"
    code = _CLD2_CODES.get(found[0][1], found[0][1])
    return "und" if code in ("un", "xxx") or code.startswith(("xx-", "zz")) else code


@functools.cache
def _cld2() -> Any:
    try:
        import pycld2
    except ImportError:  # no wheel for this platform (Windows, Linux on ARM)
        return None
    return pycld2


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ExtractionError after ``seconds`` (main thread on Unix; elsewhere no cap)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ExtractionError(f"extraction took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_article(
    doc: Document,
    *,
    boilerplate: BoilerplateModel | None = None,
    settings: Settings | None = None,
) -> Article:
    """Extract the article of ``doc``; raise :class:`ExtractionError` when there is none."""
    settings = settings or Settings()
    if len(doc.raw) > settings.max_input_bytes:
        raise ExtractionError(f"input too large ({len(doc.raw):,} bytes)")
    try:
        page = decode_bytes(doc.raw, html=doc.kind == "html", charset=doc.hints.get("charset"))
    except UndecodableError as exc:
        raise ExtractionError(str(exc)) from None
    hints = doc.hints
    url = doc.url or (hints.get("url") if isinstance(hints.get("url"), str) else None)
    with _time_limit(settings.extract_timeout):
        if doc.kind == "html":
            return _from_html(doc, page, url, boilerplate)
        if doc.kind == "text":
            return _from_text(doc, page, url, boilerplate)
        if doc.kind == "article":
            return _from_article(doc, page, url)
        if doc.kind == "headline":
            return _from_headline(doc, page, url)
    raise ExtractionError(f"unknown document kind {doc.kind!r}")


def _check_words(body: list[str], *, minimum: int = MIN_ARTICLE_WORDS, cleaned: bool = True) -> str:
    """The body as one text, or ExtractionError where it has fewer than ``minimum`` words."""
    text = "\n".join(body)
    # count only as far as the minimum (speed: the whole text need not be tokenised)
    words = 0
    for _ in _WORD.finditer(text):
        words += 1
        if words >= minimum:
            return text
    if not text.isascii():
        # Chinese and Japanese: a \w+ run is a whole phrase; count words by characters
        words += cjk_words(text)
        if words >= minimum:
            return text
    raise ExtractionError(f"no article text found ({words} words{' after cleaning' if cleaned else ''})")


#: a text page that is only a headline (perhaps with a date or kicker line) is a headline
#: item: "Robbers in drag steal e80 million from Paris diamond store" (ECB+), or a news
#: API's item whose text repeats its title. Fewer words than this is no headline
#: ("Access denied", "Page not found").
HEADLINE_PAGE_MIN_WORDS = 4
HEADLINE_PAGE_LINES = 3
#: words of a line beside the headline that is a date or a kicker, not a lead.
HEADLINE_PAGE_OTHER_WORDS = 8


def _is_headline_page(page: str, title: str) -> bool:
    lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
    if not title or len(title.split()) < HEADLINE_PAGE_MIN_WORDS or len(lines) > HEADLINE_PAGE_LINES:
        return False
    others = [line for line in lines if line != title]
    return len(others) < len(lines) and all(len(line.split()) <= HEADLINE_PAGE_OTHER_WORDS for line in others)


def _from_text(doc: Document, page: str, url: str | None, boilerplate: BoilerplateModel | None) -> Article:
    from .text import clean_text

    site = document_site(doc)
    cleaned = clean_text(page, boilerplate=boilerplate, site=site, title_hint=doc.hints.get("title"))
    try:
        text = _check_words(cleaned.body)
    except ExtractionError:
        if not _is_headline_page(page, cleaned.title):
            raise
        text = cleaned.title  # a headline item given as text: a headline-only article
    published, by, confidence = best_date(
        hint=doc.hints.get("published"),
        url=url,
        text=text,
        page_text=cleaned.head,
        tail=page[-3000:],
        top=page,
    )
    return Article(
        id=doc.id,
        source=doc.source,
        title=cleaned.title,
        text=text,
        url=url,
        # without a URL or a site hint, the footer's copyright holder names the outlet
        site=site or site_from_copyright(page),
        author=doc.hints.get("author") or cleaned.author,
        published=published,
        published_by=by,
        published_confidence=confidence,
        language=detect_language(text),
        removed=tuple(cleaned.removed),
    )


def _from_article(doc: Document, text: str, url: str | None) -> Article:
    """Supplied article text: its headline and date line are read from the top, the rest
    is the body as given (nothing is removed)."""
    hint = doc.hints.get("published")
    published = parse_date(str(hint)) if hint else None
    title = doc.hints.get("title")
    read = read_article_text(text, title=" ".join(title.split()) if isinstance(title, str) else "",
                             published=published, url=url)
    # supplied text is the article however short: a one-line report is one
    _check_words([read.body], minimum=HEADLINE_PAGE_MIN_WORDS, cleaned=False)
    return Article(
        id=doc.id,
        source=doc.source,
        title=read.title,
        text=read.body,
        url=url,
        site=document_site(doc),
        author=doc.hints.get("author"),
        published=read.published,
        published_by=read.published_by,
        published_confidence=read.published_confidence,
        language=detect_language(read.body),
    )


def _from_headline(doc: Document, item: str, url: str | None) -> Article:
    """A headline-only article from a feed item: ``raw`` is the item as a JSON object."""
    try:
        fields = json.loads(item)
    except ValueError:
        fields = None
    title = fields.get("title") if isinstance(fields, dict) else None
    if not isinstance(title, str) or not title.strip():
        raise ExtractionError("headline item without a title")
    title = " ".join(title.split())
    if len(title) > MAX_HEADLINE_CHARS:
        raise ExtractionError(f"headline too long ({len(title):,} characters)")
    # Only the container's date or the URL's: a date named in a headline is the news's
    # ("... on March 5"), not the item's.
    published, by, confidence = best_date(hint=doc.hints.get("published"), url=url)
    language = fields.get("language")
    return Article(
        id=doc.id,
        source=doc.source,
        title=title,
        text=title,
        url=url,
        site=document_site(doc),
        author=doc.hints.get("author"),
        published=published,
        published_by=by,
        published_confidence=confidence,
        language=language if isinstance(language, str) and language else detect_language(title),
    )


def _from_html(doc: Document, page: str, url: str | None, boilerplate: BoilerplateModel | None) -> Article:
    from .html import extract_html

    site_key = document_site(doc)
    result = extract_html(page, url=url, boilerplate=boilerplate, site=site_key)
    text = _check_words(result.body)
    meta = result.meta
    url = url or meta.url
    published, by, confidence = best_date(
        hint=doc.hints.get("published"),
        meta=meta.dates or script_dates(page),
        meta_kinds=meta.date_kinds,
        url=url,
        text=text,
        page_text=result.visible_head,
        tail=text[-3000:],
        top=result.rendered,
    )
    return Article(
        id=doc.id,
        source=doc.source,
        title=doc.hints.get("title") or meta.title,
        text=text,
        url=url,
        site=doc.hints.get("site") or meta.site or site_of(url),
        author=doc.hints.get("author") or meta.author,
        published=published,
        published_by=by,
        published_confidence=confidence,
        language=detect_language(text),
        removed=tuple(result.removed),
    )
