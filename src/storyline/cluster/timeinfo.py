"""Cheap date signals for event identity: dates in URLs, date lines, years in text.

The annotator resolves the dates a text mentions; these helpers cover what it does
not see (the URL) and give the evaluation a way to read a page's date line the way
extraction reads a text page.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# /2013/03/14/, /2009/apr/28/, 2013-06-06, 20130606 (bounded by non-digits)
_URL_YMD = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)[/_-](\d{1,2})[/_-](\d{1,2})(?!\d)")
_URL_Y_MON_D = re.compile(rf"(?<!\d)(19[89]\d|20[0-4]\d)/{_MON}/(\d{{1,2}})(?!\d)", re.I)
_URL_YM = re.compile(r"/(19[89]\d|20[0-4]\d)/(\d{1,2})/")
_URL_COMPACT = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(0[1-9]|1[0-2])([0-2]\d|3[01])(?!\d)")
_URL_MON_YEAR = re.compile(rf"/{_MON}(19[89]\d|20[0-4]\d)/", re.I)

_LINE_MDY = re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I)
_LINE_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON},?\s+((?:19|20)\d\d)\b", re.I)
_LINE_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")
_LINE_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d{2})-(\d{2})\b")
_LINE_MON_D = re.compile(rf"^\s*{_MON}\s+(\d{{1,2}})\b", re.I)
# Not preceded by a digit, currency sign or separator: checked after the four digits
# (lookbehind over them), so that the search can skip ahead to a possible first digit.
_YEAR = re.compile(r"((?:19[5-9]|20[0-4])\d)(?<![\d$£€.,][\s\S]{4})(?![\d%])")


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_from_url(url: str | None) -> tuple[date, str] | None:
    """The date a news URL carries, with its granularity ("day" or "month")."""
    if not url:
        return None
    for pattern in (_URL_YMD, _URL_COMPACT):
        m = pattern.search(url)
        if m:
            d = _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if d:
                return d, "day"
    m = _URL_Y_MON_D.search(url)
    if m:
        d = _safe(int(m.group(1)), _MONTHS[m.group(2).lower()[:3]], int(m.group(3)))
        if d:
            return d, "day"
    m = _URL_YM.search(url)
    if m:
        d = _safe(int(m.group(1)), int(m.group(2)), 1)
        if d:
            return d, "month"
    m = _URL_MON_YEAR.search(url)
    if m:
        return date(int(m.group(2)), _MONTHS[m.group(1).lower()[:3]], 1), "month"
    return None


def date_from_line(line: str) -> date | None:
    """A full date written on a short line ("Tuesday 28 April 2009", "8/2/13 at 1:30 PM")."""
    m = _LINE_MDY.search(line)
    if m:
        return _safe(int(m.group(3)), _MONTHS[m.group(1).lower()[:3]], int(m.group(2)))
    m = _LINE_DMY.search(line)
    if m:
        return _safe(int(m.group(3)), _MONTHS[m.group(2).lower()[:3]], int(m.group(1)))
    m = _LINE_ISO.search(line)
    if m:
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _LINE_NUMERIC.search(line)
    if m:
        year = int(m.group(3))
        year = year + 2000 if year < 100 else year
        # US order first (month/day), the common order on English news pages.
        return _safe(year, int(m.group(1)), int(m.group(2))) or _safe(year, int(m.group(2)), int(m.group(1)))
    return None


def years_in(text: str) -> list[int]:
    """Four-digit years a text mentions (1950-2049), in order."""
    return [int(y) for y in _YEAR.findall(text)]


#: the function above that storyline._speedups computes in C where it was built (the same
#: list: tests/test_speedups.py)
_REFERENCE = {"years_in": years_in}

try:
    from .._speedups import years_in  # type: ignore  # noqa: F811
except ImportError:  # no compiler at install time: the reference runs
    pass


def is_partial_date_line(line: str) -> bool:
    """A line that is only a day and month ("APR 28"): page furniture, not a headline."""
    return len(line.split()) <= 3 and _LINE_MON_D.match(line) is not None
