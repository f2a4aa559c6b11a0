"""``storyline eval extraction FILE --mode html|text``: article extraction.

Input: JSONL (``.gz`` read transparently), one page per line with ``gold_text``
and ``html`` (html mode) or ``page_text`` (text mode); optional ``url``,
``domain``/``site`` (used as the page's site), ``gold_title``, ``gold_date``.

Scoring follows the scrapinghub article-extraction-benchmark's bag-of-words
measure: lower-cased ``\\w+`` tokens, multiset overlap with the gold body,
precision/recall/F1 per page, each averaged over pages. A page storyline
refuses (ExtractionError) scores 0. Title: exact match after collapsing
whitespace, case and typographic quotes/dashes (``_norm_title``). Date: same
calendar day as ``gold_date``. Both only over pages
with that gold. Before extracting, the corpus boilerplate model is fitted on
all pages of the file (no gold is read), as the store would hold it.
Baseline: trafilatura (default settings) on the same pages' HTML, in the same
run; its title and date come from ``trafilatura.extract_metadata`` (not timed).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import EvaluationError, StorylineError
from ..model import Article, Document
from . import read_jsonl

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+")
MODES = ("text", "html")


def bow_scores(gold: str | None, predicted: str | None) -> tuple[float, float, float]:
    """(precision, recall, f1) of ``predicted`` tokens against ``gold`` tokens."""
    g = Counter(_TOKEN.findall((gold or "").lower()))
    p = Counter(_TOKEN.findall((predicted or "").lower()))
    overlap = sum((g & p).values())
    precision = overlap / sum(p.values()) if p else 0.0
    recall = overlap / sum(g.values()) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xa0": " "})


def _norm_title(title: str | None) -> str:
    """Case-folded, whitespace-collapsed title with typographic quotes/dashes made plain.

    A page renders "A Beginner’s Guide" where its metadata (the gold) says
    "A Beginner's Guide": the same title, so the comparison folds them.
    """
    text = (title or "").replace("…", "...").translate(_TYPOGRAPHY)
    return " ".join(text.lower().split())


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _summary(scores: list[tuple[float, float, float]], titles: list[bool], dates: list[bool]) -> dict[str, Any]:
    return {
        "precision": _mean([s[0] for s in scores]),
        "recall": _mean([s[1] for s in scores]),
        "f1": _mean([s[2] for s in scores]),
        "title_exact": _mean([float(t) for t in titles]),
        "title_n": len(titles),
        "date_accuracy": _mean([float(d) for d in dates]),
        "date_n": len(dates),
    }


def _site(row: dict[str, Any]) -> str | None:
    from ..extract import site_of

    return row.get("site") or row.get("domain") or site_of(row.get("url"))


def page_document(row: dict[str, Any], mode: str, *, source: str) -> Document:
    """The page of a labelled row as storyline reads it: its HTML (``mode`` "html") or its
    copied page text ("text"), with the row's URL and site."""
    site = _site(row)
    return Document(
        source=source,
        raw=row["html" if mode == "html" else "page_text"].encode("utf-8", "surrogatepass"),
        kind=mode,
        url=row.get("url"),
        hints={"site": site} if site else {},
    )


def page_scores(row: dict[str, Any], article: Article | None) -> tuple[tuple[float, float, float], bool | None, bool | None]:
    """One page's bag-of-words (P, R, F1), title match and same-day date match (None where
    the row has no gold for it); ``article`` None is a refused page, which found nothing."""
    if article is None:
        return (bow_scores(row["gold_text"], ""), False if row.get("gold_title") else None,
                False if row.get("gold_date") else None)
    title_ok = _norm_title(article.title) == _norm_title(row["gold_title"]) if row.get("gold_title") else None
    date_ok = (article.published is not None and article.published.isoformat() == str(row["gold_date"])[:10]
               ) if row.get("gold_date") else None
    return bow_scores(row["gold_text"], article.text), title_ok, date_ok


def evaluate(path: str | Path, *, mode: str = "text", limit: int | None = None, baseline: bool = True) -> dict[str, Any]:
    """Score storyline's extraction (and trafilatura's) on a labelled JSONL file."""
    from ..extract import BoilerplateModel, extract_article

    if mode not in MODES:
        raise EvaluationError(f"unknown extraction mode {mode!r}; choose html or text")
    rows = []
    for number, row in enumerate(read_jsonl(path), 1):
        if "gold_text" not in row:
            raise EvaluationError(f"{path}:{number}: no 'gold_text'")
        field = "html" if mode == "html" else "page_text"
        if not isinstance(row.get(field), str):
            raise EvaluationError(f"{path}:{number}: no {field!r} for --mode {mode}")
        rows.append(row)
        if limit and len(rows) >= limit:
            break
    if not rows:
        raise EvaluationError(f"{path}: no pages")
    docs = [page_document(row, mode, source=f"{path}#{i}") for i, row in enumerate(rows, 1)]
    start = time.perf_counter()
    model = BoilerplateModel()
    for doc in docs:
        model.partial_fit([doc], site=doc.hints.get("site"))
    scores, titles, dates, errors = [], [], [], Counter()
    for row, doc in zip(rows, docs, strict=True):
        try:
            article = extract_article(doc, boilerplate=model)
        except StorylineError as exc:
            errors[str(exc).split("(")[0].strip()] += 1
            article = None
        bow, title_ok, date_ok = page_scores(row, article)
        scores.append(bow)
        if title_ok is not None:
            titles.append(title_ok)
        if date_ok is not None:
            dates.append(date_ok)
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {"task": "extraction", "mode": mode, "n": len(rows)}
    result.update(_summary(scores, titles, dates))
    result["docs_per_second"] = round(len(rows) / seconds, 2) if seconds else None
    result["seconds"] = round(seconds, 3)
    result["refused"] = dict(errors)
    if baseline:
        result["baseline"] = _trafilatura_baseline(rows)
    return result


def _trafilatura_baseline(rows: list[dict[str, Any]]) -> dict[str, Any]:
    import trafilatura

    htmls = [row.get("html") for row in rows]
    if not all(isinstance(h, str) for h in htmls):
        return {"name": "trafilatura", "skipped": "the file has no 'html' for every page"}
    start = time.perf_counter()
    outputs = [trafilatura.extract(html) or "" for html in htmls]
    seconds = time.perf_counter() - start
    scores = [bow_scores(row["gold_text"], out) for row, out in zip(rows, outputs, strict=True)]
    titles, dates = [], []
    if any(row.get("gold_title") or row.get("gold_date") for row in rows):
        for row, html in zip(rows, htmls, strict=True):
            meta = trafilatura.extract_metadata(html) if (row.get("gold_title") or row.get("gold_date")) else None
            if row.get("gold_title"):
                titles.append(meta is not None and _norm_title(meta.title) == _norm_title(row["gold_title"]))
            if row.get("gold_date"):
                dates.append(meta is not None and (meta.date or "")[:10] == str(row["gold_date"])[:10])
    out = {"name": "trafilatura (default settings) on the HTML"}
    out.update(_summary(scores, titles, dates))
    out["docs_per_second"] = round(len(rows) / seconds, 2) if seconds else None
    out["seconds"] = round(seconds, 3)
    return out
