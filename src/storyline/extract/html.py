"""HTML mode: trafilatura for the body, plus what it misses.

* Metadata (title, author, site, date candidates) is read from the parsed tree:
  OpenGraph/Twitter/Dublin Core meta, JSON-LD, ``<h1>``, ``<title>``, ``<time>``.
* trafilatura runs with the settings chosen by measurement (:data:`TRAFILATURA_OPTIONS`).
* Paragraphs that the corpus says are boilerplate (repeated on other pages of the
  site, or short lines repeated across sites) are dropped, and so are second copies of a
  paragraph within the page (:func:`~.text.drop_repeats`).
* When trafilatura returns too little, a recall-oriented second pass is the fallback.
* Hostile pages: scripts and styles are stripped before parsing, and markup above
  :data:`MAX_MARKUP_CHARS` is refused with a reason rather than parsed for minutes.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from ..errors import ExtractionError
from ..model import RemovedLine
from . import _title_weights
from ._html_titles import HTML_TITLE_FEATURES, MAX_H1, html_title_candidates
from ._lines import normalize, split_lines
from ._render import render_text
from ._titles import tidy_title
from .boilerplate import BoilerplateModel, html_to_lines
from .text import KEEP_THRESHOLD, chrome_rule, drop_repeats, is_sentence, score_lines

logger = logging.getLogger(__name__)

#: trafilatura options. include_comments=False lifted F1 on both dev files (the default
#: keeps reader comments, which no gold body contains); fast=True (no readability/jusText
#: second opinion) halves its time, and the line classifier below recovers what that
#: costs on wcxb-dev (measured on the first 150 pages of each dev file).
TRAFILATURA_OPTIONS: dict[str, Any] = {"include_comments": False, "fast": True}
#: when the classifier keeps this many times more words than trafilatura's fast pass,
#: the full cascade runs too (on 6% of wcxb-dev pages, 6% of scrapinghub's). Without it
#: wcxb-dev F1 is 0.931, with it 0.947 for any gate from 1.2 to 3.0 (0.946 at 5);
#: 2.0 runs the slow cascade on half as many pages as 1.2 (45 against 89 of 711) for
#: the same F1 on both dev files (2026-12-01).
FULL_RUN_GATE = 2.0
#: ... and so does a fast pass that is a menu: fewer words than this a paragraph on average
#: (a city hall's page gave 1,200 words of one- and two-word links). The full cascade's text
#: then replaces it when its paragraphs are longer. On the dev files any bound from 3 to 5
#: gives scrapinghub 0.9636 -> 0.9673 and leaves wcxb at 0.9486.
MENU_WORDS = 4.0
#: fewer words than this from trafilatura triggers the fallback (the line classifier on
#: the rendered page); on the dev files 20-60 replaced short but right bodies, 10 did not.
FALLBACK_WORDS = 10
# Combining trafilatura with the line classifier on the rendered page. Chosen on the
# first 150 pages of each dev file (grid: drop -3/-2/-1/none, add 0/1/1.5/2/3, gate
# 1.0-2.0): with fast=True, F1 0.965 on scrapinghub and 0.940 on wcxb-dev against
# 0.965 / 0.912 for trafilatura alone with the same options.
#: a trafilatura paragraph whose rendered line scores below this log-odds is dropped.
DROP_SCORE = -2.0
#: a rendered line inside trafilatura's span that trafilatura left out is added back
#: when it scores above this log-odds...
ADD_SCORE = 1.0
#: ...has at least this many words...
ADD_MIN_WORDS = 4
#: ...and the classifier keeps this many times more words than trafilatura found.
ADD_GATE_RATIO = 1.2
#: markup (after removing scripts/styles) above this many characters is refused; the
#: largest article page in the dev files is under 2 MB of markup.
MAX_MARKUP_CHARS = 8_000_000
#: a paragraph of at most this many words repeated on other sites is chrome.
REPEATED_MAX_WORDS = 12
#: pages of other sites that must carry a short paragraph for it to count as chrome.
REPEATED_SITES = 3
#: other pages of the same site that must carry a short paragraph for it to count as chrome.
REPEATED_SITE_PAGES = 2

# The bodies are matched as runs of "[^<]*" broken only by a "<" that does not close
# the element (and "[^-]*" for comments): the same matches as a lazy ".*?", which
# the regex engine walks one character at a time (2.5 times slower on the dev pages).
_SCRIPT = re.compile(
    r"<(script|style|noscript|svg)\b(?![^>]*application/ld\+json)[^>]*>[^<]*(?:<(?!/\1\s*>)[^<]*)*</\1\s*>",
    re.I | re.S,
)
_COMMENT = re.compile(r"<!--[^-]*(?:-(?!->)[^-]*)*-->", re.S)
_TITLE_SEPARATORS = re.compile(r"\s+[|–—:•·»-]\s+|\s+[|]\s*|\s*[|]\s+")
_DATE_META = (
    "article:published_time", "og:published_time", "datepublished", "article.published",
    "publish-date", "publish_date", "publishdate", "published", "published-date", "published_date", "pubdate", "date", "dc.date", "dc.date.issued",
    "dcterms.created", "dcterms.date", "parsely-pub-date", "sailthru.date", "article_date_original",
    "cxenseparse:recs:publishtime", "date.available", "og:updated_time", "article:modified_time",
    "datemodified", "last-modified",
)  # fmt: skip
_MODIFIED = {"og:updated_time", "article:modified_time", "datemodified", "last-modified"}


@dataclass
class HtmlMeta:
    """What the markup says about the article."""

    title: str = ""
    author: str | None = None
    site: str | None = None
    dates: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    url: str | None = None
    language: str | None = None
    #: where each of ``dates`` comes from: "og" (article:/og:published_time),
    #: "jsonld" (datePublished) or "other"
    date_kinds: list[str] = field(default_factory=list)
    #: every title the markup offers, by source (see :mod:`._html_titles`)
    title_sources: dict[str, list[str]] = field(default_factory=dict)


def strip_scripts(html: str) -> str:
    """Remove scripts, styles and comments (JSON-LD is kept: it carries metadata)."""
    return _SCRIPT.sub(" ", _COMMENT.sub(" ", html))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _clean_title(text: str | None) -> str:
    """A title as a reader sees it: whitespace collapsed, entities that survived parsing
    decoded ("SQL &#x26; AI"), then :func:`._titles.tidy_title`."""
    text = _clean(text)
    if "&" in text:
        text = _clean(unescape(text))
    return tidy_title(text)


def _jsonld_objects(scripts: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in scripts:
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return found


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(names) if names else None
    if isinstance(value, dict):
        value = value.get("name")
    return _clean(value) if isinstance(value, str) and value.strip() else None


def _strip_site(title: str, site: str | None) -> str:
    """Drop a " | Site name" style suffix or prefix from a <title>."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) == 1:
        return title
    if site:
        lowered = site.lower()
        # "Site Name" in the title as the site calls itself, or shortened ("Thrive
        # Internet Marketing" for "Thrive Internet Marketing Agency")
        kept = [p for p in parts if lowered not in p.lower() and p.lower() not in lowered]
        if kept and len(kept) < len(parts):
            return " - ".join(kept)
    return max(parts, key=len)


