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
import sys
from collections import Counter
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import lt, not_, sub

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


def _split_lines_reference(page: str) -> PageLines:
    """A page's non-blank lines (the reference of the compiled ``split_lines``)."""
    raws = page.splitlines()
    lstripped = list(map(str.lstrip, raws))
    stripped = list(map(str.rstrip, lstripped))
    # C-level maps over the lines (speed)
    kept = list(compress(count(), map(not_, map(_BLANKISH.__contains__, stripped))))
    texts = list(map(stripped.__getitem__, kept))
    # a line's indent is what lstrip took (copied pages indent most lines), tabs
    # counting four: lines with a tab in it are measured again
    lines = list(map(raws.__getitem__, kept))
    indents = list(map(sub, map(len, lines), map(len, map(lstripped.__getitem__, kept))))
    if "\t" in page:
        for j in compress(range(len(lines)), indents):
            if "\t" in lines[j][: indents[j]]:
                expanded = lines[j].replace("\t", "    ")
                indents[j] = len(expanded) - len(expanded.lstrip())
    gaps = list(map(lt, repeat(1), map(sub, kept[1:], kept)))  # more than one line apart
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


try:
    from .._speedups import split_lines as _compiled_split_lines  # type: ignore
except ImportError:  # built without a C compiler (or an older build): the reference runs
    split_lines = _split_lines_reference
else:
    # the C loop reads the blank lines and bullets as single characters
    _BLANK_CHARS = "".join(sorted(_BLANKISH - {""}))
    _BULLET_CHARS = "".join(b[0] for b in _BULLET)
    assert all(len(b) <= 1 for b in _BLANKISH) and all(len(b) == 2 and b[1] == " " for b in _BULLET)

    def _one_lower(c: str) -> str:
        low = c.lower()
        # U+03A3 lowers by its neighbours (final sigma), the only one that does
        simple = len(low) == 1 and c != "\u03a3" and low.isprintable() and not low.isspace() and not c.isspace()
        return low if simple else "\0"

    #: what lower() makes of each character up to General Punctuation, where one printable
    #: non-space character, else NUL: the C loop lower-cases lines of these itself (1 ms)
    _LOWER = "".join([_one_lower(chr(c)) for c in range(0x2060)])

    def split_lines(page: str) -> PageLines:
        """A page's non-blank lines (as the reference, from the C loop: speed)."""
        return PageLines(*_compiled_split_lines(page, _BLANK_CHARS, _BULLET_CHARS, _LOWER))


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
#: the first bytes of the UTF-8 forms of CJK's characters (U+3040-U+9FFF: E3-E9,
#: U+F900-U+FAFF: EF) and every other byte
_CJK_LEADS = bytes([*range(0xE3, 0xEA), 0xEF])
_NOT_CJK_LEADS = bytes(b for b in range(256) if b not in _CJK_LEADS)
_CJK_STOP = frozenset("のはをにがでともへやか的了是在和有不这也就都而")


def cjk_words(text: str) -> int:
    """The words its CJK characters are estimated to make (see CJK_CHARS_PER_WORD)."""
    return len(CJK.findall(text)) // CJK_CHARS_PER_WORD
