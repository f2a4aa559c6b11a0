"""Headline choice for HTML mode: rank the titles the markup offers.

Candidates are the distinct titles among ``og:title``, ``twitter:title``, the
JSON-LD ``headline``, ``<title>`` (as is and without the site name), ``og:title``
without the site name, and the first ``<h1>`` elements. Each gets features saying
which sources carry it, how many agree, its length, separators and the site name;
a linear model (a conditional logit, weights fitted by ``bench/fit_title_model.py
--mode html`` with site-grouped cross-validation, in :mod:`._title_weights`) picks one.
"""

from __future__ import annotations

import math
import re

from ._titles import title_key

#: <h1> elements considered (in document order); later ones are section headings.
MAX_H1 = 3
#: a title first shown past this share of the page text is in a footer or sidebar
#: (set by hand: "Contact Us" <h1> elements at the foot of wcxb-dev pages).
LATE = 0.8
#: candidates with more words are paragraphs, not titles.
MAX_WORDS = 40

SOURCES = (
    "og", "twitter", "headline", "title", "title_stripped", "og_stripped", "h1_first", "h1_other", "h1_article",
    "title_head",
)  # fmt: skip
HTML_TITLE_FEATURES = (
    "bias",
    *(f"src_{s}" for s in SOURCES),
    "n_sources",
    "log_words",
    "short",
    "separator",
    "names_site",
    "upper_ratio",
    "h1_like_meta",
    "n_h1",
    "h1_and_meta",
    "part_of_other",
    "contains_other",
    "end_punct",
    "rest_of_title",
    "visible",
    "visible_twice",
    "shown_first",
    "shown_late",
    "mostly_site",
    "head_of_many",
    "h1_reads_on",
)

_META_SOURCES = frozenset(("og", "twitter", "headline", "title_stripped", "og_stripped"))
_H1_SOURCES = frozenset(("h1_first", "h1_other", "h1_article"))
_SEPARATOR = re.compile(r"\s[|–—•·»]\s|\s-\s|\s\|\s*|\s*\|\s")
_WORD = re.compile(r"\w+")
#: a character the page could not encode, shown as "?" or U+FFFD inside the text
#: ("Event Planning? Beginner? Guide" for "Event Planning: Beginner's Guide")
_GARBLED = re.compile(r"[?\ufffd](?=\w| \w)")
#: garbled characters a title may have to be matched to a clean one (real ones have a few)
MAX_GARBLED = 8


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _segments(sources: dict[str, list[str]]) -> dict[str, list[str]]:
    """The head of a <title> cut at separators: "Story | Subtitle | Site" gives "Story".

    On wcxb-dev, of the <title> elements with three or more parts the head was the gold
    title on 41 of 57 pages, the title less its last part on 5; the same cuts of og:title,
    and the title less its last part, as candidates lowered the site-grouped CV.
    """
    text = next(iter(sources.get("title", ())), "") or ""
    cut = _SEPARATOR.search(text)
    return {"title_head": [text[: cut.start()].strip()]} if cut else {}


def _merge_garbled(by_key: dict[str, tuple[str, set[str]]]) -> None:
    """Fold a candidate with unencodable characters into the clean one it spells.

    Each "?"/U+FFFD inside the text may stand for up to three characters; the clean
    candidate keeps its text and takes the garbled one's sources (they agree on it).
    """
    for key in [k for k in by_key if _GARBLED.search(k)]:
        parts = _GARBLED.split(key)
        if len(parts) > MAX_GARBLED + 1:
            continue  # a hostile title: the pattern's backtracking would grow with each gap
        pattern = re.compile(".{1,3}".join(re.escape(part) for part in parts))
        clean = next((k for k in by_key if k != key and not _GARBLED.search(k) and pattern.fullmatch(k)), None)
        if clean is not None:
            by_key[clean][1].update(by_key.pop(key)[1])


