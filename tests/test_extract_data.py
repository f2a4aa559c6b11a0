"""Extraction on a sample of the labelled dev pages (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.evaluate import read_jsonl
from storyline.evaluate.extraction import bow_scores, evaluate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "extraction"
SAMPLE = 25

pytestmark = pytest.mark.data


def _file(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} not found (the dev data lives in ../shared/data)")
    return path


@pytest.mark.parametrize("name", ["scrapinghub.jsonl.gz", "wcxb-dev-articles.jsonl.gz"])
def test_text_mode_beats_uncleaned_page_text(name: str) -> None:
    path = _file(name)
    rows = [row for _, row in zip(range(SAMPLE), read_jsonl(path), strict=False)]
    raw = sum(bow_scores(r["gold_text"], r["page_text"])[2] for r in rows) / len(rows)
    result = evaluate(path, mode="text", limit=SAMPLE, baseline=False)
    assert result["n"] == SAMPLE
    assert result["f1"] > raw + 0.1
    assert result["precision"] > 0.8 and result["recall"] > 0.8
