"""Corpus-level boilerplate: lines that recur across pages of a site, or across sites.

One page cannot tell that "Sign up for our morning briefing" is chrome; a corpus
can, because the same line comes back on every page of the site (and "Share this
article" on pages of many sites). :class:`BoilerplateModel` counts normalised
lines per site and across sites as pages arrive; extraction reads the counts.
State is plain JSON (``to_dict``/``from_dict``) so the store can keep it.

>>> model = BoilerplateModel().partial_fit(["Menu\\nA story.", "Menu\\nOther story."], site="a.com")
>>> model.counts(["Menu", "A story."], site="a.com", page="Menu\\nA story.")
([0, 0], [1, 0])
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from html import unescape
from itertools import repeat
from typing import Any

from ..model import Document, content_id
from ._lines import normalize

#: lines longer than this (characters) are never counted: prose does not repeat,
#: and leaving it out keeps the model small.
MAX_KEY_CHARS = 300
#: pages per site whose lines are remembered; bounds memory on a huge crawl.
MAX_PAGES_PER_SITE = 1000


_BLOCK_TAG = re.compile(
    r"<(?:/?(?:p|div|li|ul|ol|h[1-6]|br|tr|td|th|table|section|article|header|footer|nav|aside|"
    r"blockquote|figure|figcaption|form|button|a|span)\b)[^>]*>",
    re.I,
)
_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>", re.I | re.S)


#: the Document kinds that are pages (a headline item has no chrome).
PAGE_KINDS = frozenset({"html", "text"})


def html_to_lines(html: str) -> str:
    """A rough one-block-per-line rendering of HTML, enough to count repeated blocks."""
    text = _BLOCK_TAG.sub("\n", _SCRIPT.sub(" ", html))
    return unescape(_TAG.sub(" ", text))


def _page_text(item: str | Document) -> str:
    if isinstance(item, Document):
        from ..ingest import decode_bytes

        text = decode_bytes(item.raw, html=item.kind == "html", charset=item.hints.get("charset"))
        return html_to_lines(text) if item.kind == "html" else text
    return item


def _site_key(site: str | None) -> str:
    return (site or "").lower().removeprefix("www.")


def document_site(doc: Document) -> str | None:
    """The site a document comes from: its ``site`` hint, else its URL's host."""
    from . import site_of

    hint = doc.hints.get("site")
    return hint if isinstance(hint, str) and hint else site_of(doc.url or doc.hints.get("url"))


#: a line this long that ends like a sentence is article prose; copies of one wire
#: report share such lines across sites, so cross-site recurrence is no evidence
#: of chrome for them (chrome sentences are caught by their phrases instead).
PROSE_WORDS = 10
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")


def is_prose(key: str) -> bool:
    return len(key.split()) >= PROSE_WORDS and bool(_SENTENCE_END.search(key))


def _keys(text: str) -> set[str]:
    keys = set()
    for line in text.splitlines():
        key = normalize(line)
        if key and len(key) <= MAX_KEY_CHARS:
            keys.add(key)
    return keys


def _corpus_counts_reference(
    keys: list[str],
    own: dict[str, int],
    carrying: dict[str, int],
    by_site: bool,
    own_seen: int,
    prose: Callable[[str], bool],
    longest: int = sys.maxsize,
) -> tuple[list[int], list[int]]:
    """:meth:`BoilerplateModel.counts` of the line ``keys``: ``own`` holds the site's pages
    per key, ``carrying`` the sites per key, ``by_site`` says whether the page has a site,
    ``own_seen`` is 1 where the model counted this page; ``prose`` is :func:`is_prose`
    (the reference of the compiled ``corpus_counts``, which skips the lookups of keys
    longer than ``longest``, the longest key in ``carrying``)."""
    on_site = list(map(own.get, keys, repeat(0))) if own else [0] * len(keys)
    counts = map(carrying.get, keys, repeat(0))
    # the other sites: less this one (a page of unknown site: less this page where seen)
    if by_site:
        others = [count - 1 if here else count for count, here in zip(counts, on_site, strict=True)]
    else:
        others = [count - own_seen if count else 0 for count in counts]
    # prose is never counted as repeated across sites (is_prose only where it matters)
    other_sites = [count if count > 0 and not prose(key) else 0 for count, key in zip(others, keys, strict=True)]
    other_pages = [here - own_seen if here > own_seen else 0 for here in on_site] if own_seen else on_site
    return other_sites, other_pages


try:
    from .._speedups import corpus_counts  # type: ignore