def html_title_candidates(
    sources: dict[str, list[str]], *, site: str | None = None, page_text: str = ""
) -> tuple[list[str], list[list[float]]]:
    """Distinct candidate titles and one feature row each (ordered as :data:`HTML_TITLE_FEATURES`).

    ``sources`` maps each name in :data:`SOURCES` to the titles it gives (cleaned text);
    ``page_text``: the page rendered as text (a title a reader sees is likelier the headline).
    """
    shown = title_key(page_text) if page_text else ""
    sources = {**sources, **_segments(sources)}
    by_key: dict[str, tuple[str, set[str]]] = {}
    for name in SOURCES:
        for text in sources.get(name, ()):
            if not text or not 1 <= len(text.split()) <= MAX_WORDS:
                continue
            key = title_key(text)
            if key not in by_key:
                by_key[key] = (text, set())
            by_key[key][1].add(name)
    _merge_garbled(by_key)
    meta_tokens = [_tokens(t) for n in ("og", "title_stripped", "headline") for t in sources.get(n, ()) if t]
    site_names = {s.lower() for s in sources.get("site", ()) if s}
    if site:
        parts = site.lower().split(".")
        site_names.add(max(parts[:-1] or parts, key=len))
    n_h1 = len(sources.get("h1_first", ())) + len(sources.get("h1_other", ()))
    # "Story • Blog name" in <title> with the story as a meta title: the blog name (often
    # the <h1> of a blog) is the rest of the title once the meta title is taken out
    # (splitting at ": " too scored lower in the site-grouped CV: 0.883 against 0.886)
    meta_keys = {key for key, (_, names) in by_key.items() if names & _META_SOURCES}
    rests: set[str] = set()
    for name in ("title", "og"):
        for text in sources.get(name, ()):
            parts = _SEPARATOR.split(text or "")
            for head, tail in ((parts[0], " ".join(parts[1:])), (" ".join(parts[:-1]), parts[-1])):
                if len(parts) > 1 and title_key(tail) in meta_keys:
                    rests.add(title_key(head))
                if len(parts) > 1 and title_key(head) in meta_keys:
                    rests.add(title_key(tail))
    # the head of a <title> of three or more parts (see _segments)
    title_text = next(iter(sources.get("title", ())), "") or ""
    heads = sources.get("title_head", ())
    head_of_many = title_key(heads[0]) if heads and len(_SEPARATOR.findall(title_text)) >= 2 else None
    at = {key: shown.find(key) for key in by_key} if shown else {}
    seen = [a for a in at.values() if a >= 0]
    site_tokens = set().union(*(_tokens(s) for s in site_names)) if site_names else set()
    # a meta title that an <h1> reads on from ("Best Tutors in 2025" beside the <h1> "Best
    # Tutors in 2025, Reviewed by a Student"): a shortened headline, the <h1> the full one (the
    # gold title on 10 of the 11 wcxb-dev pages with such a pair); an <h1> going on past a
    # separator only adds a site or section name
    h1_only = [k for k, (_, n) in by_key.items() if n & _H1_SOURCES and not n & _META_SOURCES]
    read_on = {
        key
        for key, (_, names) in by_key.items()
        if names & _META_SOURCES
        and not names & _H1_SOURCES
        and any(h.startswith(key) and not _SEPARATOR.match(h[len(key) :]) for h in h1_only)
    }
    texts, rows = [], []
    for key, (text, names) in by_key.items():
        words = text.split()
        tokens = _tokens(text)
        like_meta = any(tokens and m and len(tokens & m) / min(len(tokens), len(m)) >= 0.6 for m in meta_tokens)
        squashed = key.replace(" ", "")
        row = [
            1.0,
            *(float(s in names) for s in SOURCES),
            float(len(names)),
            math.log1p(len(words)),
            float(len(words) <= 3),
            float(_SEPARATOR.search(text) is not None),
            float(any(len(s) >= 4 and s.replace(" ", "") in squashed for s in site_names)),
            sum(w.isupper() for w in words) / len(words),
            float(like_meta and bool(names & {"h1_first", "h1_other", "h1_article"})),
            float(min(n_h1, 5)),
            float(bool(names & {"h1_first", "h1_other", "h1_article"}) and bool(names & {"og", "twitter", "headline", "title", "title_stripped", "og_stripped"})),
            float(any(key != other and key in other for other in by_key)),
            float(any(key != other and other in key for other in by_key)),
            float(text.rstrip().endswith((".", ":", ","))),
            float(key in rests and not names & _META_SOURCES),
            float(at.get(key, -1) >= 0),
            float(at.get(key, -1) >= 0 and shown.find(key, at[key] + 1) >= 0),
            float(bool(seen) and at[key] == min(seen)),
            float(bool(seen) and at[key] > LATE * len(shown)),
            float(bool(tokens) and len(tokens & site_tokens) >= 0.75 * len(tokens)),
            float(key == head_of_many),
            float(key in read_on),
        ]
        texts.append(text)
        rows.append(row)
    return texts, rows
