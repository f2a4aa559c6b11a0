"""The quote scoring rule and the ``eval quotes`` harness."""

from __future__ import annotations

import json

import pytest
from conftest import shared_data

from storyline.evaluate import run_task
from storyline.evaluate.quotes import score_document, summarize


def gold(content: tuple[int, int], source: tuple[int, int] | None) -> dict:
    row = {"content": {"start": content[0], "end": content[1]}, "direct": True}
    if source:
        row["source"] = {"start": source[0], "end": source[1], "text": "x"}
    return row


def test_prediction_inside_gold_content_matches() -> None:
    golds = [gold((100, 200), (80, 90)), gold((300, 350), (360, 365))]
    predictions = [
        ((120, 180), (82, 88)),  # inside the first, right speaker
        ((300, 340), (10, 20)),  # inside the second, wrong speaker
        ((500, 520), None),  # a scare quote nobody annotated
    ]
    counts = score_document(predictions, golds)
    assert counts == {
        "predicted": 3,
        "correct": 2,
        "gold": 2,
        "found": 2,
        "speaker_total": 2,
        "speaker_right": 1,
    }
    result = summarize([counts])
    assert result["content"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8}
    assert result["speaker_accuracy"] == 0.5


def test_split_quote_finds_both_halves_annotated_apart() -> None:
    golds = [gold((10, 30), (32, 34)), gold((46, 80), (32, 34))]
    counts = score_document([((10, 80), (32, 34))], golds)
    assert counts["correct"] == 1 and counts["found"] == 2 and counts["speaker_right"] == 2


def test_prediction_mostly_outside_gold_does_not_match() -> None:
    counts = score_document([((90, 150), None)], [gold((130, 200), None)])
    assert counts["correct"] == 0 and counts["found"] == 0
    assert counts["speaker_total"] == 0


def test_eval_quotes_contract(tmp_path) -> None:
    text = 'Mayor Elena Ruiz spoke on Tuesday. "Every home will be rebuilt," she said. Critics were unconvinced.'
    content = text.index("Every")
    source = text.index("she")
    row = {
        "id": "a",
        "text": text,
        "attributions": [
            {
                "source": {"start": source, "end": source + 3, "text": "she"},
                "cue": {"start": source + 4, "end": source + 8, "text": "said"},
                "content": {"start": content - 1, "end": text.index("she") - 1, "text": ""},
                "direct": True,
            }
        ],
    }
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = run_task("quotes", str(path))
    assert result["content"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert result["speaker_accuracy"] == 1.0
    assert result["n"] == 1
    assert result["seconds"] >= 0
    assert set(result["baseline"]) >= {"content", "speaker_accuracy"}


@pytest.mark.data
def test_polnear_dev_sample() -> None:
    path = shared_data("quotes/polnear-dev.jsonl")
    result = run_task("quotes", str(path), limit=12)
    assert result["content"]["f1"] >= 0.85
    assert result["speaker_accuracy"] >= 0.75
    # the regex finds quotes as well, but cannot say who spoke
    assert result["speaker_accuracy"] > result["baseline"]["speaker_accuracy"] + 0.3