except ImportError:  # built without a C compiler: the reference runs (same counts)
    corpus_counts = _corpus_counts_reference


class BoilerplateModel:
    """Counts of normalised lines per site and across sites.

    Parameters: ``max_key_chars`` (longer lines are ignored) and
    ``max_pages_per_site`` (later pages of a site no longer add counts).
    """

    def __init__(
        self, *, max_key_chars: int = MAX_KEY_CHARS, max_pages_per_site: int = MAX_PAGES_PER_SITE
    ) -> None:
        self.max_key_chars = max_key_chars
        self.max_pages_per_site = max_pages_per_site

    def partial_fit(self, pages: Iterable[str | Document], *, site: str | None = None) -> BoilerplateModel:
        """Add pages (page text, or Documents) of ``site``; returns self.

        Without ``site``, a Document counts for its own site (:func:`document_site`).
        A page of unknown site counts as a site of its own: its lines add to the
        cross-site counts, never to a site's. A page seen before (same content) is
        not counted twice: crawls repeat pages.
        """
        if not hasattr(self, "site_lines_"):
            self.site_lines_: dict[str, dict[str, int]] = {}
            self.line_sites_: dict[str, int] = {}
            self.site_pages_: dict[str, int] = {}
            self.seen_: set[str] = set()
            self.longest_key_ = 0  # of line_sites_ (counts() need not look longer lines up)
        for page in pages:
            if isinstance(page, Document) and page.kind not in PAGE_KINDS:
                continue  # a feed item is one headline: no page, no chrome to learn
            site_key = _site_key(site if site is not None or not isinstance(page, Document) else document_site(page))
            text = _page_text(page)
            page_id = content_id(text.encode("utf-8", "surrogatepass"))
            if page_id in self.seen_:
                continue
            if self.site_pages_.get(site_key, 0) >= self.max_pages_per_site:
                continue
            self.seen_.add(page_id)
            self.site_pages_[site_key] = self.site_pages_.get(site_key, 0) + 1
            lines = self.site_lines_.setdefault(site_key, {})
            for key in _keys(text):
                if len(key) > self.max_key_chars:
                    continue
                if key not in lines or not site_key:  # a page of unknown site is a site
                    self.line_sites_[key] = self.line_sites_.get(key, 0) + 1
                    self.longest_key_ = max(self.longest_key_, len(key))
                lines[key] = lines.get(key, 0) + 1
        return self

    @property
    def fitted(self) -> bool:
        return hasattr(self, "site_lines_")

    def counts(
        self,
        lines: list[str],
        *,
        site: str | None = None,
        page: str | None = None,
        normalized: bool = False,
    ) -> tuple[list[int], list[int]]:
        """For each line: (other sites carrying it, other pages of ``site`` carrying it).

        ``page`` is the page the lines come from; when the model has seen it, its
        own contribution is left out. ``normalized``: the lines are already keys
        (:func:`normalize` output).
        """
        if not self.fitted:
            return [0] * len(lines), [0] * len(lines)
        site_key = _site_key(site)
        # pages of unknown site share no site: nothing counts as "this site's"
        own = self.site_lines_.get(site_key, {}) if site_key else {}
        seen = page is not None and content_id(page.encode("utf-8", "surrogatepass")) in self.seen_
        own_seen = 1 if seen else 0
        keys = lines if normalized else [normalize(line) for line in lines]
        longest = getattr(self, "longest_key_", sys.maxsize)
        return corpus_counts(keys, own, self.line_sites_, bool(site_key), own_seen, is_prose, longest)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state (parameters and learned counts)."""
        return {
            "params": {"max_key_chars": self.max_key_chars, "max_pages_per_site": self.max_pages_per_site},
            "site_lines": getattr(self, "site_lines_", {}),
            "site_pages": getattr(self, "site_pages_", {}),
            "seen": sorted(getattr(self, "seen_", set())),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BoilerplateModel:
        model = cls(**data.get("params", {}))
        if data.get("site_lines") is not None and (data["site_lines"] or data.get("seen")):
            model.site_lines_ = {s: dict(v) for s, v in data["site_lines"].items()}
            model.site_pages_ = dict(data.get("site_pages", {}))
            model.seen_ = set(data.get("seen", ()))
            model.line_sites_ = {}
            for site, lines in model.site_lines_.items():
                for key, pages in lines.items():
                    # pages of unknown site ("") each count as a site
                    model.line_sites_[key] = model.line_sites_.get(key, 0) + (1 if site else pages)
            model.longest_key_ = max(map(len, model.line_sites_), default=0)
        return model
