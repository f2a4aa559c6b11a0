"""Dates mentioned in the text, and when the reported event happened.

News dates events relative to the page ("on Thursday", "yesterday") or in
full ("March 3, 2026", "in 2019"). Relative expressions are resolved against the
article's publication date; without one only absolute dates are kept, because a
guessed anchor would invent precision the page does not have.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from ..model import DateMention

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "March 3, 2026", "Mar. 3 2026", "March 3"
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I)
# "3 March 2026", "3rd of March"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.I)
# "March 2026"
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b", re.I)

#: an event is usually reported within this many days of its date; a mentioned
#: day further back is background ("the bridge opened in 2019"), not the event.
#: Chosen by hand for daily news; the clustering stage weighs dates with a decay anyway.
EVENT_WINDOW_DAYS = 10


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _infer_year(month: int, day: int, anchor: date | None) -> date | None:
    """A day-month without year: the latest such date not after the anchor (+ a week)."""
    if anchor is None:
        return None
    for year in (anchor.year, anchor.year - 1):
        value = _safe_date(year, month, day)
        if value is not None and value <= anchor + timedelta(days=7):
            return value
    return None


def parse_date_expression(text: str, *, anchor: date | None) -> tuple[date, str] | None:
    """Resolve one date expression to (date, granularity), or None."""
    lowered = text.lower()
    if anchor is not None:
        if "yesterday" in lowered:
            return anchor - timedelta(days=1), "day"
        if "today" in lowered or "tonight" in lowered or "this morning" in lowered:
            return anchor, "day"
        if "tomorrow" in lowered:
            return anchor + timedelta(days=1), "day"
    if match := _ISO.search(text):
        value = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        if value:
            return value, "day"
    if match := _MONTH_DAY.search(text):
        month, day = _MONTHS[match[1].lower()], int(match[2])
        value = (
            _safe_date(int(match[3]), month, day) if match[3] else _infer_year(month, day, anchor)
        )
        if value:
            return value, "day"
    if match := _DAY_MONTH.search(text):
        day, month = int(match[1]), _MONTHS[match[2].lower()]
        value = (
            _safe_date(int(match[3]), month, day) if match[3] else _infer_year(month, day, anchor)
        )
        if value:
            return value, "day"
    if match := _MONTH_YEAR.search(text):
        value = _safe_date(int(match[2]), _MONTHS[match[1].lower()], 1)
        if value:
            return value, "month"
    if anchor is not None and (match := _WEEKDAY.search(text)):
        # "on Thursday" in news means the most recent Thursday up to the page date.
        if "next" not in lowered:
            back = (anchor.weekday() - _WEEKDAYS.index(match[1].lower())) % 7
            return anchor - timedelta(days=back), "day"
    if match := _YEAR.search(text):
        return date(int(match[1]), 1, 1), "year"
    return None


def resolve_date_mentions(
    spans: Iterable[tuple[str, int, int]], *, anchor: date | None
) -> tuple[DateMention, ...]:
    """Turn (text, start, end) DATE spans into resolved :class:`DateMention`s."""
    mentions = []
    for text, start, end in spans:
        parsed = parse_date_expression(text, anchor=anchor)
        if parsed is not None:
            value, granularity = parsed
            mentions.append(DateMention(text=text, value=value, start=start, end=end, granularity=granularity))
    return tuple(mentions)


def estimate_event_date(mentions: Iterable[DateMention], *, published: date | None) -> date | None:
    """Best guess of the reported event's date.

    With a publication date: the most mentioned day in the window before it, else
    the publication date itself. Without one: the most mentioned full date, else
    the latest year mentioned (a weak bound).
    """
    days = [m.value for m in mentions if m.granularity == "day"]
    if published is not None:
        recent = [d for d in days if timedelta(0) <= published - d <= timedelta(days=EVENT_WINDOW_DAYS)]
        if recent:
            return Counter(recent).most_common(1)[0][0]
        return published
    if days:
        counts = Counter(days)
        return max(counts, key=lambda d: (counts[d], d))
    months = [m.value for m in mentions if m.granularity == "month"]
    if months:
        return max(months)
    years = [m.value for m in mentions if m.granularity == "year"]
    return max(years) if years else None
