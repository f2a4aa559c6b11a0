"""Line features for text-mode cleaning, shared by the runtime and the fitting script.

A page copied out of a browser is a list of lines; each line gets a feature
vector built from what the line says (length, stop words, sentence punctuation,
capitalisation, links, chrome phrases), where it sits (indentation against the
page's dominant paragraph indentation, position, list bullets), its neighbours,
and what the corpus knows (how many other sites/pages carry the same line).
Kept free of heavy imports: this runs at hundreds of pages per second.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself said says
    one two new last first year years people like get may many much even still since""".split()
)

#: words and phrases that mark page chrome rather than article prose; written by hand
#: from the kinds of chrome the issue lists (menus, cookie notices, related lists,
#: share and comment prompts, photo credits, ads), checked on lines the dev gold drops.
CHROME_WORDS = frozenset(
    """cookie cookies subscribe subscribers subscription subscriptions newsletter newsletters
    login logout signup share shares sharing tweet pinterest facebook linkedin whatsapp
    instagram youtube tiktok reddit comment comments reply replies advertisement advertising
    advertise sponsored sponsor menu navigation search trending recommended copyright
    print email e-mail rss podcast podcasts app apps download register account password
    careers contact privacy terms sitemap homepage home loading javascript browser
    getty shutterstock reuters/ap ap/ tags tagged filed categories category archive archives
    previous next more related popular""".split()
)
CHROME_PHRASES = re.compile(
    r"privacy (policy|settings|notice)|terms (of|and) (use|service|conditions)|"
    r"all rights reserved|sign (up|in)|log in|create (an )?account|share (this|on|via)|"
    r"follow us|leave a (reply|comment)|related (stories|articles|posts|content|topics)|"
    r"read (more|next|also)|more from|most (popular|read|viewed)|skip to|back to top|"
    r"click here|image (credit|source)|photo(graph)?:|photo by|credit:|contact us|about us|"
    r"download (the|our) app|manage preferences|you might also like|see all|view all|"
    r"show more|load more|continue reading|filed under|posted in|don't miss|"
    r"sign up for|in this article|table of contents"
)
_URLISH = re.compile(r"https?://|www\.|\b[\w.+-]+@[\w-]+\.[\w.]+|\.com\b|@\w", re.I)
_WORD = re.compile(r"\w+")
_BULLET = ("* ", "+ ", "- ", "• ", "# ", "o ", "· ", "› ", "» ")
_SENT_END = (".", "!", "?", '"', "”", "’", "'", ".)", ":")
_STRIP = ".,;:!?\"'()[]“”‘’«»-–—"
#: lines with at least this many words and a sentence end count as prose when finding
#: the page's dominant paragraph indentation; chosen by eye on dev pages.
PROSE_WORDS = 10

#: characters and tokens of a line that the ratio features look at (speed).
SAMPLE_CHARS = 120
SAMPLE_TOKENS = 16
#: longer lines are prose whatever phrases they contain; the chrome regex skips them.
CHROME_MAX_WORDS = 25

FEATURES = (
    "bias_page",
    "log_words",
    "w_le2",
    "w_3_5",
    "w_6_12",
    "w_13_30",
    "w_gt30",
    "sent_end",
    "colon_end",
    "stop_ratio",
    "alpha_ratio",
    "digit_ratio",
    "title_ratio",
    "upper_ratio",
    "bullet",
    "indent_dom",
    "indent_less",
    "indent_more",
    "indent_diff",
    "pos",
    "before_main",
    "after_main",
    "chrome",
    "chrome_short",
    "urlish",
    "separators",
    "dup_in_page",
    "corpus_sites",
    "site_pages",
    "copyright",
    "byline",
    "dateish",
    "blank_before",
    "blank_after",
    "prev_words",
    "next_words",
    "prev_sent",
    "next_sent",
    "prev_dom",
    "next_dom",
    "prose_window",
    "end_marker",
    "after_end_marker",
    "comment_meta",
)
_DATEISH = re.compile(
    r"^(updated|published|posted|first published|last (updated|modified))?:?\s*"
    r"((mon|tues|wednes|thurs|fri|satur|sun)day,? )?"
    r"(\d{1,2}[:.]\d{2}\s*(a\.?m\.?|p\.?m\.?)?,?\s*)?"
    r"((jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|"
    r"\d{1,2} (jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}/\d{1,2}/\d{2,4})",
    re.I,
)
#: short lines that open what follows an article: comments, related lists, tags, author
#: boxes (written by hand from the kinds of chrome the dev gold drops after the body).
_END_MARKER = re.compile(
    r"^(\d+\s+)?(comments?|responses?|replies|discussion|leave a (reply|comment)|post a comment|"
    r"join the (conversation|discussion)|related( (posts|articles|stories|content|reading|topics))?|"
    r"you (may|might) also (like|enjoy)|more (stories|from .*|articles|to read|like this)|recommended( for you)?|"
    r"read next|read more (on|from) .*|popular( posts| now)?|trending( now)?|about the author|tags?|topics|"
    r"share( this)?( article| post| story)?|sign up for .*|subscribe to .*|further reading|see also)\W*$",
    re.I,
)
#: comment and listing metadata: "March 6, 2023 at 8:55 am", "Reply", "John says:".
_COMMENT_META = re.compile(r"\bat \d{1,2}:\d{2}\s*(am|pm)\b|^reply$|^\S+( \S+)? says:?$|^(log in|login) to reply", re.I)
_BYLINE = re.compile(r"^(by|written by|author:|words by|von|par|por)\s+\S", re.I)


