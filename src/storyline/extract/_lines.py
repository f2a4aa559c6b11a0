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
from collections import Counter
from dataclasses import dataclass
from itertools import compress, repeat
from operator import not_

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
_BULLETS = frozenset(_BULLET)  # one hash lookup per line
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
    "after_comments",
    "comments_near",
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
#: comment and listing metadata: "March 6, 2023 at 8:55 am", "December 18, 2025, 10:00 pm",
#: "Reply", "John says:", "Cris - Prairie Homestead Team says", "2 days ago".
_COMMENT_META = re.compile(
    r"\bat \d{1,2}:\d{2}\s*(am|pm)\b|\d{4},? \d{1,2}:\d{2}\s*(am|pm)\b|^reply( to (comment|this))?$|"
    r"^\S+( \S+)? says:?$|^[^.!?]{1,40} says:?$|^(log in|login) to reply|^\d+ (minutes?|hours?|days?|weeks?|months?|years?) ago$",
    re.I,
)
_BYLINE = re.compile(r"^(by|written by|author:|words by|von|par|por)\s+\S", re.I)


def normalize(line: str) -> str:
    """Whitespace-collapsed, bullet-free, lower-case line: the key for repetition counts."""
    text = line.strip()
    if text[:2] in _BULLET:
        text = text[2:]
    return " ".join(text.lower().split())


def _containing(lines: list[str], needles: tuple[str, ...]) -> list[int]:
    """Indices of the lines that contain any of ``needles`` (sorted).

    One C-level ``str.find`` scan per needle over the joined lines instead of a test
    per line (speed); a hit skips to the next line. Needles hold no newline.
    """
    if not lines:
        return []
    hits = hit_offsets("\n".join(lines), needles)
    if not hits:
        return []
    starts = np.cumsum([0, *[len(line) + 1 for line in lines[:-1]]])
    return np.unique(np.searchsorted(starts, hits, side="right") - 1).tolist()


#: first characters of needles that are rare in page text (see hit_offsets).
_RARE_OPENINGS = frozenset("{}%=(")


def hit_offsets(joined: str, needles: tuple[str, ...]) -> list[int]:
    """Offsets in ``joined`` (lines joined by newlines) of hits of each needle, at least
    the first on each line that has one (unsorted); needles hold no newline."""
    hits: list[int] = []
    for needle in needles:
        if len(needle) > 1 and needle[0] in _RARE_OPENINGS:
            # a multi-character scan costs ~1 ns a character, a one-character scan a
            # tenth of that: find the rare first character, then check the rest there
            pos = joined.find(needle[0])
            while pos >= 0:
                if joined.startswith(needle, pos):
                    hits.append(pos)
                pos = joined.find(needle[0], pos + 1)
            continue
        pos = joined.find(needle)
        while pos >= 0:
            hits.append(pos)
            end = joined.find("\n", pos)
            if end < 0:
                break
            pos = joined.find(needle, end)
    return hits


def _not_opening(letters: str) -> frozenset[str]:
    """ASCII letters (either case) that a match of a pattern opening with ``letters`` cannot open with."""
    others = set("abcdefghijklmnopqrstuvwxyz") - set(letters)
    return frozenset(others | {c.upper() for c in others})


@dataclass
class PageLines:
    """The non-blank lines of a page with what the features need."""

    texts: list[str]  # stripped, bullet kept
    indents: list[int]
    blank_before: list[bool]
    blank_after: list[bool]
    keys: list[str]
    bodies: list[str]  # the texts without a list bullet


_BLANKISH = frozenset(("", "*", "+", "-", "•"))


def split_lines(page: str) -> PageLines:
    raws = page.splitlines()
    stripped = list(map(str.strip, raws))
    kept = [i for i, s in enumerate(stripped) if s not in _BLANKISH]
    texts = [stripped[i] for i in kept]
    # a line starts with its stripped text unless it is indented; only indented lines
    # (few on most pages) are measured, tabs counting four
    lines = [raws[i] for i in kept]
    indents = [0] * len(lines)
    for j in compress(range(len(lines)), map(not_, map(str.startswith, lines, texts))):
        expanded = lines[j].replace("\t", "    ")
        indents[j] = len(expanded) - len(expanded.lstrip())
    gaps = [b - a > 1 for a, b in zip(kept, kept[1:], strict=False)]
    blank_before = [True, *gaps] if kept else []
    blank_after = [*gaps, True] if kept else []
    bodies = [t[2:] if t[:2] in _BULLETS else t for t in texts]
    # the keys are normalize()'s; whitespace is collapsed only where a line has odd
    # spacing (speed: most lines have none)
    keys = [
        low if low.isprintable() and "  " not in low and low[:1] != " " and low[-1:] != " " else " ".join(low.split())
        for low in map(str.lower, bodies)
    ]
    return PageLines(texts, indents, blank_before, blank_after, keys, bodies)