_URL_HINTS = ("@", "http", "www.", ".com")
_SEPARATORS = ("|", "·", " / ")
_COPYRIGHT_HINTS = ("©", "(c)", "(C)")
#: a word that every alternative of CHROME_PHRASES contains (lower case), followed there
#: by a character that ends a word token (a space, a colon, an apostrophe): a line can
#: match only where one of its tokens ends with one of them, or holds "article" (which
#: the pattern lets go on: "in this articles"). Counted per token with the word
#: statistics, so the regex runs on the few short lines with one (speed: no substring
#: scans of the page for 34 phrases).
_PHRASE_WORD_ENDS = (
    "privacy", "terms", "rights", "sign", "log", "create", "share", "follow", "leave", "related", "read",
    "more", "most", "skip", "back", "click", "image", "photo", "photograph", "credit", "contact", "about",
    "download", "manage", "might", "see", "view", "show", "load", "continue", "filed", "posted", "don", "table",
)  # fmt: skip
_PHRASE_WORD_INSIDE = "article"
#: the first two characters (lower case) that a match of each anchored pattern can open
#: with: _BYLINE's lead words; _DATEISH's lead words, weekdays and months (it also opens
#: with a digit or a colon); _END_MARKER's alternatives (or a digit: "2 comments")
_BYLINE_PAIRS = ("by", "wr", "au", "wo", "vo", "pa", "po")
_DATEISH_PAIRS = (
    "up", "pu", "po", "fi", "la", "mo", "tu", "we", "th", "fr", "sa", "su", "ja", "fe", "ma", "ap", "ju", "au", "se",
    "oc", "no", "de",
)  # fmt: skip
_END_MARKER_PAIRS = ("co", "re", "di", "le", "po", "jo", "yo", "mo", "tr", "ab", "ta", "to", "sh", "si", "su", "fu", "se")
#: first characters that rule out a match of each anchored pattern (ASCII letters that
#: none of its alternatives opens with; anything else goes to the regex).
_NOT_BYLINE = _not_opening("".join(pair[0] for pair in _BYLINE_PAIRS))
_NOT_DATEISH = _not_opening("".join(pair[0] for pair in _DATEISH_PAIRS))
#: comment metadata needs a "12:30"-style time, "says", " ago", or opens with Reply / Log in.
_COMMENT_HINTS = (":", "ays", "reply", "log", " ago")
_COMMENT_WORDS = _COMMENT_HINTS[1:]  # the hints but the colon
#: the needles line_features looks for in the bodies (the separators in the whole line,
#: the others in its sample) and in the keys (comment hints; see lines_holding)
_BODY_HINTS = ((_SEPARATORS, sys.maxsize), (_URL_HINTS, SAMPLE_CHARS), (_COPYRIGHT_HINTS, SAMPLE_CHARS))
_KEY_HINTS = ((_COMMENT_WORDS, sys.maxsize), ((":",), sys.maxsize), (("am", "pm", "ſ"), sys.maxsize))


#: the per-token counts of the word statistics, 8 bits each in one int (see
#: _token_facts), so that the counts of a line are one sum: a line sample of
#: SAMPLE_CHARS characters holds fewer than 256 tokens and word characters.
_FIELDS = ("tokens", "stop", "chrome", "digit", "title", "upper", "chars", "phrase_word")
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
#: the shifts of the fields _word_stats returns, in its order (a column for broadcasting)
_STAT_SHIFTS = np.array(
    [[_SHIFT[name]] for name in ("tokens", "stop", "chars", "digit", "title", "upper", "chrome", "phrase_word")]
)
_TOKEN_BYTES = bytes(b if b in _WORD_BYTES or b >= 128 else 0 if b == 10 else 32 for b in range(256))
_LINE_BREAK = b"\0"
_BREAK_FACTS = -1  # no token sums to this


def _is_phrase_word(token: str) -> bool:
    """A token that may carry a chrome phrase (see _PHRASE_WORD_ENDS)."""
    low = token.lower()
    return low.endswith(_PHRASE_WORD_ENDS) or _PHRASE_WORD_INSIDE in low


def _token_facts(token: str) -> int:
    """The counts of one ``\\w+`` token, packed as :data:`_FIELDS` says."""
    phrase_word = _is_phrase_word(token) << _SHIFT["phrase_word"]
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
                | phrase_word
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
        | phrase_word
    )


def _chunk_facts(chunk: bytes) -> int:
    """The summed counts of the ``\\w+`` tokens of ``chunk`` (a run of ASCII word
    characters and non-ASCII characters: one token when ASCII, else any number)."""
    if chunk == _LINE_BREAK:
        return _BREAK_FACTS
    if chunk.isascii():
        return _token_facts(chunk.decode("ascii"))
    return sum(map(_token_facts, _WORD.findall(chunk.decode("utf-8", "surrogatepass"))))