def _similar(a: str, b: str) -> bool:
    ta, tb = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= 0.6


def read_metadata(tree: Any, *, site: str | None = None, page_text: str = "") -> HtmlMeta:
    """Title, author, site, date candidates and canonical URL from a parsed page.

    ``site``: the page's site key (a host name), a hint for telling the site name
    from the headline in ``<title>``; ``page_text``: the page rendered as text
    (:func:`._render.render_text`), where the headline a reader sees is found.
    """
    # one walk over the tree collects what used to take eight XPath queries (each a
    # walk of its own): same nodes, same document order
    metas, scripts, h1_nodes, times, canonical = [], [], [], [], []
    page_title: str | None = None
    # markup after </html> can leave more top-level elements beside the root, and the
    # "//" queries saw them too
    root = tree.getroottree().getroot()
    tops = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    for node in (n for top in tops for n in top.iter("meta", "script", "h1", "title", "time", "link")):
        tag = node.tag
        if tag == "meta":
            if node.get("content") is not None:
                metas.append(node)
        elif tag == "script":
            if node.get("type") == "application/ld+json":
                scripts.append(node)
        elif tag == "h1":
            h1_nodes.append(node)
        elif tag == "title":
            if page_title is None:
                page_title = node.text_content()
        elif tag == "time":
            if node.get("datetime") is not None:
                times.append(node.get("datetime"))
        elif node.get("rel") == "canonical" and node.get("href") is not None:
            canonical.append(node.get("href"))
    meta: dict[str, str] = {}
    for node in metas:
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        if key and key not in meta and node.get("content", "").strip():
            meta[key] = node.get("content").strip()
    out = HtmlMeta()
    objects = _jsonld_objects(scripts)
    article = next((o for o in objects if o.get("datePublished") or o.get("headline")), {})
    out.site = meta.get("og:site_name") or _name(article.get("publisher")) or meta.get("application-name")
    authors = [
        _name(article.get("author")),
        meta.get("author"),
        meta.get("article:author"),
        meta.get("parsely-author"),
        meta.get("sailthru.author"),
    ]
    # article:author is often a profile URL, not a name
    out.author = next((a for a in authors if a and not a.startswith("http")), None)
    # dates, most trustworthy first; calibrated on wcxb-dev pages with a gold date:
    # article:published_time was right 95% of the time, JSON-LD datePublished 89%,
    # the first <time datetime> 84%, modified dates about 35%
    first = [meta[k] for k in ("article:published_time", "og:published_time") if k in meta]
    articles = sorted(objects, key=lambda o: "Article" not in str(o.get("@type", "")) and "Posting" not in str(o.get("@type", "")))
    first += [o["datePublished"] for o in articles if isinstance(o.get("datePublished"), str)]
    first += [meta[k] for k in _DATE_META if k in meta and k not in _MODIFIED and k not in ("article:published_time", "og:published_time")]
    first += times[:2]
    first += [o["dateModified"] for o in articles if isinstance(o.get("dateModified"), str)]
    first += [meta[k] for k in _DATE_META if k in _MODIFIED and k in meta]
    out.dates = first
    kinds = ["og"] * sum(k in meta for k in ("article:published_time", "og:published_time"))
    kinds += ["jsonld"] * sum(isinstance(o.get("datePublished"), str) for o in articles)
    out.date_kinds = kinds + ["other"] * (len(first) - len(kinds))
    h1s = [_clean_title(h.text_content()) for h in h1_nodes]
    h1s = [h for h in h1s if 1 <= len(h.split()) <= 40]
    in_article = [
        _clean_title(h.text_content())
        for h in h1_nodes
        if any(a.tag in ("article", "main") for a in h.iterancestors())
    ]
    in_article = [h for h in in_article if 2 <= len(h.split()) <= 40]
    og = _clean_title(meta.get("og:title") or meta.get("twitter:title"))
    headline = _clean_title(article.get("headline")) if isinstance(article.get("headline"), str) else ""
    page_title = _clean_title(page_title) if page_title is not None else ""
    stripped = _strip_site(page_title, out.site) if page_title else ""
    og_stripped = _strip_site(og, out.site) if og else ""
    out.title_sources = {
        "og": [_clean_title(meta.get("og:title"))],
        "twitter": [_clean_title(meta.get("twitter:title"))],
        "headline": [headline],
        "title": [page_title],
        "title_stripped": [stripped],
        "og_stripped": [og_stripped],
        "h1_first": h1s[:1],
        "h1_other": h1s[1:MAX_H1],
        "h1_article": in_article[:1],
        "site": [out.site or ""],
    }
    texts, rows = html_title_candidates(out.title_sources, site=site, page_text=page_text)
    if texts:
        weights = _title_weights.HTML_WEIGHTS
        scores = [sum(weights[name] * x for name, x in zip(HTML_TITLE_FEATURES, row, strict=True)) for row in rows]
        out.title = texts[max(range(len(texts)), key=scores.__getitem__)]
    out.url = meta.get("og:url") or (canonical[0] if canonical else None)
    lang = tree.xpath("/html/@lang")
    out.language = lang[0].split("-")[0].lower() if lang and lang[0].strip() else None
    return out


