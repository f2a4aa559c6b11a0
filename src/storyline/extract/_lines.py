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
) -> list[list[float]]:
    """One feature vector (ordered as :data:`FEATURES`) per line of ``page``.

    ``corpus_sites[i]``: other sites whose pages carry line i; ``site_pages[i]``:
    other pages of the same site that carry it (both from a BoilerplateModel).
    """
    n = len(page.texts)
    if not n:
        return []
    words_per_line: list[int] = []
    sent: list[bool] = []
    local: list[list[float]] = []
    key_counts: dict[str, int] = {}
    for key in page.keys:
        key_counts[key] = key_counts.get(key, 0) + 1
    prose_indent_words: dict[int, int] = {}
    for text, indent in zip(page.texts, page.indents, strict=True):
        body = text[2:] if text[:2] in _BULLET else text
        tokens = body.split()
        nw = len(tokens)
        words_per_line.append(nw)
        ends = body.endswith(_SENT_END) and not body.endswith(":")
        sent.append(ends)
        if nw >= PROSE_WORDS and ends and text[:2] not in _BULLET:
            prose_indent_words[indent] = prose_indent_words.get(indent, 0) + nw
    if prose_indent_words:
        dominant = max(prose_indent_words.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    else:
        dominant = page.indents[max(range(n), key=lambda i: words_per_line[i])]
    prose = [
        words_per_line[i] >= PROSE_WORDS and sent[i] and page.indents[i] == dominant for i in range(n)
    ]
    first_main = next((i for i in range(n) if prose[i]), 0)
    last_main = next((i for i in range(n - 1, -1, -1) if prose[i]), n - 1)
    # prose density in a window of 5 lines around each line (prefix sums)
    prefix = [0]
    for flag in prose:
        prefix.append(prefix[-1] + flag)
    for i, text in enumerate(page.texts):
        bullet = text[:2] in _BULLET
        body = text[2:] if bullet else text
        tokens = body.split()
        nw = words_per_line[i]
        # ratios are estimated on the head of the line: exact enough, and the cost
        # stays flat on long paragraphs
        sample = body[:SAMPLE_CHARS]
        nchar = max(len(sample), 1)
        alpha = sum(map(str.isalpha, sample))
        digits = sum(map(str.isdigit, sample))
        head = tokens[:SAMPLE_TOKENS]
        nh = len(head) or 1
        stop = sum(1 for t in head if t.strip(_STRIP).lower() in STOPWORDS)
        titled = sum(1 for t in head if t[:1].isupper())
        upper = sum(1 for t in head if len(t) > 1 and t.isupper())
        short = nw <= 12
        chrome = nw <= CHROME_MAX_WORDS and (
            not CHROME_WORDS.isdisjoint(t.strip(_STRIP).lower() for t in head)
            or CHROME_PHRASES.search(sample.lower()) is not None
        )
        indent = page.indents[i]
        lo, hi = max(0, i - 2), min(n, i + 3)
        local.append(
            [
                1.0,
                math.log1p(nw),
                float(nw <= 2),
                float(3 <= nw <= 5),
                float(6 <= nw <= 12),
                float(13 <= nw <= 30),
                float(nw > 30),
                float(sent[i]),
                float(body.endswith(":")),
                stop / nh,
                alpha / nchar,
                digits / nchar,
                titled / nh,
                upper / nh,
                float(bullet),
                float(indent == dominant),
                float(indent < dominant),
                float(indent > dominant),
                min(abs(indent - dominant), 24) / 8.0,
                i / n,
                float(i < first_main),
                float(i > last_main),
                float(chrome),
                float(chrome and short),
                float(bool(_URLISH.search(body))),
                float(body.count("|") + body.count("·") + body.count(" / ") >= 1),
                float(key_counts[page.keys[i]] > 1),
                math.log1p(corpus_sites[i]) if corpus_sites else 0.0,
                math.log1p(site_pages[i]) if site_pages else 0.0,
                float("©" in body or "(c)" in body.lower()),
                float(nw <= 8 and bool(_BYLINE.match(body))),
                float(nw <= 12 and bool(_DATEISH.match(body))),
                float(page.blank_before[i]),
                float(page.blank_after[i]),
                math.log1p(words_per_line[i - 1]) if i else 0.0,
                math.log1p(words_per_line[i + 1]) if i + 1 < n else 0.0,
                float(sent[i - 1]) if i else 0.0,
                float(sent[i + 1]) if i + 1 < n else 0.0,
                float(page.indents[i - 1] == dominant) if i else 0.0,
                float(page.indents[i + 1] == dominant) if i + 1 < n else 0.0,
                (prefix[hi] - prefix[lo]) / (hi - lo),
            ]
        )
    return local


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


def context_features(scores: list[float]) -> list[list[float]]:
    """Second-stage features from first-stage log-odds ``scores``."""
    n = len(scores)
    if not n:
        return []
    prefix = [0.0]
    for s in scores:
        prefix.append(prefix[-1] + s)
    # the best-scoring contiguous run of lines (maximum subarray of log-odds)
    best, best_lo, best_hi, run, run_lo = -math.inf, 0, 0, 0.0, 0
    for i, s in enumerate(scores):
        if run <= 0:
            run, run_lo = s, i
        else:
            run += s
        if run > best:
            best, best_lo, best_hi = run, run_lo, i
    out = []
    for i, s in enumerate(scores):
        lo5, hi5 = max(0, i - 2), min(n, i + 3)
        lo11, hi11 = max(0, i - 5), min(n, i + 6)
        out.append(
            [
                1.0,
                s,
                scores[i - 1] if i else -3.0,
                scores[i + 1] if i + 1 < n else -3.0,
                scores[i - 2] if i > 1 else -3.0,
                scores[i + 2] if i + 2 < n else -3.0,
                (prefix[hi5] - prefix[lo5]) / (hi5 - lo5),
                (prefix[hi11] - prefix[lo11]) / (hi11 - lo11),
                float(best_lo <= i <= best_hi),
                float(i < best_lo),
                float(i > best_hi),
            ]
        )
    return out


def dot(weights: list[float], rows: list[list[float]]) -> list[float]:
    """Log-odds of each row under a linear model (bias is the first feature)."""
    return [sum(w * x for w, x in zip(weights, row, strict=True)) for row in rows]