#: non-ASCII punctuation common in page text (none is a word character).
_NON_WORD_MARKS = ("’", "‘", "“", "”", "–", "—", "…", "\xa0")


def word_set(text: str) -> set[bytes]:
    """The ``\\w+`` tokens of ``text`` (which holds no line break), UTF-8 encoded.

    Split like the word statistics (one bytes.translate and split; only chunks with
    non-ASCII characters go through the regex): faster than the regex on all of it.
    """
    # most page text is ASCII but for its quotes and dashes (no word characters):
    # spaces in their place leave the tokens as they are, and an ASCII text's chunks
    # are its tokens (no per-chunk test)
    for mark in _NON_WORD_MARKS:
        if mark in text:
            text = text.replace(mark, " ")
    raw = text.encode("utf-8", "surrogatepass")
    chunks = set(raw.translate(_TOKEN_BYTES).split())
    if raw.isascii():
        return chunks
    words = {chunk for chunk in chunks if chunk.isascii()}
    for chunk in chunks - words:
        words.update(w.encode("utf-8", "surrogatepass") for w in _WORD.findall(chunk.decode("utf-8", "surrogatepass")))
    return words


def _word_stats(joined: bytes) -> tuple[np.ndarray, ...]:
    """Per-line word counts over the line samples, in one pass over the page.

    Returns (tokens, stop words, word characters, digit tokens, title-case tokens,
    upper-case tokens, has a chrome word, tokens that may carry a chrome phrase), as the per-line loop over ``\\w+`` tokens
    would count them. The page is cut into chunks (speed: no regex, no str per token): a
    chunk is a maximal run of ASCII word characters and non-ASCII characters, so its
    ``\\w+`` tokens are the page's there (a non-ASCII chunk, "don’t" or "café", is
    tokenised by the regex once, in the memo); see :func:`line_token_sums`.
    ``joined``: the samples joined by newlines, UTF-8 (surrogatepass) bytes.
    """
    sums = line_token_sums(joined)
    # every field at once (one row each; speed: numpy's cost here is per call)
    tokens, stop, chars, digit, title, upper, chrome, phrase_words = ((sums >> _STAT_SHIFTS) & 255).astype(float)
    return tokens, stop, chars, digit, title, upper, chrome > 0, phrase_words


def _line_token_sums_reference(text: bytes) -> np.ndarray:
    """Per line of ``text`` (UTF-8 lines joined by newlines), the sum of its chunks'
    packed facts (int64): the reference of the compiled ``line_token_sums``."""
    chunks = text.translate(_TOKEN_BYTES).replace(_LINE_BREAK, b" \0 ").split()
    try:
        # most chunks are in the memo
        packed = np.fromiter(map(_TOKEN_FACTS.__getitem__, chunks), np.int64, len(chunks))
    except KeyError:
        if len(_TOKEN_FACTS) > MAX_TOKEN_FACTS:
            _TOKEN_FACTS.clear()
        for chunk in set(chunks) - _TOKEN_FACTS.keys():
            _TOKEN_FACTS[chunk] = _chunk_facts(chunk)
        packed = np.fromiter(map(_TOKEN_FACTS.__getitem__, chunks), np.int64, len(chunks))
    breaks = (packed == _BREAK_FACTS).nonzero()[0]
    packed[breaks] = 0
    # a line's counts: the sum of its chunks, read off the running sum at the breaks
    total = np.concatenate(([0], packed.cumsum()))
    return np.diff(total[np.concatenate(([0], breaks, [len(packed)]))])


def _memo_miss(chunk: bytes) -> int:
    """A non-ASCII chunk's packed facts, kept in the memo (emptied first when full)."""
    if len(_TOKEN_FACTS) > MAX_TOKEN_FACTS:
        _TOKEN_FACTS.clear()
    facts = _TOKEN_FACTS[chunk] = _chunk_facts(chunk)
    return facts