#: the window around the headline searched for the dateline (characters before, after);
#: measured on wcxb-dev (800-1500 after gave the same accuracy; 3000 a little less).
DATELINE_WINDOW = (750, 1500)
#: without a headline on the page, the top this many characters are searched.
DATELINE_TOP = 5000


def _visible_head(rendered: str, title: str, others: list[str] = ()) -> str:  # type: ignore[assignment]
    """The rendered page text around the headline: where datelines are.

    ``others``: further titles to look for when ``title`` is not shown (the <h1>).
    """
    at = -1
    for candidate in (title, *others):
        at = rendered.find(candidate) if candidate else -1
        if at >= 0:
            break
    if at < 0:
        return rendered[:DATELINE_TOP]
    start = rendered.rfind("\n", 0, max(at - DATELINE_WINDOW[0], 0)) + 1
    line = rendered.rfind("\n", 0, at) + 1
    # from the headline down first, then the lines above it: a date above the headline
    # is more often today's date in the header or a ticker than the article's
    return rendered[line : at + DATELINE_WINDOW[1]] + "\n" + rendered[start:line]


def _words_per_paragraph(text: str | None) -> float:
    """Mean words of the non-blank lines of trafilatura's text (0 for none)."""
    paragraphs = [p for p in (text or "").split("\n") if p.strip()]
    return len((text or "").split()) / len(paragraphs) if paragraphs else 0.0


