"""Quality flags per article, each with the evidence that raised it.

- ``boilerplate``: a large share of the page was navigation, ads or notices.
- ``spun``: signs of machine-spun text: template section headings ("Final
  Thoughts", "Key Takeaways"), broken sentences and fragments.
- ``truncated``: the text stops mid-sentence ("...", no final punctuation).
- ``stale``: the event happened long before the page's date, or the page
  re-publishes an old story of this set as new.
- ``headline-typo``: a headline word that is one or two letters away from a
  word the story's articles use, and used by none of them.
- ``low-originality``: most sentences are reused from an earlier article.
- ``near-copy``: the article is a near-duplicate of another one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

from ..model import AnnotatedArticle, QualityFlag
from .lineage import Lineage
from .text import words
from .units import article_sentences

#: share of the page (characters) removed as boilerplate above which it is flagged;
#: pages of the scrapinghub benchmark keep about half their text, so 0.6 marks
#: the heavy cases only.
BOILERPLATE_SHARE = 0.6
#: days between the event and the page's date beyond which the news is stale.
STALE_DAYS = 30
#: originality below which an article is mostly a rewrite of earlier ones.
LOW_ORIGINALITY = 0.3
#: share of broken sentences (no verb-like ending, cut off) that marks spun text.
BROKEN_SHARE = 0.25
#: sentences counted before the broken share is trusted.
MIN_SENTENCES_FOR_SHARE = 4

#: section headings content farms and text spinners put into "articles".
TEMPLATE_HEADINGS = re.compile(
    r"^\s*(?:#+\s*)?(introduction|conclusion|in conclusion|final thoughts|key takeaways|"
    r"frequently asked questions|faqs?|summary|in summary|overview|the bottom line|bottom line|"
    r"what you need to know|why (?:it|this) matters|takeaway|wrapping up|closing thoughts)\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_TRUNCATED_END = re.compile(r"(\.\.\.|…|\[…\]|\[\.\.\.\]|[A-Za-z,;:–-])\s*$")
_TERMINAL = re.compile(r"[.!?][\"”’)\]]*\s*$")
_WORD_RE = re.compile(r"[A-Za-z]+")


def flags_for(
    articles: Sequence[AnnotatedArticle],
    *,
    lineage: Lineage,
    duplicate_of: Mapping[int, int],
) -> list[QualityFlag]:
    """Every flag raised on the story's articles."""
    flags: list[QualityFlag] = []
    ids = [a.id for a in articles]
    vocabulary = _story_vocabulary(articles)
    # words the story uses at least twice: the spelling reference for headlines.
    common = [w for w, c in vocabulary.items() if c >= 2 and len(w) >= 4]
    earliest = min((a.article.publication_day for a in articles if a.article.publication_day), default=None)
    for index, annotated in enumerate(articles):
        article = annotated.article
        aid = article.id
        flags += _boilerplate(annotated)
        flags += _spun_and_truncated(annotated)
        flags += _stale(annotated, earliest)
        flags += _headline_typos(annotated, vocabulary, common)
        originality = lineage.originality.get(aid, 1.0)
        source = lineage.main_source.get(index)
        if index in duplicate_of:
            flags.append(
                QualityFlag(aid, "near-copy", f"near-copy of article {ids[duplicate_of[index]]}")
            )
        elif originality < LOW_ORIGINALITY and source is not None:
            flags.append(
                QualityFlag(
                    aid,
                    "low-originality",
                    f"only {originality:.0%} of its sentences are its own; "
                    f"{source[1]:.0%} reappear from earlier article {ids[source[0]]}",
                )
            )
    return flags


def _boilerplate(annotated: AnnotatedArticle) -> list[QualityFlag]:
    article = annotated.article
    # a headline or byline moved into its field is not boilerplate.
    removed = [r for r in article.removed if "moved to" not in r.reason]
    removed_chars = sum(len(r.text) for r in removed)
    total = removed_chars + len(article.text)
    if not total or removed_chars / total < BOILERPLATE_SHARE:
        return []
    reasons = Counter(r.reason for r in removed)
    examples = "; ".join(f"{r.reason}: {r.text[:40]!r}" for r in removed[:3])
    return [
        QualityFlag(
            article.id,
            "boilerplate",
            f"{removed_chars / total:.0%} of the page was boilerplate "
            f"({len(removed)} lines: {', '.join(f'{k} {v}' for k, v in reasons.most_common(3))}; e.g. {examples})",
        )
    ]