try:
    from .._speedups import line_token_sums as _compiled_line_token_sums  # type: ignore
except ImportError:  # built without a C compiler: the reference runs (same values)
    line_token_sums = _line_token_sums_reference
else:
    # what the compiled loop computes an ASCII word's facts from (as _token_facts does)
    _CODE_BYTES = {word.encode("ascii"): code for word, code in _CODES.items()}
    _PHRASE_END_BYTES = tuple(end.encode("ascii") for end in _PHRASE_WORD_ENDS)
    _FIELD_SHIFTS = tuple(_SHIFT[name] for name in _FIELDS)

    def line_token_sums(text: bytes) -> np.ndarray:
        """Per line of ``text``, the sum of its chunks' packed facts (see the reference)."""
        # C, and no memo lookup per ASCII word: in a page's run the large memo is out of
        # the CPU's caches, and that lookup was most of the word statistics' time
        sums = _compiled_line_token_sums(text, _TOKEN_BYTES, _CODE_BYTES, _PHRASE_END_BYTES,
                                         _PHRASE_WORD_INSIDE.encode("ascii"), _FIELD_SHIFTS, _TOKEN_FACTS, _memo_miss)
        return np.frombuffer(sums, np.int64)


#: the rows of line_shapes' array
_SHAPES = ("length", "bullet", "words", "sentence_end", "colon_end", "digit_or_wide", "opening")
#: the opening code of a line whose first two characters are not both ASCII (see line_shapes)
_WIDE_OPENING = 128 * 128


def _opening_code(body: str) -> int:
    """128 * a + b for the body's first two characters lower-cased (b = 0 for a body of
    one), or _WIDE_OPENING where either is non-ASCII."""
    head = body[:2]
    if not head.isascii():
        return _WIDE_OPENING
    low = head.lower()  # ASCII: each letter to its lower case, nothing else changes
    return ord(low[0]) * 128 + (ord(low[1]) if len(low) > 1 else 0) if low else 0


def _openings(pairs: tuple[str, ...], firsts: str = "") -> np.ndarray:
    """A bool per opening code: True where a line opening so may match a pattern whose
    matches open with one of ``pairs`` (two lower-case characters) or a character of
    ``firsts``. An opening with a non-ASCII character may match (IGNORECASE folds some
    onto ASCII letters: "ſ", the Kelvin sign), so the regex decides those."""
    table = np.zeros(_WIDE_OPENING + 1, bool)
    table[_WIDE_OPENING] = True
    for a, b in pairs:
        table[ord(a) * 128 + ord(b)] = True
    for first in firsts:
        table[ord(first) * 128 : ord(first) * 128 + 128] = True
    return table


#: the openings each anchored pattern runs on (see the pairs above)
_END_MARKER_OPENINGS = _openings(_END_MARKER_PAIRS, firsts="0123456789")
_BYLINE_OPENINGS = _openings(_BYLINE_PAIRS)
_DATEISH_OPENINGS = _openings(_DATEISH_PAIRS, firsts="0123456789:")


def _line_shapes_reference(bodies: list[str], texts: list[str]) -> np.ndarray:
    """Per line, in rows as :data:`_SHAPES` names them: the body's length, whether a list
    bullet was dropped from the text, its space-separated words, whether it ends a
    sentence (:data:`_SENTENCE_ENDINGS`) or with a colon, whether it holds an ASCII digit
    or a non-ASCII character (which may be a digit), and its opening's code
    (:func:`_opening_code`): the reference of the compiled ``line_shapes``."""
    n = len(bodies)
    out = np.empty((len(_SHAPES), n))
    out[0] = np.fromiter(map(len, bodies), float, n)
    out[1] = out[0] != np.fromiter(map(len, texts), float, n)
    out[2] = np.fromiter(map(str.count, bodies, repeat(" ")), float, n) + 1
    out[3] = np.fromiter(map(str.endswith, bodies, repeat(_SENTENCE_ENDINGS)), bool, n)
    out[4] = np.fromiter(map(str.endswith, bodies, repeat(":")), bool, n)
    out[5] = [not body.isascii() or any(map(str.isdigit, body)) for body in bodies]
    out[6] = np.fromiter(map(_opening_code, bodies), float, n)
    return out


