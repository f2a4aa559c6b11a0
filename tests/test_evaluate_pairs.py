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


def test_evaluate_pairs_scores_the_story_decisions(tmp_path: Path) -> None:
    storm = ("Storm floods Valletta harbour on Tuesday. Nine fishing boats sank in the harbour of "
             "Valletta, Malta, when the storm hit, the harbour master Joseph Camilleri said.")
    storm2 = ("Nine fishing boats sank in Valletta harbour as a storm hit Malta on Tuesday, harbour "
              "master Joseph Camilleri said. The storm flooded the harbour of Valletta.")
    bank = ("The central bank of Norway raised its interest rate by half a point on Thursday, "
            "governor Ida Wolden Bache said in Oslo, to slow inflation.")
    bank2 = ("Norway's central bank raised interest rates by half a point in Oslo on Thursday; "
             "governor Ida Wolden Bache said inflation must slow.")
    rows = [
        {"id": "1", "lang1": "en", "lang2": "en", "overall": 1.0, "text1": storm, "text2": storm2},
        {"id": "2", "lang1": "en", "lang2": "en", "overall": 1.0, "text1": bank, "text2": bank2},
        # storm2 again: a text in several pairs is clustered once
        {"id": "3", "lang1": "en", "lang2": "en", "overall": 4.0, "text1": bank, "text2": storm2},
        # "somewhat similar": not counted either way
        {"id": "4", "lang1": "en", "lang2": "de", "overall": 2.0, "text1": storm,
         "text2": "Sturm in Valletta: neun Boote gesunken."},
    ]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = evaluate(path)
    stories = result["stories"]
    assert stories["texts"] == 5
    assert (stories["same_story_pairs"], stories["other_story_pairs"]) == (2, 1)
    assert (stories["same_joined"], stories["other_joined"]) == (2, 0)
    assert stories["precision"] == stories["recall"] == stories["f1"] == 1.0
    assert set(stories["by_kind"]) == {"en-en"}
    base = result["baseline"]["stories"]
    assert base["method"] == "tfidf-average-linkage"
    assert (base["same_story_pairs"], base["other_story_pairs"]) == (2, 1)
