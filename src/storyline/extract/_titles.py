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
from itertools import compress, islice, repeat
from operator import gt, methodcaller

import numpy as np

from ._lines import _BYLINE, _DATEISH, _NOT_BYLINE, _NOT_DATEISH, STOPWORDS, PageLines, word_set
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


#: the list bullets and heading mark a headline line may open with
_TITLE_MARKS = ("* ", "+ ", "- ", "• ", "# ", "o ", "· ", "› ", "» ")


def strip_title(text: str) -> str:
    """The line without list bullets or heading marks."""
    body = text.strip()
    if body[:2] in _TITLE_MARKS:
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
    # the first BODY_LINES lines kept from the body start on (C-level iterators: speed)
    kept = compress(islice(page.keys, first, None), map(gt, islice(scores, first, None), repeat(threshold)))
    body_words = word_set(" ".join(islice(kept, BODY_LINES)))
    site_stem = ""
    if site:
        parts = site.lower().split(".")
        site_stem = max(parts[:-1] or parts, key=len)
    # one row per candidate (C order, as an array of the rows would be: the ranker's
    # dot products then sum in the same order), the first len(idx) rows of x
    x = np.empty((len(window), len(TITLE_FEATURES)))
    idx = candidate_rows(page, scores, window, first, threshold, body_words, site_stem, x)
    if not idx:
        return [], np.zeros((0, len(TITLE_FEATURES)))
    x = x[: len(idx)]
    x[:, _FROM_ROWS] = np.asarray(rows)[np.array(idx)[:, None], [feature_index[name] for name in _ROW_FEATURES]]
    return idx, x


def _candidate_rows_reference(
    page: PageLines,
    scores: list[float],
    window: range,
    first: int,
    threshold: float,
    body_words: set[bytes],
    site_stem: str,
    out: np.ndarray,
) -> list[int]:
    """The candidates of ``window`` (line indices) and, in the first rows of ``out``, their
    features but the line classifier's (:data:`_ROW_FEATURES`): the reference of the
    compiled loop. ``body_words``: the body's words (:func:`word_set`)."""
    n = len(page.texts)
    at, stop = window.start, window.stop
    # per-line facts of the window and the lines around it, each computed once
    # (candidates look at their neighbours), at i - lo
    lo, hi = max(0, at - 3), min(n, stop + 4)
    stripped = list(map(strip_title, page.texts[lo:hi]))
    # the anchored patterns run only on lines opening with a letter they allow (speed)
    is_byline = [s[:1] not in _NOT_BYLINE and _BYLINE.match(s) is not None for s in stripped]
    is_date = [s[:1] not in _NOT_DATEISH and _DATEISH.match(s) is not None for s in stripped]
    word_counts = [len(s.split()) for s in stripped[at - lo : stop - lo]]  # at i - at
    like = [False] * len(window)
    between = [0] * len(window)
    title_like_after = 0
    for i in reversed(window):
        is_like = _title_like(stripped[i - lo], word_counts[i - at], byline_or_date=is_byline[i - lo] or is_date[i - lo])
        like[i - at] = is_like
        if i < first:
            between[i - at] = title_like_after
            title_like_after += is_like
    idx = [
        i
        for i in window
        if 1 <= word_counts[i - at] <= MAX_WORDS
        and len(stripped[i - lo]) <= MAX_CHARS
        and any(map(str.isalpha, stripped[i - lo]))
    ]
    if not idx:
        return []
    keys = page.keys[at:stop]
    # a candidate is "in another line" when the window's keys hold it more often than
    # the lines equal to it account for (a key holds no newline, so no match spans two)
    joined_keys = "\n".join(keys)
    equal = Counter(keys)
    # what needs the candidate's words, per candidate; the rest column-wise below
    said = []
    for i in idx:
        body = stripped[i - lo]
        key = keys[i - at]
        words, titled, upper, digits, content, hits = _word_counts(body, body_words)
        words = words or 1
        is_like = like[i - at]
        said.append(
            (
                body.endswith((".", ":", ",", ";")) and not body.endswith("..."),
                body.endswith(("?", "!")),
                titled / words,
                upper / words,
                digits / words,
                page.texts[i].startswith("#"),
                joined_keys.count(key) > equal[key] if len(key) >= 8 else 0,
                hits / content if content else 0.0,
                math.log1p(hits),
                math.log1p(between[i - at]) if is_like else 3.0,
                bool(site_stem) and len(site_stem) >= 4 and site_stem in key.replace(" ", ""),
            )
        )
    x = out[: len(idx)]
    x[:, _SAID] = said
    at_window = np.array(idx) - at
    dist = first - np.array(idx)
    nw = np.array(word_counts)[at_window]
    x[:, _T["bias"]] = 1.0
    x[:, _T["above_log"]] = [_LOG1P[d] if d > 0 else 0.0 for d in dist.tolist()]  # math.log1p's values
    x[:, _T["below"]] = dist < 0
    x[:, _T["at_first"]] = dist == 0
    x[:, _T["w1"]] = nw == 1
    x[:, _T["w2_3"]] = (nw >= 2) & (nw <= 3)
    x[:, _T["w4_8"]] = (nw >= 4) & (nw <= 8)
    x[:, _T["w9_15"]] = (nw >= 9) & (nw <= 15)
    x[:, _T["w16_30"]] = nw >= 16
    cand_scores = np.array([scores[i] for i in idx])
    x[:, _T["score"]] = np.maximum(np.minimum(cand_scores, 5.0), -5.0) / 5.0
    x[:, _T["kept"]] = cand_scores > threshold
    x[:, _T["blank_before"]] = [page.blank_before[i] for i in idx]
    x[:, _T["blank_after"]] = [page.blank_after[i] for i in idx]
    first_indent = page.indents[first]
    x[:, _T["indent_le_first"]] = [page.indents[i] <= first_indent for i in idx]
    # bylines / datelines among the next four lines, datelines among the three above
    bylines = np.concatenate(([0], np.cumsum(is_byline)))
    dates = np.concatenate(([0], np.cumsum(is_date)))
    near = np.array(idx) - lo
    x[:, _T["byline_after"]] = bylines[np.minimum(near + 5, hi - lo)] > bylines[near + 1]
    x[:, _T["date_after"]] = dates[np.minimum(near + 5, hi - lo)] > dates[near + 1]
    x[:, _T["date_before"]] = dates[near] > dates[np.maximum(near - 3, 0)]
    # the first title-like candidate at or below the body start
    x[:, _T["first_candidate"]] = 0.0
    firsts = [j for j, i in enumerate(idx) if like[i - at] and i <= first]
    if firsts:
        x[firsts[0], _T["first_candidate"]] = 1.0
    return idx