def _lines_holding_reference(
    lines: list[str], groups: tuple[tuple[tuple[str, ...], int], ...], only: np.ndarray | None = None
) -> np.ndarray:
    """A row per (needles, limit) group, a bool per line: whether ``line[:limit]`` holds
    any of the needles; only the lines where ``only`` is true are looked at (all when it
    is None). The reference of the compiled ``lines_holding``."""
    looked = [True] * len(lines) if only is None else only.tolist()
    held = [
        [look and any(needle in line[:limit] for needle in needles) for line, look in zip(lines, looked, strict=True)]
        for needles, limit in groups
    ]
    return np.array(held, dtype=bool).reshape(len(groups), len(lines))


try:
    from .._speedups import line_shapes as _compiled_line_shapes  # type: ignore
    from .._speedups import lines_holding as _compiled_lines_holding  # type: ignore
except ImportError:  # built without a C compiler: the references run (same values)
    line_shapes = _line_shapes_reference
    lines_holding = _lines_holding_reference
else:

    def line_shapes(bodies: list[str], texts: list[str]) -> np.ndarray:
        """The reference's rows from one C loop over the lines (speed: six maps less)."""
        raw = _compiled_line_shapes(bodies, texts, _SENTENCE_ENDINGS)
        return np.frombuffer(raw, float).reshape(len(_SHAPES), len(bodies))

    def lines_holding(
        lines: list[str], groups: tuple[tuple[tuple[str, ...], int], ...], only: np.ndarray | None = None
    ) -> np.ndarray:
        """The reference's rows, from one C loop over the lines (speed: no join of the
        page, no bisect of the hits)."""
        mask = None if only is None else np.ascontiguousarray(only, dtype=bool)
        return np.frombuffer(_compiled_lines_holding(lines, groups, mask), bool).reshape(len(groups), len(lines))


def _joined_samples_reference(lines: list[str], limit: int) -> bytes:
    """The lines' first ``limit`` characters joined by newlines, UTF-8 (surrogatepass):
    the reference of the compiled ``joined_samples``."""
    return "\n".join([line[:limit] for line in lines]).encode("utf-8", "surrogatepass")


try:
    from .._speedups import joined_samples  # type: ignore
except ImportError:  # built without a C compiler: the reference runs (same bytes)
    joined_samples = _joined_samples_reference