#: token codes for the one-pass word statistics: 1 stop word, 2 chrome word.
_CODES: dict[str, int] = {}
for _w in STOPWORDS:
    _CODES[_w] = _CODES.get(_w, 0) | 1
for _w in CHROME_WORDS:
    _CODES[_w] = _CODES.get(_w, 0) | 2
#: line endings of a sentence ("." "!" "?", closing quotes, ".)", the CJK full stops and
#: closing brackets); a colon is not one.
_SENTENCE_ENDINGS = (".", "!", "?", '"', "”", "’", "'", ".)", "。", "！", "？", "」", "』")
#: Chinese and Japanese are written without spaces: a run of their characters is one
#: \w+ token however long, so words are estimated as CJK_CHARS_PER_WORD characters each,
#: and the commonest particles and function characters count as stop words (prose has
#: one every few characters, menus and headings few). Korean is spaced and needs neither.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_CHARS_PER_WORD = 2
_CJK_STOP = frozenset("のはをにがでともへやか的了是在和有不这也就都而")
_URL_HINTS = ("@", "http", "www.", ".com")
_SEPARATORS = ("|", "·", " / ")
_COPYRIGHT_HINTS = ("©", "(c)", "(C)")
#: a literal that every alternative of CHROME_PHRASES contains (lower case): lines
#: without any of them cannot match, so the regex runs on the few that have one.
_CHROME_HINTS = (
    "privacy ", "terms ", "all rights reserved", "sign ", "log in", "account", "share ", "follow us",
    "leave a ", "related ", "read ", "more from", "most ", "skip to", "back to top", "click here",
    "image ", "photo", "credit:", "contact us", "about us", "download ", "manage preferences",
    "you might also like", "see all", "view all", "show more", "load more", "continue reading",
    "filed under", "posted in", "don't miss", "in this article", "table of contents",
)  # fmt: skip
#: first characters that rule out a match of each anchored pattern (ASCII letters that
#: none of its alternatives opens with; anything else goes to the regex).
_NOT_BYLINE = _not_opening("bwavp")
_NOT_DATEISH = _not_opening("upflmtwsjaond")
_NOT_END_MARKER = _not_opening("crdlpjymtasf")
#: comment metadata needs a "12:30"-style time, "says", " ago", or opens with Reply / Log in.
_COMMENT_HINTS = (":", "ays", "reply", "log", " ago")


def _flags(n: int, lines: list[int]) -> np.ndarray:
    out = np.zeros(n)
    out[lines] = 1.0
    return out


#: the per-token counts of the word statistics, 8 bits each in one int (see
#: _token_facts), so that the counts of a line are one sum: a line sample of
#: SAMPLE_CHARS characters holds fewer than 256 tokens and word characters.
_FIELDS = ("tokens", "stop", "chrome", "digit", "title", "upper", "chars")
_SHIFT = {name: 8 * i for i, name in enumerate(_FIELDS)}
assert SAMPLE_CHARS < 256
#: a memo of _token_facts by the token's UTF-8 bytes (a pure function of the token):
#: words recur across lines and pages.
_TOKEN_FACTS: dict[bytes, int] = {}
#: the memo is emptied when it grows past this many tokens (bounds memory on a long crawl).
MAX_TOKEN_FACTS = 200_000
#: bytes.translate table for the token split: ASCII word characters and every byte of
#: a non-ASCII character stay, a line break becomes NUL (a token of its own), the rest
#: (ASCII punctuation, spaces, NUL itself) a space.
_WORD_BYTES = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_TOKEN_BYTES = bytes(b if b in _WORD_BYTES or b >= 128 else 0 if b == 10 else 32 for b in range(256))
_LINE_BREAK = b"\0"
_BREAK_FACTS = -1  # no token sums to this