def _combine(
    paragraphs: list[str], rendered: Any, scores: list[float], ours_words: int, theirs_words: int
) -> tuple[list[str], list[RemovedLine]]:
    """trafilatura's paragraphs, minus what the classifier rejects, plus what it missed.

    ``ours_words``, ``theirs_words``: the words of the rendered lines the classifier
    keeps, and of trafilatura's paragraphs. A classifier that keeps nothing of a page
    cannot read it (an unusual template or language): where trafilatura found prose it
    rejects nothing, and on such a page the chrome rules of text mode (cookie notices,
    ads, credits, code) remove what they know.
    """
    best: dict[str, float] = {}
    first_at: dict[str, int] = {}
    for i, (key, score) in enumerate(zip(rendered.keys, scores, strict=True)):
        best[key] = max(best.get(key, -math.inf), score)
        first_at.setdefault(key, i)
    removed: list[RemovedLine] = []
    kept: list[tuple[float, str, str]] = []  # (position, paragraph, its key)
    position = -1.0
    # no vote only where trafilatura found prose (a listing's headlines or a menu still go)
    no_vote = not ours_words and any(is_sentence(p) and not chrome_rule(p) for p in paragraphs)
    for paragraph in paragraphs:
        key = normalize(paragraph)
        if not no_vote and best.get(key, math.inf) < DROP_SCORE:
            removed.append(RemovedLine(paragraph, "line classifier: not article text"))
            continue
        if not ours_words and (rule := chrome_rule(paragraph)):
            # where the classifier reads nothing, the rules still know a cookie notice or an ad
            removed.append(RemovedLine(paragraph, rule))
            continue
        # paragraphs not found among the rendered lines keep their order after the last found
        position = float(first_at[key]) if key in first_at else position + 1e-3
        kept.append((position, paragraph, key))
    found = [first_at[key] for _, _, key in kept if key in first_at]
    if found and ours_words > ADD_GATE_RATIO * theirs_words:
        joined = " ".join(key for _, _, key in kept)
        for i in range(min(found), max(found) + 1):
            key = rendered.keys[i]
            if scores[i] > ADD_SCORE and len(key.split()) >= ADD_MIN_WORDS and key not in joined:
                kept.append((i - 1e-6, _clean(rendered.texts[i].lstrip("*+-#• ")), ""))
    kept.sort(key=lambda item: item[0])
    return [p for _, p, _ in kept], removed


@dataclass
class HtmlResult:
    meta: HtmlMeta
    body: list[str]
    removed: list[RemovedLine]
    visible_head: str
    #: the whole page rendered to text (a last place to look for a date)
    rendered: str = ""