def line_features(
    page: PageLines,
    *,
    corpus_sites: list[int] | None = None,
    site_pages: list[int] | None = None,
) -> np.ndarray:
    """One feature row (ordered as :data:`FEATURES`) per line of ``page``.

    ``corpus_sites[i]``: other sites whose pages carry line i; ``site_pages[i]``:
    other pages of the same site that carry it (both from a BoilerplateModel).
    The per-line passes (shapes, hints, word counts, layout) are loops over all the
    lines, in C where it was compiled (see the ``*_reference`` functions, which give
    the same values); the regexes run only on the few lines those passes let through
    (speed: hundreds of pages per second).
    """
    n = len(page.texts)
    if not n:
        return np.zeros((0, len(FEATURES)))
    key_counts = Counter(page.keys)
    bodies = page.bodies
    # one feature per row of a (features, lines) array, filled in place and returned
    # transposed: the tree ensemble reads it feature by feature without a copy (and
    # numpy's cost here is per call, not per line: the fewer temporaries the better)
    x = np.zeros((len(FEATURES), n))
    row = x.__getitem__  # row(_X[name]): the feature's row
    # the per-line tests of the lines' shapes, in one loop over the lines (speed)
    lengths, bullet_dropped, nw, sentence_end, colon_end, digit_or_wide, opening = line_shapes(bodies, page.texts)
    nw = nw.copy()  # CJK words are added below (the C loop's array is read-only)
    bullet = row(_X["bullet"])
    bullet[:] = bullet_dropped
    # ratios are estimated on the head of the line (the cost stays flat on long paragraphs)
    encoded = joined_samples(bodies, SAMPLE_CHARS)
    # CJK characters' UTF-8 opens with a byte of _CJK_LEADS: without one the regex need not look
    if (not encoded.isascii() and encoded.translate(None, _NOT_CJK_LEADS)
            and CJK.search(encoded.decode("utf-8", "surrogatepass"))):
        nw += np.fromiter(map(cjk_words, bodies), float, n)
    nh, stop, alpha, digits, titled, upper, chrome_word, phrase_words = _word_stats(encoded)
    nh = np.maximum(nh, 1)
    sample_lengths = np.minimum(lengths, SAMPLE_CHARS)
    nchar = np.maximum(sample_lengths, 1)
    sent = row(_X["sent_end"])
    sent[:] = sentence_end
    row(_X["colon_end"])[:] = colon_end
    short = nw <= CHROME_MAX_WORDS
    # the phrases matter only on short lines without a chrome word, and can match only
    # where a token may carry one (see _PHRASE_WORD_ENDS)
    maybe_phrase = (short & ~chrome_word & (phrase_words > 0)).nonzero()[0].tolist()
    chrome = row(_X["chrome"])
    chrome[[i for i in maybe_phrase if CHROME_PHRASES.search(bodies[i][:SAMPLE_CHARS].lower())]] = 1.0
    chrome[chrome_word & short] = 1.0
    separators, url_hint, copyright_hint = lines_holding(bodies, _BODY_HINTS)
    row(_X["urlish"])[[i for i in url_hint.nonzero()[0].tolist() if _URLISH.search(bodies[i][:SAMPLE_CHARS])]] = 1.0
    row(_X["separators"])[:] = separators
    row(_X["dup_in_page"])[:] = np.fromiter(map(key_counts.__getitem__, page.keys), float, n) > 1
    row(_X["copyright"])[:] = copyright_hint
    # the anchored patterns run only on short lines that open as a match of theirs may
    upto12 = nw <= 12
    upto8 = nw <= 8
    openings = opening.astype(np.intp)
    # a date holds a digit: the pattern runs only on lines with an ASCII digit or a
    # non-ASCII character (which may be a digit)
    row(_X["dateish"])[
        [
            i
            for i in (upto12 & (digit_or_wide > 0) & _DATEISH_OPENINGS[openings]).nonzero()[0].tolist()
            if _DATEISH.match(bodies[i])
        ]
    ] = 1.0
    # of the lines with a colon only those with a time ("8:55 am") can be comment
    # metadata, or with a long s (the pattern's "says" under IGNORECASE); the keys are
    # the lines lower-cased (their runs of whitespace collapsed, which no hint but " ago"
    # holds, and for that one a key holds at least the lines that the body does)
    said, colon, clock = lines_holding(page.keys, _KEY_HINTS, upto12)
    comment_meta = row(_X["comment_meta"])
    hinted = (said | (colon & clock)).nonzero()[0].tolist()
    comment_meta[[i for i in hinted if _COMMENT_META.search(bodies[i])]] = 1.0
    bylines = (upto8 & _BYLINE_OPENINGS[openings]).nonzero()[0].tolist()
    row(_X["byline"])[[i for i in bylines if _BYLINE.match(bodies[i])]] = 1.0
    end_marker = row(_X["end_marker"])
    may_end = (upto8 & _END_MARKER_OPENINGS[openings]).nonzero()[0].tolist()
    end_marker[[i for i in may_end if _END_MARKER.match(bodies[i])]] = 1.0
    log_words = row(_X["log_words"])
    np.log1p(nw, out=log_words)
    # where the article's prose sits on the page, and each line against it
    layout_columns(x, nw, np.array(page.indents, dtype=np.intp))
    x[_X["bias_page"]] = 1.0
    x[_X["stop_ratio"]] = stop / nh
    x[_X["alpha_ratio"]] = alpha / nchar
    x[_X["digit_ratio"]] = digits / nh
    x[_X["title_ratio"]] = np.minimum(titled / nh, 1.0)
    x[_X["upper_ratio"]] = np.minimum(upper / nh, 1.0)
    if corpus_sites:
        x[_X["corpus_sites"]] = np.log1p(np.asarray(corpus_sites, dtype=float))
    if site_pages:
        x[_X["site_pages"]] = np.log1p(np.asarray(site_pages, dtype=float))
    x[_X["blank_before"]] = page.blank_before
    x[_X["blank_after"]] = page.blank_after
    return x.T


