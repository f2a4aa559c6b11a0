"""Tests of ``storyline eval clustering``: metrics, row reading, the end-to-end run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import shared_data

from storyline.errors import EvaluationError
from storyline.evaluate._articles import article_from_row
from storyline.evaluate.clustering import baseline_labels, bcubed, evaluate, pairwise


def test_bcubed_and_pairwise_on_a_known_case() -> None:
    gold = ["a", "a", "a", "b", "b"]
    assert bcubed(gold, gold) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    pred = [1, 1, 2, 2, 2]
    scores = bcubed(pred, gold)
    # precision: items 1,2 -> 1 each; items 3,4,5 in {a,b,b}: 1/3, 2/3, 2/3
    assert scores["precision"] == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    # recall: a-items 2/3, 2/3, 1/3; b-items 1, 1
    assert scores["recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    pw = pairwise(pred, gold)
    # predicted pairs: (1,2) (3,4) (3,5) (4,5) -> correct (1,2) (4,5); gold pairs: 3 + 1
    assert pw["precision"] == pytest.approx(2 / 4)
    assert pw["recall"] == pytest.approx(2 / 4)
    assert bcubed([1] * 5, gold)["recall"] == 1.0


def test_rows_become_articles_like_text_pages() -> None:
    row = {"id": "x", "url": "http://site.com/2013/03/14/a.html",
           "text": "Anger in East Flatbush persists\nPublished: March 13, 2013\nFirst came the shooting."}
    a = article_from_row(row, source="f#1")
    assert a.title == "Anger in East Flatbush persists"
    assert a.published == date(2013, 3, 13) and a.published_by == "dateline"
    assert a.text == "First came the shooting."
    assert a.site == "site.com"
    prose = article_from_row({"id": "y", "text": "Armed robbers stole gems worth millions.\nMore."},
                             source="f#2")
    assert prose.title == "" and prose.published is None
    headline = article_from_row({"id": "z", "title": "Fed official says data weak",
                                 "published_ms": 1394470370698}, source="f#3")
    assert headline.text == headline.title and headline.published == date(2014, 3, 10)


def test_baseline_groups_identical_texts() -> None:
    texts = ["storm floods the coastal town", "storm floods the coastal town again",
             "bank raises interest rates", "bank raises interest rates sharply"]
    labels = baseline_labels(texts)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluate_end_to_end_on_a_small_file(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "title": "Storm floods Valletta harbour", "cluster": "s", "published_ms": 1707200000000},
        {"id": "2", "title": "Valletta harbour flooded by storm", "cluster": "s", "published_ms": 1707210000000},
        {"id": "3", "title": "Central bank raises interest rates", "cluster": "r", "published_ms": 1707220000000},
        {"id": "4", "title": "Interest rates raised by central bank", "cluster": "r", "published_ms": 1707230000000},
    ]
    result = evaluate(_write(tmp_path / "c.jsonl", rows))
    for key in ("bcubed", "pairwise", "n_clusters", "n_gold_clusters", "articles_per_second",
                "n", "seconds", "baseline"):
        assert key in result
    assert result["n"] == 4 and result["n_gold_clusters"] == 2
    assert set(result["baseline"]["bcubed"]) == {"precision", "recall", "f1"}
    assert result["bcubed"]["f1"] == 1.0


def test_evaluate_rejects_rows_without_cluster(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError):
        evaluate(_write(tmp_path / "bad.jsonl", [{"id": "1", "title": "x"}]))


@pytest.mark.data
def test_uci_headline_stream_sample_beats_chance(tmp_path: Path) -> None:
    path = shared_data("clustering/uci-headlines.jsonl")
    rows = [json.loads(line) for line in path.open(encoding="utf-8")][:150]
    result = evaluate(_write(tmp_path / "uci-sample.jsonl", rows))
    assert result["n"] == 150
    assert result["bcubed"]["f1"] > 0.5
