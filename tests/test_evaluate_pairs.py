"""Tests of ``storyline eval pairs``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyline.errors import EvaluationError
from storyline.evaluate.pairs import evaluate, pearson, tfidf_cosines


def test_pearson_sign_and_undefined_cases() -> None:
    assert pearson([1, 2, 3, 4], [2, 4, 6, 8]) == 1.0
    assert pearson([1, 2, 3, 4], [8, 6, 4, 2]) == -1.0
    assert pearson([1, 2], [1, 2]) is None
    assert pearson([1, 1, 1], [1, 2, 3]) is None


def test_tfidf_cosine_of_identical_texts_is_one() -> None:
    cos = tfidf_cosines(["the storm hit the town", "bank rates"], ["the storm hit the town", "storm"])
    assert cos[0] == pytest.approx(1.0)
    assert cos[1] == pytest.approx(0.0)


def test_evaluate_pairs_contract(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "lang1": "en", "lang2": "en", "overall": 1.0,
         "text1": "Storm floods Valletta harbour. Nine boats sank in the harbour of Valletta.",
         "text2": "Nine boats sank when a storm flooded Valletta harbour."},
        {"id": "2", "lang1": "en", "lang2": "en", "overall": 4.0,
         "text1": "Central bank raises interest rates by half a point.",
         "text2": "Nine boats sank when a storm flooded Valletta harbour."},
        {"id": "3", "lang1": "en", "lang2": "en", "overall": 2.5,
         "text1": "Storm damages boats in Malta; the harbour of Valletta flooded.",
         "text2": "Fishermen count losses after storm in Malta."},
    ]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = evaluate(path)
    assert result["n"] == 3
    assert result["pearson"] is not None and result["pearson"] > 0
    assert result["by_language"]["en-en"]["n"] == 3
    assert set(result["baseline"]) >= {"pearson", "by_language"}


def test_evaluate_pairs_rejects_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "1", "text1": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(EvaluationError):
        evaluate(path)
