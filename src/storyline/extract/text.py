"""Text mode: clean the text a person or a crawler copied out of a rendered page.

Every non-blank line is scored by a two-stage linear model over line features
(:mod:`._lines`, weights fitted by ``bench/fit_line_model.py``): stage 1 reads
the line itself, its page and the corpus (:class:`BoilerplateModel`); stage 2
reads the stage-1 scores of its neighbours. Lines above :data:`KEEP_THRESHOLD`
form the body; the headline and the byline are taken out of the body into the
title and author; every other line is kept in ``removed`` with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..model import RemovedLine
from . import _line_weights, _title_weights
from ._lines import (
    _BYLINE,
    _DATEISH,
    _NOT_BYLINE,
    _SENTENCE_ENDINGS,
    CONTEXT_FEATURES,
    FEATURES,
    PageLines,
    context_features,
    hit_offsets,
    line_features,
    normalize,
    split_lines,
)
from ._titles import TITLE_FEATURES, strip_title, tidy_title, title_features, title_key
from ._trees import TreeEnsemble
from .boilerplate import BoilerplateModel

#: stage-2 log-odds above which a line is article text; the best threshold of the
#: 5-fold CV on both dev files (bench/fit_line_model.py reports the grid).
KEEP_THRESHOLD = 0.0
#: a date standing alone within three lines of the body's start is the page's dateline,
#: not article text (the date reader reads it from the head); no longer than this.
DATE_LINE_MAX_CHARS = 60
#: a kept paragraph of at least this many words that repeats an earlier one is dropped
#: (:func:`drop_repeats`, both modes): the page carries the article twice. Shorter repeats
#: are often the article's own (an interview's recurring questions, a meal plan's items).
#: Text F1 by bound 5/8/12/15/20/none: scrapinghub 0.9386/0.9392/0.9395/0.9397/0.9391/
#: 0.9396, wcxb 0.9418/0.9417/0.9414/0.9411/0.9409/0.9393; HTML F1 by bound 5/10/15/none:
#: scrapinghub 0.9631/0.9635/0.9636/0.9626, wcxb 0.9487/0.9488/0.9486/0.9473.
REPEAT_MIN_WORDS = 15
#: the dateline window in lines around the headline / body start (by eye on wcxb-dev).
HEAD_LINES_ABOVE_TITLE = 3
HEAD_LINES_BELOW = 6
#: lines of a page with this many other sites carrying them are "repeated across sites".
REPEATED_SITES = 2

def _stage1() -> TreeEnsemble | np.ndarray:
    spec = _line_weights.STAGE1
    if list(getattr(_line_weights, "FEATURES", FEATURES)) != list(FEATURES):
        raise RuntimeError("line-model weights do not match the features; re-run bench/fit_line_model.py")
    if "trees" in spec:
        return TreeEnsemble(spec)
    return np.array([spec[name] for name in FEATURES])


_STAGE1 = _stage1()
_W2 = np.array([_line_weights.STAGE2[name] for name in CONTEXT_FEATURES])
_F = {name: i for i, name in enumerate(FEATURES)}
_WT = np.array([_title_weights.WEIGHTS[name] for name in TITLE_FEATURES])
_BY_PREFIX = re.compile(r"^(by|written by|author:|words by)\s+", re.I)
_AUTHOR_TAIL = re.compile(r"\s*(?:[|,•·]|\bon\b|\bupdated\b|\bpublished\b|\d).*$", re.I)


_CODE = re.compile(
    r"^(var|let|const|function|window\.|document\.|if ?\(|\$\(|@media|@import|<\/?[a-z]+[ >])|"
    r"\{\{|\}\}|\{%|%\}|[\w.$\]]\(.*\);?$|\{$|^\}|=>|;\s*$",
)
#: whole lines that are ad placeholders (lower-case, trailing punctuation stripped).
_AD = frozenset(
    (
        "advertisement", "ad", "ads", "advert", "sponsored", "sponsored content", "paid content",
        "promoted", "story continues below advertisement", "article continues below advertisement",
        "continue reading below", "advertisement - scroll to continue", "adchoices",
        "advertisement - scroll to continue with article", "ad feedback", "skip advertisement",
    )
)  # fmt: skip
_TWO_CODE_CHARS = re.compile(r"[{}();=<>$].*?[{}();=<>$]")
_AD_MAX_CHARS = max(map(len, _AD)) + 10  # room for spacing and punctuation around the phrase
_CREDIT = re.compile(
    r"^(photo|image|picture|illustration|video|graphic)s?( credit| by| source)?\s*[:©|-]|^(©|\(c\))\s|"
    r"\b(getty images|shutterstock|istock|ap photo|afp via getty|reuters/)\b",
    re.I,
)
_COOKIE = re.compile(r"\bcookies?\b", re.I)
_COOKIE_CONTEXT = re.compile(r"\b(consent|accept|privacy|website|browsing|experience|policy|settings|third[- ]party)\b", re.I)


#: where the classifier keeps no line of a page, a paragraph of at least this many words
#: that ends like a sentence, and that no rule, chrome phrase or comment section claims, is
#: still read as the article (with the sentences of prose next to it): the page's only
#: prose scores low when a long archive menu puts it at the foot of the page among links
#: (a city hall's news item, scrapinghub). Refusing such a page loses the article; a page
#: of menus and notices has no such paragraph.
FALLBACK_PROSE_WORDS = 40
#: lines of prose this many lines apart or closer read as one run (the article).
FALLBACK_GAP = 2
#: a page of at most this many lines has no menus to hide its article among: its
#: sentences are the article however the classifier scores them (it learned on whole
#: pages, where the last line of a page is a footer). A wire flash, a news API's item
#: ("Headline / date / one-sentence lead") is such a page.
SHORT_PAGE_LINES = 6

#: a page whose only article line has at least this many words and ends like a sentence
#: is a one-paragraph article, not a bare headline (ECB+ holds such one-sentence reports).
ONE_LINE_ARTICLE_WORDS = 12
#: a paid link dressed as a headline ("Sponsored: 9 harbour towns you have to visit").
_SPONSORED = re.compile(r"(sponsored|promoted|paid content|partner content|advertorial)\s*[:|·-]", re.I)

#: a heading over other stories' links ("Read more on QuickNews Now", "More from Sport").
_MORE_FROM = re.compile(r"(read more|more) (on|from|at) \S", re.I)


def is_sentence(text: str) -> bool:
    """A line that reads as a sentence of prose: a dozen words or more, ending like one."""
    return len(text.split()) >= ONE_LINE_ARTICLE_WORDS and text.rstrip().endswith(_SENTENCE_ENDINGS)


def chrome_rule(text: str) -> str | None:
    """A reason when a line is chrome by a rule the classifier need not learn, else None.

    Rules for kinds of chrome that are unambiguous on sight: template or script
    code, ad placeholders, photo credits, cookie notices.
    """
    body = text.lstrip("*+-• ").strip()
    if len(body) <= _AD_MAX_CHARS and " ".join(body.lower().split()).strip(" .:-–—") in _AD:
        return "ad placeholder"
    for reason, test in _RULES:
        if test(body):
            return reason
    return None


#: characters that case-insensitive regexes fold onto ASCII letters where lower() does
#: not (long s, dotless i; "İ" lowers to "i" and a combining dot; the Kelvin sign lowers
#: to "k"): a line holding one goes through chrome_rule whatever the scans below find.
_FOLD_ODDITIES = ("ſ", "ı", "\u0307")
#: chrome_rule's anchored tests as patterns over a lower-cased line (one fires only on a
#: line that one of these opens), by rule. An ad placeholder is a whole line: the phrase,
#: any whitespace between its words, the stripped punctuation on either side. A line
#: opening with bullet characters may have one behind them. The other rules' openings
#: differ by their second character at the latest: a line opens with one rule's.
_SPACE = r"[^\S\n]"  # whitespace within a line
_AD_PHRASES = [re.escape(phrase).replace(r"\ ", _SPACE + "+") for phrase in sorted(_AD, key=len, reverse=True)]
_AD_TAIL = rf"(?:{_SPACE}|[.:\-–—])*(?=\n)"
_OPENINGS = (
    *[("ad", phrase + _AD_TAIL) for phrase in _AD_PHRASES],
    *[("ad", rf"{first}(?:{_SPACE}|[.:\-–—])*+(?:{'|'.join(_AD_PHRASES)}){_AD_TAIL}")
      for first in (_SPACE, r"[.:\-–—]")],
    *[("code", opening) for opening in (
        "var", "let", "const", "function", r"window\.", r"document\.", r"if ?\(", r"\$\(", "@media", "@import",
        r"</?[a-z]+[ >]", r"\}",
    )],
    *[("credit", rf"{word}s?(?: credit| by| source)?{_SPACE}*[:©|-]")
      for word in ("photo", "image", "picture", "illustration", "video", "graphic")],
    ("credit", rf"©{_SPACE}"),
    ("credit", rf"\(c\){_SPACE}"),
    *[("sponsored", rf"{word}{_SPACE}*[:|·-]")
      for word in ("sponsored", "promoted", "paid content", "partner content", "advertorial")],
    ("more", r"read more (?:on|from|at) \S"),
    ("more", r"more (?:on|from|at) \S"),
)  # fmt: skip
# (the runs in front of a phrase or an opening are possessive: none opens with their
# characters, and a long run of dashes is not tried at every length)
_OPENINGS += (("bullet", rf"[*+\-•](?:[*+\-•]|{_SPACE})*+(?:{'|'.join(pattern for _, pattern in _OPENINGS)})"),)
#: all at once, each alternative closed by an empty group that names its rule (speed: every
#: alternative opens with a character or a class, which the regex engine checks first)
_AD_OR_OPENING = re.compile(r"\n(?:" + "|".join(pattern + "()" for _, pattern in _OPENINGS) + ")")
_OPENING_RULES = (None, *(rule for rule, _ in _OPENINGS))  # by the group's number
#: what a lower-cased line must hold for a rule to fire anywhere in it (from its regexes)
_CODE_MARKS = ("{{", "}}", "{%", "%}", "=>")
_CODE_LAST = ";{"  # a last character (")" is a call's, below)
_CREDIT_HINTS = ("getty", "stock", "ap photo", "reuters/")  # "stock": shutterstock, istock
_COOKIE_HINT = ("cookie",)  # what _COOKIE matches, lower-cased
#: a call: what a line ending with ")" needs for the code rule to fire but by an opening
#: or a mark (its alternative "[\w.$\]]\(.*\);?$"); most such lines are prose
_CALL = re.compile(r"[\w.$\]]\(")
#: the rules of chrome_rule after the ad placeholder, in its order: each rule's test of a
#: stripped line (its bounds on the words written as spaces: 20 words or fewer is fewer
#: than 20 spaces); _chrome_rules runs one alone on a line no other rule can fire on
_ONE_RULE = {
    "code": ("template or script code", lambda body: _TWO_CODE_CHARS.search(body) and _CODE.search(body)),
    "credit": ("photo credit", lambda body: body.count(" ") < 20 and _CREDIT.search(body)),
    "sponsored": ("sponsored link", lambda body: body.count(" ") < 25 and _SPONSORED.match(body)),
    "more": ("link to more stories", lambda body: body.count(" ") < 8 and _MORE_FROM.match(body)),
    "cookie": (
        "cookie notice",
        # cheap tests first
        lambda body: body.count(" ") < 80
        and ("ookie" in body or "OOKIE" in body)
        and _COOKIE.search(body)
        and _COOKIE_CONTEXT.search(body),
    ),
}
_RULES = tuple(_ONE_RULE.values())
# a line ending with ")": the code rule where it holds a call (see _CALL)
_ONE_RULE["call"] = ("template or script code", lambda body: _CALL.search(body) and _ONE_RULE["code"][1](body))


def chrome_rules(texts: list[str]) -> list[str | None]:
    """:func:`chrome_rule` for every line of a page (same answers, faster).

    Cheap page-wide scans (substrings and line openings over the joined lines) find
    the lines that some rule could fire on; only those go through the rules.
    """
    bodies = [t.lstrip("*+-• ").strip() for t in texts]
    return _chrome_rules(texts, bodies, [b.lower() for b in bodies])


def _ending(joined: str, chars: str) -> list[int]:
    """Offsets in ``joined`` of the characters of ``chars`` that end a line (a newline
    follows): one C-level scan for each character (a page has few), then a look."""
    hits = []
    for char in chars:
        pos = joined.find(char)
        while pos >= 0:
            if joined[pos + 1 : pos + 2] == "\n":
                hits.append(pos)
            pos = joined.find(char, pos + 1)
    return hits


def _chrome_rules(texts: list[str], bodies: list[str], keys: list[str]) -> list[str | None]:
    """:func:`chrome_rules` of ``texts``, stripped as chrome_rule strips them to ``bodies``.

    ``keys``: the lines lower-cased, which the scans read: the bodies lower-cased, or
    split_lines' keys (no lower() of the page here), which are the same but for runs of
    whitespace made one space, bullet characters left in front (the bullet opening
    takes those lines) and two-character list bullets that chrome_rule keeps ("# ",
    "o "; no rule fires on a line opening with one).
    """
    # "\n" first: every line, the first too, starts after a newline
    low = "\n".join(["", *keys, ""])
    hits = [(m.start() + 1, _OPENING_RULES[m.lastindex]) for m in _AD_OR_OPENING.finditer(low)]
    if not low.isascii():
        hits += [(at, "odd") for at in hit_offsets(low, _FOLD_ODDITIES)]
    hits += [(at, "code") for at in hit_offsets(low, _CODE_MARKS)]
    hits += [(at, "code") for at in _ending(low, _CODE_LAST)]
    hits += [(at, "call") for at in _ending(low, ")")]
    hits += [(at, "credit") for at in hit_offsets(low, _CREDIT_HINTS)]
    hits += [(at, "cookie") for at in hit_offsets(low, _COOKIE_HINT)]
    hits.sort()
    # a hit's line: the newlines before it, counted on from the last hit (a page's hits
    # are few: cheaper than the offsets of all lines)
    rules: dict[int, str] = {}  # line -> the one rule that may fire on it, "" for several
    line, last = -1, 0
    for at, rule in hits:
        line += low.count("\n", last, at)
        last = at
        rules[line] = rule if rules.get(line, rule) == rule else ""
    out: list[str | None] = [None] * len(texts)
    for line, rule in rules.items():
        if rule in _ONE_RULE:
            reason, test = _ONE_RULE[rule]
            if test(bodies[line]):
                out[line] = reason
        else:  # an ad placeholder, bullet characters first, a fold oddity, several rules
            out[line] = chrome_rule(texts[line])
    return out


@dataclass
class CleanText:
    """What text-mode cleaning found on one page."""

    title: str = ""
    author: str | None = None
    body: list[str] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)
    #: lines from the top of the page up to the body (datelines live there).
    head: str = ""


#: why a line the classifier dropped was dropped, first test that holds wins.
_REASONS = (
    ("site_pages", "repeated on other pages of this site"),
    ("corpus_sites", "repeated across sites"),
    ("chrome", "chrome phrase (menu, share, cookie, subscribe, related...)"),
    ("urlish", "link or e-mail address"),
    ("bullet", "menu or list item outside the article"),
    ("dup_in_page", "repeated within the page"),
    ("before_main", "above the article"),
    ("after_main", "below the article"),
)
_LOW_SCORE = "not article text (low score)"
_ACROSS_SITES = 1.0986  # log1p(2): carried by REPEATED_SITES other sites


#: the feature each reason of _REASONS reads, and the reasons with the fallback last.
_REASON_COLUMNS = [_F[name] for name, _ in _REASONS]
_REASON_TEXTS = (*[reason for _, reason in _REASONS], _LOW_SCORE)


def _reasons(rows: np.ndarray) -> list[str]:
    """The reason for each line (a row of :func:`line_features`) as a removed line."""
    values = rows[:, _REASON_COLUMNS]
    holds = np.empty((len(rows), len(_REASON_TEXTS)), dtype=bool)
    holds[:, :-1] = values != 0
    corpus = _REASON_COLUMNS.index(_F["corpus_sites"])
    holds[:, corpus] = values[:, corpus] >= _ACROSS_SITES
    holds[:, -1] = True  # the fallback
    # the first reason that holds (as np.select would pick), by its index
    return list(map(_REASON_TEXTS.__getitem__, holds.argmax(axis=1).tolist()))


def score_lines(
    page: PageLines,
    *,
    boilerplate: BoilerplateModel | None = None,
    site: str | None = None,
    page_text: str | None = None,
) -> tuple[list[float], np.ndarray]:
    """Stage-2 log-odds that each line is article text, and the stage-1 features (one row per line)."""
    sites = same = None
    if boilerplate is not None and boilerplate.fitted:
        sites, same = boilerplate.counts(page.keys, site=site, page=page_text, normalized=True)
    rows = line_features(page, corpus_sites=sites, site_pages=same)
    stage1 = _STAGE1.decision(rows) if isinstance(_STAGE1, TreeEnsemble) else rows @ _STAGE1
    if len(stage1) == 1:
        # stage 2 reads a line's neighbours; a one-line page (a feed's plain text) has
        # none, and the page-edge padding would count against its only line
        return [float(stage1[0])], rows
    stage2 = context_features(stage1) @ _W2
    # a chrome phrase ("Share this article") inside the article is still chrome: the
    # neighbours' prose may not lift it above what the line itself scored
    chrome = rows[:, _F["chrome"]] > 0
    return np.where(chrome, np.minimum(stage1, stage2), stage2).tolist(), rows


def _author(line: str) -> str | None:
    name = _BY_PREFIX.sub("", line.strip().lstrip("*+-• "))
    name = _AUTHOR_TAIL.sub("", name).strip(" .,:")
    return name if 1 <= len(name.split()) <= 8 else None


def pick_title(
    page: PageLines, rows: np.ndarray, scores: list[float], first: int, *, site: str | None = None
) -> int | None:
    """Index of the headline line (the headline ranker's best candidate), or None."""
    idx, x = title_features(page, rows, scores, first, threshold=KEEP_THRESHOLD, feature_index=_F, site=site)
    if not idx:
        return None
    return idx[int(np.argmax(x @ _WT))]


def drop_repeats(paragraphs: list[str], removed: list[RemovedLine], keys: list[str] | None = None) -> list[str]:
    """The paragraphs without second copies of one of REPEAT_MIN_WORDS words or more (a
    page carrying the article twice; a slideshow's captions, which trafilatura's full
    cascade can return several times); each dropped copy goes to ``removed``.
    ``keys``: the paragraphs' :func:`normalize` keys, where the caller has them."""
    seen: set[str] = set()
    kept = []
    for paragraph, key in zip(paragraphs, keys or map(normalize, paragraphs), strict=True):
        if key in seen and len(key.split()) >= REPEAT_MIN_WORDS:
            removed.append(RemovedLine(paragraph, "repeats an earlier paragraph"))
            continue
        seen.add(key)
        kept.append(paragraph)
    return kept


def _fall_back_to_prose(out: CleanText, texts: list[str], bodies: list[str], rules: list[str | None],
                        rows: np.ndarray, scores: list[float], title_index: int | None) -> None:
    """Where nothing was kept: the best-scoring paragraph of long prose that no rule claims
    (see FALLBACK_PROSE_WORDS), with the sentences of prose next to it, becomes the body;
    those lines leave ``out.removed``."""
    # chrome phrases and reader comments (a line with two comment metadata lines around it:
    # "Jane says:", "March 6 at 8:55 am", "Reply") are not the article, however long; one
    # dated line above an article's first paragraph is no thread. (The comment-section
    # feature is not read: a "says" in a teaser list above set it over a whole news page.)
    metadata_near = np.rint(rows[:, _F["comments_near"]] * 3)  # comment metadata lines within 5, up to 3
    claimed = (rows[:, _F["chrome"]] > 0) | (metadata_near >= 2)
    # lines of prose: sentences that nothing above claims
    prose = [i for i, body in enumerate(bodies)
             if i != title_index and rules[i] is None and not claimed[i] and is_sentence(body)]
    seed_words = FALLBACK_PROSE_WORDS if len(texts) > SHORT_PAGE_LINES else 0  # prose is a sentence already
    seeds = [i for i in prose if len(bodies[i].split()) >= seed_words]
    if not seeds:
        return
    best = max(seeds, key=scores.__getitem__)
    run = [best]
    for step in (-1, 1):  # the prose next to it, each line within FALLBACK_GAP of the last
        at = prose.index(best)
        while 0 <= at + step < len(prose) and abs(prose[at + step] - prose[at]) <= FALLBACK_GAP:
            at += step
            run.append(prose[at])
    out.body = [bodies[i] for i in sorted(run)]
    kept = {texts[i] for i in run}
    out.removed = [r for r in out.removed if r.text not in kept]


def clean_text(
    page_text: str,
    *,
    boilerplate: BoilerplateModel | None = None,
    site: str | None = None,
    title_hint: str | None = None,
) -> CleanText:
    """Split a copied page into headline, byline, body lines and removed lines."""
    page = split_lines(page_text)
    out = CleanText()
    if not page.texts:
        return out
    scores, rows = score_lines(page, boilerplate=boilerplate, site=site, page_text=page_text)
    keep = [s > KEEP_THRESHOLD for s in scores]
    first = next((i for i, k in enumerate(keep) if k), len(keep))
    # headline: the given title when the page carries it, else the best candidate of
    # the headline ranker around the body start (see _titles)
    title_index = None
    if title_hint:
        # the container's title; a page line is the headline only when it says the same
        wanted = title_key(title_hint)
        title_index = next((i for i, t in enumerate(page.texts) if title_key(strip_title(t)) == wanted), None)
        out.title = " ".join(title_hint.split())
    else:
        title_index = pick_title(page, rows, scores, first, site=site)
        if title_index is not None:
            out.title = tidy_title(strip_title(page.texts[title_index]))
    head_end = first
    bodies = [t.lstrip("*+-• ").strip() for t in page.texts]
    rules = _chrome_rules(page.texts, bodies, page.keys)
    reasons = _reasons(rows)
    body_keys: list[str] = []
    for i, text in enumerate(page.texts):
        if i == title_index:
            out.removed.append(RemovedLine(text, "headline (moved to title)"))
            continue
        body = bodies[i]
        # (a byline opens with a letter the pattern allows: the cheap test first)
        if i <= first + 3 and body[:1] not in _NOT_BYLINE and len(body.split()) <= 10 and _BYLINE.match(body):
            name = _author(body)
            if name and out.author is None:
                out.author = name
            out.removed.append(RemovedLine(text, "byline (moved to author)"))
            continue
        if abs(i - first) <= 3 and len(body) <= DATE_LINE_MAX_CHARS and len(body.split()) <= 6 and _DATEISH.match(body):
            out.removed.append(RemovedLine(text, "date line (read for the publication date)"))
            continue
        rule = rules[i]
        if rule:
            out.removed.append(RemovedLine(text, rule))
        elif keep[i]:
            out.body.append(body)
            # the line's key is the body's unless bullets were stripped off it (speed:
            # normalize() once per page, in split_lines)
            body_keys.append(page.keys[i] if len(body) == len(text) else normalize(body))
        else:
            out.removed.append(RemovedLine(text, reasons[i]))
    # a mobile and a desktop copy, tabs, a summary box: the article once
    out.body = drop_repeats(out.body, out.removed, body_keys)
    if not out.body and title_index is not None and keep[title_index] and is_sentence(page.texts[title_index]):
        # a one-paragraph item (a feed's summary, a short wire flash): its one line is
        # the headline and the article at once
        out.removed = [r for r in out.removed if r.reason != "headline (moved to title)"]
        out.body.append(page.texts[title_index].lstrip("*+-• ").strip())
    if not out.body or (len(page.texts) <= SHORT_PAGE_LINES and not any(map(is_sentence, out.body))):
        _fall_back_to_prose(out, page.texts, bodies, rules, rows, scores, title_index)
    # datelines sit by the headline: search from it to the body start, then the few
    # lines above it (dates above a headline are more often a "latest news" ticker)
    top = max(0, title_index - HEAD_LINES_ABOVE_TITLE) if title_index is not None else 0
    start = title_index if title_index is not None else 0
    below = page.texts[start : max(head_end, start) + HEAD_LINES_BELOW]
    out.head = "\n".join(below + page.texts[top:start])
    return out