def _token_facts(token: str) -> int:
    """The counts of one ``\\w+`` token, packed as :data:`_FIELDS` says."""
    if not token.isascii():
        cjk = len(CJK.findall(token))
        if cjk:
            # a run of unspaced CJK text: several words (see CJK_CHARS_PER_WORD)
            stops = sum(map(_CJK_STOP.__contains__, token))
            return (
                max(1, round(cjk / CJK_CHARS_PER_WORD))
                | min(stops, 255) << _SHIFT["stop"]
                | token.isdigit() << _SHIFT["digit"]
                | min(len(token), 255) << _SHIFT["chars"]
            )
    code = _CODES.get(token.lower(), 0)
    return (
        1
        | (code & 1) << _SHIFT["stop"]
        | (code & 2) >> 1 << _SHIFT["chrome"]
        | token.isdigit() << _SHIFT["digit"]
        | token.istitle() << _SHIFT["title"]
        | token.isupper() << _SHIFT["upper"]
        | len(token) << _SHIFT["chars"]
    )


def _chunk_facts(chunk: bytes) -> int:
    """The summed counts of the ``\\w+`` tokens of ``chunk`` (a run of ASCII word
    characters and non-ASCII characters: one token when ASCII, else any number)."""
    if chunk == _LINE_BREAK:
        return _BREAK_FACTS
    if chunk.isascii():
        return _token_facts(chunk.decode("ascii"))
    return sum(map(_token_facts, _WORD.findall(chunk.decode("utf-8", "surrogatepass"))))


def word_set(text: str) -> set[bytes]:
    """The ``\\w+`` tokens of ``text`` (which holds no line break), UTF-8 encoded.

    Split like the word statistics (one bytes.translate and split; only chunks with
    non-ASCII characters go through the regex): faster than the regex on all of it.
    """
    chunks = set(text.encode("utf-8", "surrogatepass").translate(_TOKEN_BYTES).split())
    words = {chunk for chunk in chunks if chunk.isascii()}
    for chunk in chunks - words:
        words.update(w.encode("utf-8", "surrogatepass") for w in _WORD.findall(chunk.decode("utf-8", "surrogatepass")))
    return words


def _word_stats(samples: list[str], joined: str | None = None) -> tuple[np.ndarray, ...]:
    """Per-line word counts over the line samples, in one pass over the page.

    Returns (tokens, stop words, word characters, digit tokens, title-case tokens,
    upper-case tokens, has a chrome word), as the per-line loop over ``\\w+`` tokens
    would count them. The page is split into chunks by one bytes.translate and split
    (speed: no regex, no str per token): a chunk is a maximal run of ASCII word
    characters and non-ASCII characters, so its ``\\w+`` tokens are the page's there
    (a non-ASCII chunk, "don’t" or "café", is tokenised by the regex once, in the memo).
    """
    text = ("\n".join(samples) if joined is None else joined).encode("utf-8", "surrogatepass")
    chunks = text.translate(_TOKEN_BYTES).replace(_LINE_BREAK, b" \0 ").split()
    try:
        # most chunks are in the memo (a list then an array: faster than np.fromiter)
        packed = np.array(list(map(_TOKEN_FACTS.__getitem__, chunks)), dtype=np.int64)
    except KeyError:
        if len(_TOKEN_FACTS) > MAX_TOKEN_FACTS:
            _TOKEN_FACTS.clear()
        for chunk in set(chunks) - _TOKEN_FACTS.keys():
            _TOKEN_FACTS[chunk] = _chunk_facts(chunk)
        packed = np.array(list(map(_TOKEN_FACTS.__getitem__, chunks)), dtype=np.int64)
    breaks = np.flatnonzero(packed == _BREAK_FACTS)
    packed[breaks] = 0
    # a line's counts: the sum of its chunks, read off the running sum at the breaks
    total = np.concatenate(([0], np.cumsum(packed)))
    sums = np.diff(total[np.concatenate(([0], breaks, [len(packed)]))])

    def field(name: str) -> np.ndarray:
        return ((sums >> _SHIFT[name]) & 255).astype(float)

    return (
        field("tokens"),
        field("stop"),
        field("chars"),
        field("digit"),
        field("title"),
        field("upper"),
        field("chrome") > 0,
    )