def normalize(line: str) -> str:
    """Whitespace-collapsed, bullet-free, lower-case line: the key for repetition counts."""
    text = line.strip()
    if text[:2] in _BULLET:
        text = text[2:]
    return " ".join(text.lower().split())


@dataclass
class PageLines:
    """The non-blank lines of a page with what the features need."""

    texts: list[str]  # stripped, bullet kept
    indents: list[int]
    blank_before: list[bool]
    blank_after: list[bool]
    keys: list[str]


def split_lines(page: str) -> PageLines:
    texts: list[str] = []
    indents: list[int] = []
    blank_before: list[bool] = []
    blank_after: list[bool] = []
    previous_blank = True
    for raw in page.splitlines():
        stripped = raw.strip()
        if not stripped or stripped in ("*", "+", "-", "•"):
            if blank_after:
                blank_after[-1] = True
            previous_blank = True
            continue
        expanded = raw.replace("\t", "    ")
        texts.append(stripped)
        indents.append(len(expanded) - len(expanded.lstrip()))
        blank_before.append(previous_blank)
        blank_after.append(False)
        previous_blank = False
    if blank_after:
        blank_after[-1] = True
    keys = [normalize(t) for t in texts]
    return PageLines(texts, indents, blank_before, blank_after, keys)


def line_features(
    page: PageLines,
    *,
    corpus_sites: list[int] | None = None,
    site_pages: list[int] | None = None,
) -> np.ndarray:
    """One feature row (ordered as :data:`FEATURES`) per line of ``page``.

    ``corpus_sites[i]``: other sites whose pages carry line i; ``site_pages[i]``:
    other pages of the same site that carry it (both from a BoilerplateModel).
    Per-line counts are gathered in one Python pass; the features are then
    computed column-wise with numpy (speed: hundreds of pages per second).
    """
    n = len(page.texts)
    if not n:
        return np.zeros((0, len(FEATURES)))
    key_counts: dict[str, int] = {}
    for key in page.keys:
        key_counts[key] = key_counts.get(key, 0) + 1
    prims = []
    for text, key in zip(page.texts, page.keys, strict=True):
        bullet = text[:2] in _BULLET
        body = text[2:] if bullet else text
        nw = body.count(" ") + 1
        # ratios are estimated on the head of the line with C-level counting: exact
        # enough, and the cost stays flat on long paragraphs
        sample = body[:SAMPLE_CHARS]
        low = sample.lower()
        cased = _WORD.findall(sample)
        words = list(map(str.lower, cased))
        digits = sum(map(str.isdigit, cased))
        short = nw <= CHROME_MAX_WORDS
        prims.append(
            (
                nw,
                body.endswith(_SENT_END) and not body.endswith(":"),
                body.endswith(":"),
                len(words) or 1,
                sum(map(STOPWORDS.__contains__, words)),
                sum(map(len, cased)),
                digits,
                len(sample) or 1,
                sum(map(str.istitle, cased)),
                sum(map(str.isupper, cased)),
                bullet,
                short and (not CHROME_WORDS.isdisjoint(words) or CHROME_PHRASES.search(low) is not None),
                ("@" in sample or "http" in sample or "www." in sample or ".com" in sample)
                and _URLISH.search(sample) is not None,
                "|" in body or "·" in body or " / " in body,
                key_counts[key] > 1,
                "©" in sample or "(c)" in low,
                nw <= 8 and _BYLINE.match(body) is not None,
                nw <= 12 and _DATEISH.match(body) is not None,
                nw <= 8 and _END_MARKER.match(body) is not None,
                nw <= 12 and _COMMENT_META.search(body) is not None,
            )
        )
    a = np.array(prims, dtype=float)
    nw, sent, colon, nh, stop, alpha, digits, nchar = (a[:, j] for j in range(8))
    titled, upper, bullet, chrome, urlish, seps, dup, copyright, byline, dateish, end_marker, comment_meta = (
        a[:, j] for j in range(8, 20)
    )
    indents = np.array(page.indents, dtype=float)
    is_prose = (nw >= PROSE_WORDS) & (sent > 0) & (bullet == 0)
    if is_prose.any():
        values, inverse = np.unique(indents[is_prose], return_inverse=True)
        totals = np.bincount(inverse, weights=nw[is_prose])
        dominant = values[int(np.argmax(totals))]  # ties: the smaller indent (np.unique sorts)
    else:
        dominant = indents[int(np.argmax(nw))]
    prose = is_prose & (indents == dominant)
    where = np.flatnonzero(prose)
    first_main, last_main = (where[0], where[-1]) if len(where) else (0, n - 1)
    # everything after the first end marker with most of the page's prose above it (a
    # share bar under the standfirst is no end of the article)
    prose_words = np.cumsum(np.where(is_prose, nw, 0.0))
    ends = np.flatnonzero((end_marker > 0) & (prose_words >= prose_words[-1] / 2) & (prose_words > 0))
    after_end = np.arange(n) > ends[0] if len(ends) else np.zeros(n, dtype=bool)
    position = np.arange(n)
    prefix = np.concatenate(([0.0], np.cumsum(prose)))
    lo, hi = np.maximum(position - 2, 0), np.minimum(position + 3, n)
    log_words = np.log1p(nw)
    on_dom = (indents == dominant).astype(float)

    def shift(column: np.ndarray, by: int) -> np.ndarray:
        out = np.zeros(n)
        if by > 0:
            out[by:] = column[:-by]
        else:
            out[:by] = column[-by:]
        return out

    zeros = np.zeros(n)
    columns = [
        np.ones(n),
        log_words,
        nw <= 2,
        (nw >= 3) & (nw <= 5),
        (nw >= 6) & (nw <= 12),
        (nw >= 13) & (nw <= 30),
        nw > 30,
        sent,
        colon,
        stop / nh,
        alpha / nchar,
        digits / nh,
        np.minimum(titled / nh, 1.0),
        np.minimum(upper / nh, 1.0),
        bullet,
        on_dom,
        indents < dominant,
        indents > dominant,
        np.minimum(np.abs(indents - dominant), 24) / 8.0,
        position / n,
        position < first_main,
        position > last_main,
        chrome,
        chrome * (nw <= 12),
        urlish,
        seps,
        dup,
        np.log1p(np.asarray(corpus_sites, dtype=float)) if corpus_sites else zeros,
        np.log1p(np.asarray(site_pages, dtype=float)) if site_pages else zeros,
        copyright,
        byline,
        dateish,
        np.asarray(page.blank_before, dtype=float),
        np.asarray(page.blank_after, dtype=float),
        shift(log_words, 1),
        shift(log_words, -1),
        shift(sent, 1),
        shift(sent, -1),
        shift(on_dom, 1),
        shift(on_dom, -1),
        (prefix[hi] - prefix[lo]) / (hi - lo),
        end_marker,
        after_end,
        comment_meta,
    ]
    return np.column_stack(columns).astype(float)