#: each feature's row in line_features' array
_X = {name: k for k, name in enumerate(FEATURES)}
#: the rows of line_features' array that layout_columns reads (the first six) and writes
_LAYOUT_ROWS = (
    "sent_end", "bullet", "end_marker", "comment_meta", "chrome", "log_words",
    "after_end_marker", "after_comments", "comments_near", "prose_window", "indent_dom", "w_le2", "w_3_5", "w_6_12",
    "w_13_30", "w_gt30", "indent_less", "indent_more", "indent_diff", "pos", "before_main", "after_main",
    "chrome_short", "prev_words", "next_words", "prev_sent", "next_sent", "prev_dom", "next_dom",
)  # fmt: skip


def _layout_columns_reference(x: np.ndarray, nw: np.ndarray, at_indent: np.ndarray) -> None:
    """Fill the layout rows of line_features' array ``x`` (see :data:`_LAYOUT_ROWS`) from
    the rows it has already and the lines' words and indents: the page's dominant
    paragraph indent, where its prose starts and ends, the end markers and comment
    sections below it, each line's word bucket and neighbours (the reference of the
    compiled ``layout_columns``)."""
    n = len(nw)
    if not n:
        return
    row = x.__getitem__
    sent, bullet, end_marker, comment_meta, chrome, log_words = (row(_X[name]) for name in _LAYOUT_ROWS[:6])
    indents = at_indent.astype(float)
    is_prose = (nw >= PROSE_WORDS) & (sent > 0) & (bullet == 0)
    if is_prose.any():
        # the indent carrying the most prose words (ties: the smaller indent)
        dominant = float(np.bincount(at_indent[is_prose], weights=nw[is_prose]).argmax())
    else:
        dominant = indents[int(nw.argmax())]
    prose = is_prose & (indents == dominant)
    where = prose.nonzero()[0]
    first_main, last_main = (where[0], where[-1]) if len(where) else (0, n - 1)
    # everything after the first end marker with most of the page's prose above it (a
    # share bar under the standfirst is no end of the article)
    prose_words = np.where(is_prose, nw, 0.0).cumsum()
    ends = ((end_marker > 0) & (prose_words >= prose_words[-1] / 2) & (prose_words > 0)).nonzero()[0]
    position = np.arange(n)
    if len(ends):
        row(_X["after_end_marker"])[:] = position > ends[0]
    # a comment section: from the first comment-metadata line below some prose that has
    # another one at or after it ("Jane says:" ... "March 6 at 8:55 am" ... "Reply")
    metas = comment_meta.nonzero()[0]
    opens = metas[:-1][prose_words[metas[:-1]] > 0]
    if len(opens):
        row(_X["after_comments"])[:] = position >= opens[0]
    meta_prefix = np.concatenate(([0.0], comment_meta.cumsum()))
    near_lo, near_hi = np.maximum(position - 5, 0), np.minimum(position + 6, n)
    row(_X["comments_near"])[:] = np.minimum(meta_prefix[near_hi] - meta_prefix[near_lo], 3.0) / 3.0
    prefix = np.concatenate(([0.0], prose.cumsum()))
    lo, hi = np.maximum(position - 2, 0), np.minimum(position + 3, n)
    row(_X["prose_window"])[:] = (prefix[hi] - prefix[lo]) / (hi - lo)
    on_dom = row(_X["indent_dom"])
    np.equal(indents, dominant, out=on_dom)
    x[_X["w_le2"]] = nw <= 2
    x[_X["w_3_5"]] = (nw >= 3) & (nw <= 5)
    x[_X["w_6_12"]] = (nw >= 6) & (nw <= 12)
    x[_X["w_13_30"]] = (nw >= 13) & (nw <= 30)
    x[_X["w_gt30"]] = nw > 30
    x[_X["indent_less"]] = indents < dominant
    x[_X["indent_more"]] = indents > dominant
    x[_X["indent_diff"]] = np.minimum(np.abs(indents - dominant), 24) / 8.0
    x[_X["pos"]] = position / n
    x[_X["before_main"]] = position < first_main
    x[_X["after_main"]] = position > last_main
    x[_X["chrome_short"]] = chrome * (nw <= 12)
    # the neighbours' values (zero beyond the page's edges)
    x[_X["prev_words"], 1:] = log_words[:-1]
    x[_X["next_words"], :-1] = log_words[1:]
    x[_X["prev_sent"], 1:] = sent[:-1]
    x[_X["next_sent"], :-1] = sent[1:]
    x[_X["prev_dom"], 1:] = on_dom[:-1]
    x[_X["next_dom"], :-1] = on_dom[1:]


