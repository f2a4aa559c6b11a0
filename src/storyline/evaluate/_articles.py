"""Turn evaluation rows into :class:`Article` records as ``storyline run`` reads the same
lines of a JSONL file (:mod:`storyline.extract.article`)."""

from __future__ import annotations

from typing import Any

from ..extract.article import read_article_text
from ..extract.dates import parse_date
from ..ingest.jsonl import published_hint
from ..model import Article, content_id


def article_from_row(row: dict[str, Any], *, source: str) -> Article:
    """An Article from a JSONL row with ``text`` and/or ``title`` (plus optional url, site, dates).

    Text is read by :func:`~storyline.extract.article.read_article_text`; headline-only
    rows (no text) use the title as the text, so the annotator sees it.
    """
    url = row.get("url") or None
    hint = published_hint(row)  # the date as storyline run reads the same line
    published = parse_date(str(hint)) if hint is not None else None
    read = read_article_text(str(row.get("text") or ""), title=str(row.get("title") or ""),
                             published=published, url=url)
    title, text = read.title, read.body
    if not text:
        text = title
    site = row.get("site")
    if not site:
        from ..extract import site_of

        site = site_of(url)
    ident = str(row.get("id") or content_id((title + "\n" + text).encode("utf-8")))
    return Article(
        id=ident,
        source=source,
        title=title,
        text=text,
        url=url,
        site=site,
        published=read.published,
        published_by=read.published_by,
        published_confidence=read.published_confidence,
        language=str(row.get("language") or row.get("lang") or "en"),
    )