@functools.cache
def _trafilatura_config() -> Any:
    """trafilatura's settings with its own timeout off (ours wraps the whole page);
    read once: parsing the settings file took 0.4 ms, about 1% of a page."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def extract_html(
    html: str,
    *,
    url: str | None = None,
    boilerplate: BoilerplateModel | None = None,
    site: str | None = None,
) -> HtmlResult:
    """Body paragraphs, metadata and removed paragraphs of one HTML page."""
    import trafilatura

    cleaned = strip_scripts(html)
    if len(cleaned) > MAX_MARKUP_CHARS:
        raise ExtractionError(
            f"page too large: {len(cleaned):,} characters of markup after removing scripts"
        )
    tree = trafilatura.load_html(cleaned)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    # the page as copied text, scored by the text-mode line classifier; rendered
    # before trafilatura runs, which prunes the tree it is given
    page_text = render_text(tree)
    meta = read_metadata(tree, site=site, page_text=page_text)
    sources = meta.title_sources
    visible = _visible_head(page_text, meta.title, [*sources.get("h1_article", ()), *sources.get("h1_first", ())])
    rendered = split_lines(page_text)
    scores, _ = score_lines(rendered, boilerplate=None, site=site)
    config = _trafilatura_config()
    text = trafilatura.extract(tree, url=url, config=config, **TRAFILATURA_OPTIONS) or ""
    ours_words = sum(len(k.split()) for k, v in zip(rendered.keys, scores, strict=True) if v > KEEP_THRESHOLD)
    theirs_words = len(text.split())
    fast_per_paragraph = _words_per_paragraph(text)
    menu_like = bool(text) and fast_per_paragraph < MENU_WORDS
    if ours_words > FULL_RUN_GATE * theirs_words or menu_like:
        # the classifier sees much more article than the fast pass found, or the fast
        # pass found a menu: run trafilatura's full cascade (readability, jusText) on a
        # fresh tree
        full = trafilatura.extract(
            trafilatura.load_html(cleaned), url=url, config=config, **{**TRAFILATURA_OPTIONS, "fast": False}
        )
        full_words = len(full.split()) if full else 0
        if (_words_per_paragraph(full) > fast_per_paragraph) if menu_like else full_words > theirs_words:
            text, theirs_words = full, full_words
    paragraphs = [_clean(p) for p in text.split("\n") if p.strip()]
    removed: list[RemovedLine] = []
    if theirs_words < FALLBACK_WORDS:
        # trafilatura found (almost) nothing: the line classifier reads the rendered page
        fallback = [_clean(t.lstrip("*+-• ")) for t, s in zip(rendered.texts, scores, strict=True) if s > KEEP_THRESHOLD]
        if sum(len(p.split()) for p in fallback) > theirs_words:
            paragraphs = fallback
    else:
        paragraphs, removed = _combine(paragraphs, rendered, scores, ours_words, theirs_words)
    paragraphs = drop_repeats(paragraphs, removed)
    if boilerplate is not None and boilerplate.fitted and paragraphs:
        # a page of unknown site counted as a site of its own: leave its own lines out
        own_page = None if site else html_to_lines(html)
        sites, same = boilerplate.counts(paragraphs, site=site, page=own_page)
        kept = []
        for paragraph, n_sites, n_same in zip(paragraphs, sites, same, strict=True):
            short = len(paragraph.split()) <= REPEATED_MAX_WORDS
            if n_same >= REPEATED_SITE_PAGES and short:
                removed.append(RemovedLine(paragraph, "repeated on other pages of this site"))
            elif n_sites >= REPEATED_SITES and short:
                removed.append(RemovedLine(paragraph, "repeated across sites"))
            else:
                kept.append(paragraph)
        paragraphs = kept
    if meta.title and paragraphs and _clean(paragraphs[0]).lower() == meta.title.lower():
        removed.append(RemovedLine(paragraphs.pop(0), "headline (moved to title)"))
    return HtmlResult(meta=meta, body=paragraphs, removed=removed, visible_head=visible, rendered=page_text)
