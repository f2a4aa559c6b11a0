"""``storyline eval quotes``: direct quotes and speakers against PolNeAR-style gold.

Input rows: ``{"id", "text", "attributions": [{"source", "cue", "content",
"direct"}]}`` with char offsets into ``text``; only ``direct`` attributions
(the content holds quotation marks) are scored.

Matching rule (char spans; PolNeAR splits and joins quotes differently from
one source to another, so the rule does not depend on how quotes are cut):

- A predicted quote (the text inside its quotation marks, first mark to last
  for a split quote) is **correct** when at least half of its characters lie
  inside gold direct content spans. A PolNeAR content span often holds more
  than the quoted words ("that the plan would “end the war”"), and one
  attribution may run over several quoted paragraphs, so containment is the
  test, not equality.
- A gold direct attribution is **found** when a correct prediction overlaps
  it by at least half of the shorter of the two spans (a split quote
  '"...," he said, "..."' that PolNeAR annotates as two attributions finds
  both; one annotated as one attribution is found by either half).
- Precision = correct predictions / predictions; recall = found gold / gold;
  F1 their harmonic mean.
- **Speaker accuracy**, over found gold attributions that name a source: the
  correct prediction overlapping the content most has a speaker span (the
  mention the quote is attributed to in the text, e.g. "he", "the influential
  US daily") that overlaps the gold source span. The resolved canonical name
  is not scored (gold names the nearest mention, not the person).

Baseline: every passage between quotation marks (a plain regex), with the
PERSON entity nearest to it in its sentence (else the sentence before) as
speaker.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..model import AnnotatedArticle, Article
from . import read_jsonl

Span = tuple[int, int]
#: (quote span, speaker span or None)
Prediction = tuple[Span, Span | None]

_BASELINE_QUOTE = re.compile(r"[\"“]([^\"“”\n]+)[\"”]")

#: share of a predicted quote's characters that must lie inside a gold content span.
MIN_CONTAINED = 0.5


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score_document(
    predictions: Sequence[Prediction], gold: Sequence[dict[str, Any]]
) -> dict[str, int]:
    """Counts for one document under the matching rule of this module."""
    contents = [(g["content"]["start"], g["content"]["end"]) for g in gold]
    covered: set[int] = set()
    for start, end in contents:
        covered.update(range(start, end))
    correct = []
    for p, (span, _) in enumerate(predictions):
        length = max(1, span[1] - span[0])
        inside = sum(1 for i in range(span[0], span[1]) if i in covered)
        if inside >= MIN_CONTAINED * length:
            correct.append(p)
    best_for_gold: dict[int, tuple[int, int]] = {}
    for g, content in enumerate(contents):
        for p in correct:
            span = predictions[p][0]
            shared = _overlap(span, content)
            needed = MIN_CONTAINED * max(1, min(span[1] - span[0], content[1] - content[0]))
            if shared >= needed and shared > best_for_gold.get(g, (0, -1))[0]:
                best_for_gold[g] = (shared, p)
    speaker_total = speaker_right = 0
    for g, (_, p) in best_for_gold.items():
        source = gold[g].get("source") or {}
        if source.get("start") is None or source.get("start", -1) < 0 or not source.get("text"):
            continue
        speaker_total += 1
        speaker = predictions[p][1]
        if speaker is not None and _overlap(speaker, (source["start"], source["end"])) > 0:
            speaker_right += 1
    return {
        "predicted": len(predictions),
        "correct": len(correct),
        "gold": len(gold),
        "found": len(best_for_gold),
        "speaker_total": speaker_total,
        "speaker_right": speaker_right,
    }


def summarize(counts: Sequence[dict[str, int]]) -> dict[str, Any]:
    total = {
        k: sum(c[k] for c in counts)
        for k in ("predicted", "correct", "gold", "found", "speaker_total", "speaker_right")
    }
    precision = total["correct"] / total["predicted"] if total["predicted"] else 0.0
    recall = total["found"] / total["gold"] if total["gold"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "content": {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        },
        "speaker_accuracy": round(total["speaker_right"] / total["speaker_total"], 4)
        if total["speaker_total"]
        else 0.0,
        "n_predicted": total["predicted"],
    }


def baseline_predictions(annotated: AnnotatedArticle) -> list[Prediction]:
    """Regex quotes with the nearest PERSON in the sentence (or the one before) as speaker."""
    text = annotated.article.text
    sentences = annotated.sentences
    people = [e for e in annotated.entities if e.label == "PERSON"]
    predictions: list[Prediction] = []
    for match in _BASELINE_QUOTE.finditer(text):
        start, end = match.start(1), match.end(1)
        index = next((i for i, s in enumerate(sentences) if s.start <= start < s.end), None)
        speaker: Span | None = None
        for look in (index, None if index is None else index - 1):
            if look is None or look < 0:
                continue
            sentence = sentences[look]
            near = [
                p
                for p in people
                if sentence.start <= p.start < sentence.end and not (start <= p.start < end)
            ]
            if near:
                best = min(near, key=lambda p: min(abs(p.start - start), abs(p.start - end)))
                speaker = (best.start, best.end)
                break
        predictions.append(((start, end), speaker))
    return predictions


def system_predictions(annotated: AnnotatedArticle) -> list[Prediction]:
    predictions: list[Prediction] = []
    for quote in annotated.quotes:
        speaker = None
        if quote.speaker_start is not None and quote.speaker_end is not None:
            speaker = (quote.speaker_start, quote.speaker_end)
        predictions.append(((quote.start, quote.end), speaker))
    return predictions


def evaluate(path: str | Path, *, limit: int | None = None, **_: Any) -> dict[str, Any]:
    """Score storyline's quotes (and the regex baseline) on a PolNeAR-style file."""
    from ..annotate import Annotator

    rows = list(read_jsonl(path))[:limit]
    started = time.perf_counter()
    articles = [
        Article(
            id=str(row.get("id", i)),
            source=str(path),
            title=str(row.get("title") or ""),
            text=row["text"],
        )
        for i, row in enumerate(rows)
    ]
    system_counts, baseline_counts = [], []
    annotator = Annotator()
    for row, annotated in zip(rows, annotator.annotate_many(articles), strict=True):
        gold = [a for a in row.get("attributions", []) if a.get("direct") and a.get("content")]
        system_counts.append(score_document(system_predictions(annotated), gold))
        baseline_counts.append(score_document(baseline_predictions(annotated), gold))
    result = summarize(system_counts)
    result["n"] = sum(c["gold"] for c in system_counts)
    result["n_documents"] = len(rows)
    result["seconds"] = round(time.perf_counter() - started, 2)
    baseline = summarize(baseline_counts)
    baseline["method"] = "quotation-mark regex, nearest PERSON as speaker"
    result["baseline"] = baseline
    result["matching"] = (
        "prediction correct when >=50% of its chars lie in gold direct contents; gold found when a "
        "correct prediction overlaps it by >=50% of the shorter span; speaker right when spans overlap"
    )
    return result