#: second-stage inputs: a line's first-stage score and its neighbours' (the article
#: is a run of lines; a lone "good" line among chrome is usually chrome).
CONTEXT_FEATURES = (
    "bias",
    "s0",
    "s_prev1",
    "s_next1",
    "s_prev2",
    "s_next2",
    "s_win5_mean",
    "s_win11_mean",
    "inside_run",
    "before_run",
    "after_run",
)


def context_features(scores: list[float] | np.ndarray) -> np.ndarray:
    """Second-stage features from first-stage log-odds ``scores``."""
    s = np.asarray(scores, dtype=float)
    n = len(s)
    if not n:
        return np.zeros((0, len(CONTEXT_FEATURES)))
    # the best-scoring contiguous run of lines (maximum subarray of log-odds)
    best, best_lo, best_hi, run, run_lo = -math.inf, 0, 0, 0.0, 0
    for i, value in enumerate(s.tolist()):
        if run <= 0:
            run, run_lo = value, i
        else:
            run += value
        if run > best:
            best, best_lo, best_hi = run, run_lo, i
    prefix = np.concatenate(([0.0], np.cumsum(s)))
    position = np.arange(n)

    def window(k: int) -> np.ndarray:
        lo, hi = np.maximum(position - k, 0), np.minimum(position + k + 1, n)
        return (prefix[hi] - prefix[lo]) / (hi - lo)

    def shift(by: int) -> np.ndarray:
        out = np.full(n, -3.0)  # beyond the page edge: as if chrome
        if by > 0:
            out[by:] = s[:-by]
        else:
            out[:by] = s[-by:]
        return out

    return np.column_stack(
        [
            np.ones(n),
            s,
            shift(1),
            shift(-1),
            shift(2),
            shift(-2),
            window(2),
            window(5),
            (position >= best_lo) & (position <= best_hi),
            position < best_lo,
            position > best_hi,
        ]
    ).astype(float)


def dot(weights: list[float], rows: list[list[float]]) -> list[float]:
    """Log-odds of each row under a linear model (bias is the first feature)."""
    return [sum(w * x for w, x in zip(weights, row, strict=True)) for row in rows]
