"""eval extraction: the result dict follows the DESIGN.md contract, on a file we wrote."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from storyline.errors import EvaluationError
from storyline.evaluate import run_task
from storyline.evaluate.extraction import bow_scores

BODY = (
    "The new dam on the Ebro river opened on Monday after a decade of construction, the water authority said.\n"
    "Engineers said the reservoir would hold enough water to supply two hundred thousand homes in summer.\n"
    "Critics argued that the project had cost twice the original budget and flooded valuable farmland."
)
PAGE_TEXT = "  * Home\n  * World\n  Subscribe to our newsletter\n\n    Dam opens after ten years\n    Published June 13, 2023\n\n      " + "\n\n      ".join(
    BODY.split("\n")
) + "\n\n  Share this article\n  © 2023 Valley News"
HTML = (
    "<html><head><title>Dam opens after ten years | Valley News</title>"
    '<meta property="article:published_time" content="2023-06-13"></head><body>'
    "<nav><a href='/'>Home</a></nav><article><h1>Dam opens after ten years</h1>"
    + "".join(f"<p>{p}</p>" for p in BODY.split("\n"))
    + "</article></body></html>"
)


def _write(tmp_path: Path, rows: list[dict], name: str = "pages.jsonl.gz") -> Path:
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path


def test_bow_scores() -> None:
    assert bow_scores("a b c", "a b c") == (1.0, 1.0, 1.0)
    precision, recall, f1 = bow_scores("a b c d", "a b x y")
    assert (precision, recall) == (0.5, 0.5) and f1 == 0.5
    assert bow_scores("a", "") == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("mode", ["text", "html"])
def test_contract(tmp_path: Path, mode: str) -> None:
    row = {"id": "1", "url": "https://valley.example/dam", "html": HTML, "page_text": PAGE_TEXT,
           "gold_text": BODY, "gold_title": "Dam opens after ten years", "gold_date": "2023-06-13"}
    path = _write(tmp_path, [row, dict(row, id="2")])
    result = run_task("extraction", str(path), mode=mode)
    for key in ("precision", "recall", "f1", "docs_per_second", "n", "seconds", "baseline"):
        assert key in result, key
    assert result["n"] == 2 and result["mode"] == mode
    assert result["f1"] > 0.9
    assert result["title_exact"] == 1.0 and result["title_n"] == 2
    assert result["date_accuracy"] == 1.0 and result["date_n"] == 2
    baseline = result["baseline"]
    assert {"precision", "recall", "f1", "docs_per_second"} <= set(baseline)
    assert baseline["f1"] > 0.9


def test_missing_fields_are_evaluation_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"id": "1", "page_text": "x"}])
    with pytest.raises(EvaluationError, match="gold_text"):
        run_task("extraction", str(path), mode="text")
    path = _write(tmp_path, [{"id": "1", "page_text": "x", "gold_text": "y"}], name="b.jsonl.gz")
    with pytest.raises(EvaluationError, match="html"):
        run_task("extraction", str(path), mode="html")
    with pytest.raises(EvaluationError, match="mode"):
        run_task("extraction", str(path), mode="pdf")
