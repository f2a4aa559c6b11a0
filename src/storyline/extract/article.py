"""Article text as a user supplies it (a JSONL ``text``, the web API's ``text``): read, not cleaned.

A page copied out of a browser needs its chrome removed (:mod:`.text`); text that a user
or a scraper hands over as *the article* does not, and the line classifier, trained on
whole pages, drops real sentences of it (on ECB+ texts it moved lead sentences into the
title and removed others: BCubed F1 through ``storyline run`` 0.896 against 0.929 on the
same texts read as they are). Here only the top is read: a headline line, a date line,
a bare "APR 28" line; the rest is the body as given. The evaluation files' rows are read
by the same function (:func:`storyline.evaluate._articles.article_from_row`), so a
score measured with ``storyline eval`` is the score of ``storyline run`` on the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..cluster.timeinfo import date_from_line, date_from_url, is_partial_date_line
from .dates import CONFIDENCE

#: a first line this short without closing punctuation reads as a headline; ECB+
#: headlines run up to ~25 words, while its "ecb" articles start with a full sentence.
TITLE_MAX_WORDS = 30
#: a date line ("Tuesday 28 April 2009 22:34 BST") is short; longer lines are prose.
DATELINE_MAX_WORDS = 12
#: lines at the top searched for the headline and the date line (either may come first).
TOP_LINES = 3


@dataclass(frozen=True)
class ArticleText:
    title: str
    body: str
    published: date | None
    published_by: str
    published_confidence: float


def looks_like_title(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= TITLE_MAX_WORDS and not line.rstrip().endswith((".", "?", "!", '"', "”"))


def read_article_text(
    text: str, *, title: str = "", published: date | None = None, url: str | None = None
) -> ArticleText:
    """Headline, body and publication date of supplied article text.

    ``title`` and ``published`` are what the container already said. Given a title, the
    text is the body as it is. Without one, the first line is the headline when it looks
    like one and more text follows, and a short line near the top that holds a full date
    is the date line (when no date was given). Without any date, a date in the URL path
    is taken.
    """
    published_by = "hint" if published is not None else ""
    if text and not title:
        lines = [line.strip() for line in text.split("\n")]
        lines = [line for line in lines if line]
        body_start = 0
        for i, line in enumerate(lines[:TOP_LINES]):
            if published is None and len(line.split()) <= DATELINE_MAX_WORDS:
                found = date_from_line(line)
                if found is not None:
                    published, published_by = found, "dateline"
                    body_start = max(body_start, i + 1)
                    continue
            if i == body_start and is_partial_date_line(line):
                body_start = i + 1
                continue
            if not title and i == body_start and looks_like_title(line) and len(lines) > i + 1:
                title = line
                body_start = i + 1
        text = "\n".join(lines[body_start:]) or text
    if published is None:
        found_url = date_from_url(url)
        if found_url is not None:
            published, published_by = found_url[0], "url"
            confidence = CONFIDENCE["url" if found_url[1] == "day" else "url-month"]
            return ArticleText(title, text, published, published_by, confidence)
    return ArticleText(title, text, published, published_by, CONFIDENCE.get(published_by, 0.0))
