"""LexRank baseline, budget filling and the ``eval summaries`` harness."""

from __future__ import annotations

import json

import pytest
from conftest import shared_data
from synth_fixtures import DAILY, WIRE

from storyline.evaluate import run_task
from storyline.evaluate.summaries import fill, lexrank


def test_fill_skips_sentences_that_overrun_the_budget() -> None:
    sentences = ["one two three four", "a b c d e f g h", "x y"]
    assert fill(sentences, 6) == ["one two three four", "x y"]


def test_lexrank_prefers_the_central_sentence_and_keeps_the_budget() -> None:
    sentences = [
        "The earthquake struck the town of Marlow on Monday morning and killed twelve people.",
        "An earthquake killed twelve people in the town of Marlow on Monday morning, officials said.",
        "Twelve people died when the earthquake struck Marlow on Monday morning, the mayor said.",
        "The local football club will play its next home game on Saturday afternoon as planned.",
    ]
    chosen = lexrank(sentences, budget=20)
    assert len(chosen) == 1
    assert "football" not in chosen[0]
    assert sum(len(s.split()) for s in lexrank(sentences, budget=40)) <= 40


def test_eval_summaries_contract(tmp_path) -> None:
    reference = (
        "A magnitude 6.1 earthquake struck Marlow on Monday, killing at least 12 people and cutting "
        "power to 40,000 homes. Mayor Elena Ruiz promised to rebuild every damaged home within a year."
    )
    path = tmp_path / "s.jsonl"
    path.write_text(
        json.dumps({"id": "x", "articles": [WIRE, DAILY], "reference": reference}) + "\n"
    )
    result = run_task("summaries", str(path), mode="fast", budget_words=40)
    assert result["budget_words"] == 40
    assert result["n"] == 1
    assert 30 < result["rouge1"] <= 100
    assert 0 < result["rouge2"] <= result["rouge1"]
    assert set(result["baseline"]) >= {"rouge1", "rouge2", "rougeL"}


@pytest.mark.data
def test_multinews_sample_scores_in_range() -> None:
    path = shared_data("summaries/multinews-dev.jsonl")
    result = run_task("summaries", str(path), mode="fast", limit=10)
    assert result["n"] == 10
    assert result["rouge1"] >= 35
    assert result["rouge2"] >= 8
