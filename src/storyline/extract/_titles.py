"""Headline choice for text mode: rank the lines around the body start.

Every short line from :data:`SCAN_ABOVE` lines above the first body line to
:data:`SCAN_BELOW` below it is a candidate; a linear model (weights fitted by
``bench/fit_title_model.py`` with grouped cross-validation, in
:mod:`._title_weights`) scores it from what it says (length, case, end
punctuation), where it sits (distance to the body, indentation, what follows it:
bylines and datelines), what the line classifier and the corpus think of it, and
how many of its words the body repeats. The best-scoring candidate is the title.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter

import numpy as np

from ._lines import _BYLINE, _DATEISH, STOPWORDS, PageLines, word_set
from .dates import MONTH_NAMES

#: candidates start this many lines above the first body line; on wcxb-dev the gold
#: headline sits at most ~30 lines above it in 95% of pages (fit_title_model.py prints it).
SCAN_ABOVE = 40
#: ... and end this many lines below it (the classifier sometimes keeps the headline).
SCAN_BELOW = 4
#: a candidate has at most this many words / characters.
MAX_WORDS = 30
MAX_CHARS = 300
#: body lines read for the word-overlap feature (speed; the headline's words recur early).
BODY_LINES = 30

TITLE_FEATURES = (
    "bias",
    "above_log",
    "below",
    "at_first",
    "w1",
    "w2_3",
    "w4_8",
    "w9_15",
    "w16_30",
    "end_punct",
    "end_question",
    "title_ratio",
    "upper_ratio",
    "digit_ratio",
    "bullet",
    "hash",
    "chrome",
    "urlish",
    "site_pages",
    "corpus_sites",
    "dup_in_page",
    "in_other_line",
    "separators",
    "overlap",
    "overlap_words",
    "score",
    "kept",
    "blank_before",
    "blank_after",
    "indent_le_first",
    "byline_after",
    "date_after",
    "date_before",
    "title_like_between",
    "names_site",
    "first_candidate",
)

#: the line classifier's features that the ranker reads too.
_ROW_FEATURES = ("bullet", "chrome", "urlish", "site_pages", "corpus_sites", "dup_in_page", "separators")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xa0": " "})
_WORD = re.compile(r"\w+")
_BULLETS = "*+-#•·›» "


#: the same folding as pairs for str.replace: translate() with a dict table walks the
#: text in Python-level steps (13 ms on 100 kB of page text, 0.5 ms this way).
_FOLDS = (("…", "..."), *((chr(code), new) for code, new in _QUOTES.items()))


def title_key(text: str) -> str:
    """Case-, quote- and whitespace-folded headline (for comparing candidates and gold)."""
    for old, new in _FOLDS:
        if old in text:
            text = text.replace(old, new)
    return " ".join(text.lower().split())


#: UTF-8 read as cp1252/latin-1 leaves these pairs ("Investorâ\x80\x99s", "cafÃ©").
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u20ac]")
#: fullwidth ASCII forms ("Work？"): the plain character.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_MONTH_NAME = rf"(?:{MONTH_NAMES})[a-z]*\.?"
_MONTH_DATE = _MONTH_NAME + r" \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
#: a dateline run into a headline: "Dec 18 2025 Preparing a transition", "Title Posted on
#: July 1, 2024 by Ann" (blog templates put both in the <h1>)
_LEADING_DATE = re.compile(rf"^(?:{_MONTH_DATE}|\d{{4}}-\d{{2}}-\d{{2}})\s+(?=\S+\s+\S)", re.I)
_TRAILING_DATELINE = re.compile(rf"\s+(?:posted|published|updated)(?: on)? {_MONTH_DATE}(?: by .*)?$", re.I)
#: a date after a separator closing a headline line: "AoAH Day 15: Porting a parser / Dec 2025"
_TRAILING_DATE = re.compile(
    r"\s+[/|•·–—-]\s+(?:" + _MONTH_NAME + r"(?: \d{1,2}(?:st|nd|rd|th)?,?)? \d{4}"
    r"|\d{4}-\d{2}-\d{2})$",
    re.I,
)
#: a full date set apart from the headline by a layout gap ("Backup Strategy   January 22nd, 2019")
_GAP_DATE = re.compile(r"(?<=\S)\s{2,}" + _MONTH_DATE.replace(" ", r"\s+") + r"\s*$", re.I)
#: every date pattern above holds four digits in a row: a title without them is left alone
_FOUR_DIGITS = re.compile(r"\d{4}")


def tidy_title(text: str) -> str:
    """A headline as a reader sees it: whitespace collapsed, UTF-8 mis-read as cp1252
    repaired, fullwidth punctuation plain, a dateline run into it dropped."""
    if "  " in text and _FOUR_DIGITS.search(text):
        text = _GAP_DATE.sub("", text)
    text = " ".join(text.split())
    if _MOJIBAKE.search(text):
        for codec in ("cp1252", "latin-1"):
            try:
                text = text.encode(codec).decode("utf-8")
                break
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    if _FOUR_DIGITS.search(text):
        text = _TRAILING_DATE.sub("", _TRAILING_DATELINE.sub("", _LEADING_DATE.sub("", text)))
    return text.translate(_FULLWIDTH)


def strip_title(text: str) -> str:
    """The line without list bullets or heading marks."""
    body = text.strip()
    if body[:2] in ("* ", "+ ", "- ", "• ", "# ", "o ", "· ", "› ", "» "):
        body = body[2:]
    return body.lstrip("#").strip()


def _title_like(body: str, nw: int, *, byline_or_date: bool | None = None) -> bool:
    """A line that reads like a headline; ``byline_or_date``: its pattern tests, when known."""
    if not 2 <= nw <= MAX_WORDS:
        return False
    if body.endswith((".", ":", ",", ";")) and not body.endswith("..."):
        return False
    if byline_or_date if byline_or_date is not None else (_BYLINE.match(body) or _DATEISH.match(body)):
        return False
    return _letter_count(body) >= 0.6 * len(body)


_ASCII_LETTERS = string.ascii_letters.encode()


def _letter_count(text: str) -> int:
    """``sum(c.isalpha() for c in text)``; ASCII text is counted by a bytes deletion (speed)."""
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    return sum(map(str.isalpha, text))


def candidates(n: int, first: int) -> range:
    return range(max(0, first - SCAN_ABOVE), min(n, first + SCAN_BELOW + 1))


def title_features(
    page: PageLines,
    rows: list[list[float]],
    scores: list[float],
    first: int,
    *,
    threshold: float,
    feature_index: dict[str, int],
    site: str | None = None,
) -> tuple[list[int], np.ndarray]:
    """Candidate line indices and one feature row per candidate (ordered as :data:`TITLE_FEATURES`)."""
    n = len(page.texts)
    if not n:
        return [], np.zeros((0, len(TITLE_FEATURES)))
    first = min(first, n - 1)
    window = candidates(n, first)
    body_lines: list[str] = []
    for j in range(first, n):
        if scores[j] > threshold:
            body_lines.append(page.keys[j])
            if len(body_lines) == BODY_LINES:
                break
    body_words = word_set(" ".join(body_lines))
    site_stem = ""
    if site:
        parts = site.lower().split(".")
        site_stem = max(parts[:-1] or parts, key=len)
    keys = [page.keys[i] for i in window]
    # a candidate is "in another line" when the window's keys hold it more often than
    # the lines equal to it account for (a key holds no newline, so no match spans two)
    joined_keys = "\n".join(keys)
    equal = Counter(keys)
    # the row features of the window's lines only (column[name][i - window.start])
    rows = np.asarray(rows)[window.start : window.stop]
    column = {name: rows[:, feature_index[name]].tolist() for name in _ROW_FEATURES}
    at = window.start
    first_indent = page.indents[first]
    idx: list[int] = []
    out: list[list[float]] = []
    seen_candidate = False
    # per-line facts, each computed once (candidates look at their neighbours)
    lo, hi = max(0, window.start - 3), min(n, window.stop + 4)
    stripped = {i: strip_title(page.texts[i]) for i in range(lo, hi)}
    is_byline = [_BYLINE.match(stripped[i]) is not None for i in range(lo, hi)]  # at i - lo
    is_date = [_DATEISH.match(stripped[i]) is not None for i in range(lo, hi)]
    word_counts = {i: len(stripped[i].split()) for i in window}
    like: dict[int, tuple[bool, int]] = {}
    title_like_after = 0
    for i in reversed(window):
        is_like = _title_like(stripped[i], word_counts[i], byline_or_date=is_byline[i - lo] or is_date[i - lo])
        like[i] = (is_like, title_like_after if i < first else 0)
        if is_like and i < first:
            title_like_after += 1
    for i in window:
        text = page.texts[i]
        body = stripped[i]
        nw = word_counts[i]
        if not 1 <= nw <= MAX_WORDS or len(body) > MAX_CHARS or not any(map(str.isalpha, body)):
            continue
        key = page.keys[i]
        cased = _WORD.findall(body)
        nt = len(cased) or 1
        content = [w for w in map(str.lower, cased) if len(w) > 2 and w not in STOPWORDS]
        hits = sum(w.encode("utf-8", "surrogatepass") in body_words for w in content)
        dist = first - i
        is_like, between = like[i]
        # bools and ints as they are: the array below makes them floats (speed: no float() calls)
        feats = [
            1.0,
            math.log1p(max(dist, 0)),
            dist < 0,
            dist == 0,
            nw == 1,
            2 <= nw <= 3,
            4 <= nw <= 8,
            9 <= nw <= 15,
            nw >= 16,
            body.endswith((".", ":", ",", ";")) and not body.endswith("..."),
            body.endswith(("?", "!")),
            sum(map(str.istitle, cased)) / nt,
            sum(map(str.isupper, cased)) / nt,
            sum(map(str.isdigit, cased)) / nt,
            column["bullet"][i - at],
            text.startswith("#"),
            column["chrome"][i - at],
            column["urlish"][i - at],
            column["site_pages"][i - at],
            column["corpus_sites"][i - at],
            column["dup_in_page"][i - at],
            joined_keys.count(key) > equal[key] if len(key) >= 8 else 0,
            column["separators"][i - at],
            hits / len(content) if content else 0.0,
            math.log1p(hits),
            max(min(scores[i], 5.0), -5.0) / 5.0,
            scores[i] > threshold,
            page.blank_before[i],
            page.blank_after[i],
            page.indents[i] <= first_indent,
            any(is_byline[i + 1 - lo : i + 5 - lo]),  # the next four lines
            any(is_date[i + 1 - lo : i + 5 - lo]),
            any(is_date[max(0, i - 3) - lo : i - lo]),  # the three lines above
            math.log1p(between) if is_like else 3.0,
            bool(site_stem) and len(site_stem) >= 4 and site_stem in key.replace(" ", ""),
            is_like and not seen_candidate and dist >= 0,
        ]
        if is_like and dist >= 0:
            seen_candidate = True
        idx.append(i)
        out.append(feats)
    return idx, np.array(out, dtype=float).reshape(-1, len(TITLE_FEATURES))