def line_features(
    page: PageLines,
    *,
    corpus_sites: list[int] | None = None,
    site_pages: list[int] | None = None,
) -> np.ndarray:
    """One feature row (ordered as :data:`FEATURES`) per line of ``page``.

    ``corpus_sites[i]``: other sites whose pages carry line i; ``site_pages[i]``:
    other pages of the same site that carry it (both from a BoilerplateModel).
    Every per-line test runs once over the whole page (one regex pass over the
    joined lines, one pass over its words) and the features are computed
    column-wise with numpy (speed: hundreds of pages per second).
    """
    n = len(page.texts)
    if not n:
        return np.zeros((0, len(FEATURES)))
    key_counts = Counter(page.keys)
    bodies = page.bodies
    # per-line tests as C-level maps over the lines (speed: no Python loop per line)
    lengths = np.fromiter(map(len, bodies), float, n)
    bullet = lengths != np.fromiter(map(len, page.texts), float, n)
    nw = np.fromiter(map(str.count, bodies, repeat(" ")), float, n) + 1
    # ratios are estimated on the head of the line (the cost stays flat on long paragraphs)
    samples = [b[:SAMPLE_CHARS] for b in bodies]
    joined_samples = "\n".join(samples)
    if not joined_samples.isascii() and CJK.search(joined_samples):
        nw += np.fromiter((len(CJK.findall(b)) // CJK_CHARS_PER_WORD for b in bodies), float, n)
    nh, stop, alpha, digits, titled, upper, chrome_word = _word_stats(samples, joined_samples)
    nh = np.maximum(nh, 1)
    sample_lengths = np.minimum(lengths, SAMPLE_CHARS)
    nchar = np.maximum(sample_lengths, 1)
    sample_starts = np.concatenate(([0], np.cumsum(sample_lengths[:-1] + 1)))

    def samples_with(needles: tuple[str, ...]) -> list[int]:
        """The lines whose sample holds any of ``needles`` (as _containing(samples, needles))."""
        hits = hit_offsets(joined_samples, needles)
        return np.unique(np.searchsorted(sample_starts, hits, side="right") - 1).tolist() if hits else []

    sent = np.fromiter(map(str.endswith, bodies, repeat(_SENTENCE_ENDINGS)), float, n)
    colon = np.fromiter(map(str.endswith, bodies, repeat(":")), float, n)
    short = nw <= CHROME_MAX_WORDS
    # the phrases matter only on short lines without a chrome word (fewer to scan)
    short_lines = np.flatnonzero(short & ~chrome_word).tolist()
    lows = [samples[i].lower() for i in short_lines]
    phrases = [short_lines[j] for j in _containing(lows, _CHROME_HINTS) if CHROME_PHRASES.search(lows[j])]
    chrome = short & (chrome_word | (_flags(n, phrases) > 0))
    urlish = _flags(n, [i for i in samples_with(_URL_HINTS) if _URLISH.search(samples[i])])
    seps = _flags(n, _containing(bodies, _SEPARATORS))
    dup = np.fromiter(map(key_counts.__getitem__, page.keys), float, n) > 1
    copyright = _flags(n, samples_with(_COPYRIGHT_HINTS))
    # the anchored patterns run only on short lines that open with a letter they allow
    upto12 = np.flatnonzero(nw <= 12).tolist()
    upto8 = np.flatnonzero(nw <= 8).tolist()
    dateish = _flags(n, [i for i in upto12 if bodies[i][0] not in _NOT_DATEISH and _DATEISH.match(bodies[i])])
    lows12 = [bodies[i].lower() for i in upto12]
    comment_meta = _flags(
        n, [upto12[j] for j in _containing(lows12, _COMMENT_HINTS) if _COMMENT_META.search(bodies[upto12[j]])]
    )
    byline = _flags(n, [i for i in upto8 if bodies[i][0] not in _NOT_BYLINE and _BYLINE.match(bodies[i])])
    end_marker = _flags(n, [i for i in upto8 if bodies[i][0] not in _NOT_END_MARKER and _END_MARKER.match(bodies[i])])
    sent, colon, bullet = sent.astype(float), colon.astype(float), bullet.astype(float)
    chrome, dup = chrome.astype(float), dup.astype(float)
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
    # a comment section: from the first comment-metadata line below some prose that has
    # another one at or after it ("Jane says:" ... "March 6 at 8:55 am" ... "Reply")
    position = np.arange(n)
    metas = np.flatnonzero(comment_meta)
    opens = metas[:-1][prose_words[metas[:-1]] > 0]
    after_comments = position >= opens[0] if len(opens) else np.zeros(n, dtype=bool)
    meta_prefix = np.concatenate(([0.0], np.cumsum(comment_meta)))
    near_lo, near_hi = np.maximum(position - 5, 0), np.minimum(position + 6, n)
    comments_near = np.minimum(meta_prefix[near_hi] - meta_prefix[near_lo], 3.0) / 3.0
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
        after_comments,
        comments_near,
    ]
    # one feature column per row of a (features, lines) array, returned transposed: the
    # tree ensemble reads it feature by feature without a copy
    return np.array(columns, dtype=float).T


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
