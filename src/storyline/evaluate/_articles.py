"""Turn evaluation rows into :class:`Article` records the way extraction would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..cluster.timeinfo import date_from_line, date_from_url, is_partial_date_line
from ..model import Article, content_id

#: a first line this short without closing punctuation reads as a headline; ECB+
#: headlines run up to ~25 words, while its "ecb" articles start with a full sentence.
_TITLE_MAX_WORDS = 30
#: a date line ("Tuesday 28 April 2009 22:34 BST") is short; longer lines are prose.
_DATELINE_MAX_WORDS = 12


def _looks_like_title(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= _TITLE_MAX_WORDS and not line.rstrip().endswith((".", "?", "!", '"', "”"))


def article_from_row(row: dict[str, Any], *, source: str) -> Article:
    """An Article from a JSONL row with ``text`` and/or ``title`` (plus optional url, site, dates).

    With text and no title, the first line is the headline when it looks like one, and a
    short line near the top that holds a full date is the date line (page-text rules).
    Headline-only rows (no text) use the title as the text, so the annotator sees it.
    """
    text = str(row.get("text") or "")
    title = str(row.get("title") or "")
    url = row.get("url") or None
    published = None
    published_by = ""
    confidence = 0.0
    if row.get("published_ms") is not None:
        published = datetime.fromtimestamp(float(row["published_ms"]) / 1000, tz=UTC).date()
        published_by, confidence = "hint", 1.0
    if text and not title:
        lines = [ln.strip() for ln in text.split("\n")]
        lines = [ln for ln in lines if ln]
        body_start = 0
        # The date line may precede or follow the headline: look at the first three lines.
        for i, line in enumerate(lines[:3]):
            if published is None and len(line.split()) <= _DATELINE_MAX_WORDS:
                found = date_from_line(line)
                if found is not None:
                    published, published_by, confidence = found, "dateline", 0.8
                    body_start = max(body_start, i + 1)
                    continue
            if i == body_start and is_partial_date_line(line):
                body_start = i + 1
                continue
            if not title and i == body_start and _looks_like_title(line) and len(lines) > i + 1:
                title = line
                body_start = i + 1
        text = "\n".join(lines[body_start:]) or text
    if published is None:
        found_url = date_from_url(url)
        if found_url is not None:
            published, published_by, confidence = found_url[0], "url", 0.7
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
        published=published,
        published_by=published_by,
        published_confidence=confidence,
        language=str(row.get("language") or row.get("lang") or "en"),
    )