def _spun_and_truncated(annotated: AnnotatedArticle) -> list[QualityFlag]:
    article = annotated.article
    text = article.text
    flags = []
    headings = [m.group(0).strip() for m in TEMPLATE_HEADINGS.finditer(text)]
    sentences = [s[1] for s in article_sentences(annotated)]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    broken = [
        line
        for line in lines
        if len(line.split()) >= 3
        and not _TERMINAL.search(line)
        and not TEMPLATE_HEADINGS.match(line)
        and not line.istitle()
    ]
    fragments = [
        s for s in sentences if 1 <= len(s.split()) <= 3 and _TERMINAL.search(s) and not s.istitle()
    ]
    evidence = []
    if headings:
        evidence.append(f"template headings {', '.join(repr(h) for h in headings[:4])}")
    units = max(1, len(lines))
    share = (len(broken) + len(fragments)) / units
    if len(lines) >= MIN_SENTENCES_FOR_SHARE and share >= BROKEN_SHARE:
        example = (broken + fragments)[0]
        evidence.append(
            f"{len(broken)} broken lines and {len(fragments)} fragments in {len(lines)} lines "
            f"(e.g. {example[:60]!r})"
        )
    if evidence:
        flags.append(QualityFlag(article.id, "spun", "; ".join(evidence)))
    last = lines[-1] if lines else ""
    if (
        last
        and _TRUNCATED_END.search(last)
        and not _TERMINAL.search(last)
        and len(last.split()) >= 4
    ):
        flags.append(
            QualityFlag(article.id, "truncated", f"the text stops mid-sentence: {last[-60:]!r}")
        )
    return flags


def _stale(annotated: AnnotatedArticle, earliest: date | None) -> list[QualityFlag]:
    article = annotated.article
    flags = []
    published = article.publication_day  # a year bound (1 January) is not a page date
    if published is None:
        return flags
    if annotated.event_date is not None and (published - annotated.event_date).days > STALE_DAYS:
        flags.append(
            QualityFlag(
                article.id,
                "stale",
                f"page dated {published.isoformat()} reports an event of {annotated.event_date.isoformat()} "
                f"({(published - annotated.event_date).days} days earlier)",
            )
        )
    elif earliest is not None and (published - earliest).days > STALE_DAYS:
        flags.append(
            QualityFlag(
                article.id,
                "stale",
                f"page dated {published.isoformat()} repeats a story first published {earliest.isoformat()} "
                f"({(published - earliest).days} days earlier)",
            )
        )
    return flags


def _story_vocabulary(articles: Sequence[AnnotatedArticle]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for annotated in articles:
        counts.update(w.lower() for w in _WORD_RE.findall(annotated.article.text))
    return counts


def _headline_typos(
    annotated: AnnotatedArticle, vocabulary: Counter[str], common: list[str]
) -> list[QualityFlag]:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    typos = []
    for word in words(annotated.article.title):
        lowered = word.lower()
        # A headline word the articles use elsewhere is spelled as they spell it.
        if len(lowered) < 5 or not lowered.isalpha() or vocabulary[lowered] > 1:
            continue
        limit = 1 if len(lowered) < 8 else 2
        matches = process.extract(
            lowered, common, scorer=Levenshtein.distance, score_cutoff=limit, limit=5
        )
        matches = [m for m in matches if m[0] != lowered and not _inflection(lowered, m[0])]
        if matches:
            known = max(matches, key=lambda m: vocabulary[m[0]])[0]
            typos.append(f"{word!r} (the articles write {known!r} {vocabulary[known]} times)")
    if not typos:
        return []
    return [QualityFlag(annotated.id, "headline-typo", "; ".join(typos))]


def _inflection(a: str, b: str) -> bool:
    """ "reports"/"report", "attacked"/"attacks": a different form, not a typo."""
    short, long = sorted((a, b), key=len)
    return long.startswith(short[:-1]) and long[len(short) - 1 :] in {
        "s",
        "es",
        "ed",
        "d",
        "ing",
        "er",
        "y",
        "ies",
    } | {short[-1:] + x for x in ("s", "d", "ed", "es")}