#: each feature's column in title_features' array
_T = {name: k for k, name in enumerate(TITLE_FEATURES)}
#: the columns of the per-candidate tuple of title_features, in its order
_SAID = [
    _T[name]
    for name in (
        "end_punct", "end_question", "title_ratio", "upper_ratio", "digit_ratio", "hash", "in_other_line",
        "overlap", "overlap_words", "title_like_between", "names_site",
    )
]  # fmt: skip
_FROM_ROWS = [_T[name] for name in _ROW_FEATURES]
#: math.log1p of every distance above the body start a candidate can have
_LOG1P = [math.log1p(d) for d in range(SCAN_ABOVE + 1)]
_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")  # as word_set encodes


def _word_counts(body: str, known: set[bytes]) -> tuple[int, int, int, int, int, int]:
    """(words, title-case words, upper-case words, digit words, content words, content
    words in ``known``) of a candidate line's ``\\w+`` words; a content word has more than
    two characters and is no stop word (lower-cased, UTF-8 encoded for ``known``)."""
    cased = _WORD.findall(body)
    content = [w for w in map(str.lower, cased) if len(w) > 2 and w not in STOPWORDS]
    return (
        len(cased),
        sum(map(str.istitle, cased)),
        sum(map(str.isupper, cased)),
        sum(map(str.isdigit, cased)),
        len(content),
        sum(map(known.__contains__, map(_ENCODE, content))),  # C-level maps (speed)
    )


try:
    from .._speedups import candidate_rows as _compiled_candidate_rows  # type: ignore
except ImportError:  # built without a C compiler: the reference runs (the same rows)
    candidate_rows = _candidate_rows_reference
else:
    _STOP_BYTES = frozenset(word.encode("ascii") for word in STOPWORDS)
    #: the columns the compiled loop fills, in the order it writes them
    _COMPILED_COLUMNS = tuple(
        _T[name]
        for name in (
            "bias", "above_log", "below", "at_first", "w1", "w2_3", "w4_8", "w9_15", "w16_30", "end_punct",
            "end_question", "title_ratio", "upper_ratio", "digit_ratio", "hash", "in_other_line", "overlap",
            "overlap_words", "score", "kept", "blank_before", "blank_after", "indent_le_first", "byline_after",
            "date_after", "date_before", "title_like_between", "names_site", "first_candidate",
        )
    )  # fmt: skip
    #: what the compiled loop reads besides the page: the rules of strip_title, _title_like and
    #: the candidates' word counts (where a line is not ASCII, _word_counts' own)
    _RULES = (
        _TITLE_MARKS, _BYLINE.match, _NOT_BYLINE, _DATEISH.match, _NOT_DATEISH, _STOP_BYTES, _word_counts,
        MAX_WORDS, MAX_CHARS, _COMPILED_COLUMNS,
    )  # fmt: skip

    def candidate_rows(
        page: PageLines,
        scores: list[float],
        window: range,
        first: int,
        threshold: float,
        body_words: set[bytes],
        site_stem: str,
        out: np.ndarray,
    ) -> list[int]:
        """:func:`_candidate_rows_reference` in C."""
        return _compiled_candidate_rows(
            page.texts, page.keys, page.blank_before, page.blank_after, page.indents, scores,
            window.start, window.stop, first, threshold, body_words, site_stem, out, _RULES,
        )  # fmt: skip