try:
    from .._speedups import layout_columns as _compiled_layout_columns  # type: ignore
except ImportError:  # built without a C compiler: the reference runs (same values)
    layout_columns = _layout_columns_reference
else:
    _LAYOUT_AT = tuple(_X[name] for name in _LAYOUT_ROWS)

    def layout_columns(x: np.ndarray, nw: np.ndarray, at_indent: np.ndarray) -> None:
        """The reference's rows from two C loops over the lines (speed: some sixty numpy
        calls less a page)."""
        _compiled_layout_columns(x, len(nw), _LAYOUT_AT, np.ascontiguousarray(nw, dtype=float),
                                 np.ascontiguousarray(at_indent, dtype=np.intp), float(PROSE_WORDS))


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


def _context_features_reference(scores: list[float] | np.ndarray) -> np.ndarray:
    """Second-stage features from first-stage log-odds ``scores`` (the reference of the
    compiled ``context_rows``)."""
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
    prefix = np.concatenate(([0.0], s.cumsum()))
    position = np.arange(n)
    # the features as columns of one array, filled in place (numpy's cost is per call)
    out = np.empty((n, len(CONTEXT_FEATURES)))
    out[:, 0] = 1.0
    out[:, 1] = s
    # the neighbours' scores; beyond the page edge as if chrome
    out[:, 2:6] = -3.0
    out[1:, 2] = s[:-1]
    out[:-1, 3] = s[1:]
    out[2:, 4] = s[:-2]
    out[:-2, 5] = s[2:]
    for column, k in ((6, 2), (7, 5)):
        lo, hi = np.maximum(position - k, 0), np.minimum(position + k + 1, n)
        out[:, column] = (prefix[hi] - prefix[lo]) / (hi - lo)
    out[:, 8] = (position >= best_lo) & (position <= best_hi)
    out[:, 9] = position < best_lo
    out[:, 10] = position > best_hi
    return out


try:
    from .._speedups import context_rows as _compiled_context_rows  # type: ignore
except ImportError:  # built without a C compiler: the reference runs (same values)
    context_features = _context_features_reference
else:

    def context_features(scores: list[float] | np.ndarray) -> np.ndarray:
        """Second-stage features from first-stage log-odds ``scores`` (as the reference,
        from one C loop: speed)."""
        s = np.ascontiguousarray(scores, dtype=float)
        out = np.empty((len(s), len(CONTEXT_FEATURES)))
        _compiled_context_rows(s, out)
        return out


def dot(weights: list[float], rows: list[list[float]]) -> list[float]:
    """Log-odds of each row under a linear model (bias is the first feature)."""
    return [sum(w * x for w, x in zip(weights, row, strict=True)) for row in rows]
