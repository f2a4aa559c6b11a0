"""Throughput of a whole ``storyline run`` against its dominant cost, in the same run.

Baseline: spaCy ``en_core_web_sm`` alone (``nlp.pipe``) over the same texts, which is
the floor for any pipeline that annotates with it. The ratio says what everything
else (ingest, extraction, dedup, clustering, synthesis, SQLite) costs on top.

    python bench/bench_run.py ../shared/data/clustering/ecbplus-dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jsonl", help="a JSONL file of articles (objects with text or html)")
    args = parser.parse_args()

    from storyline.annotate import load_spacy
    from storyline.config import Settings
    from storyline.pipeline import Pipeline
    from storyline.store import Store

    texts = [json.loads(line).get("text", "") for line in Path(args.jsonl).open(encoding="utf-8") if line.strip()]
    nlp = load_spacy()
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    spacy_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        with Store(db) as store:
            started = time.perf_counter()
            summary = Pipeline(store, settings=Settings(db=str(db))).run([args.jsonl])
            run_seconds = time.perf_counter() - started
            stories = store.counts()["stories"]

    result = {
        "articles": summary.new_articles,
        "stories": stories,
        "storyline_run_articles_per_second": round(summary.new_articles / run_seconds, 1),
        "baseline_spacy_only_articles_per_second": round(len(texts) / spacy_seconds, 1),
        "run_seconds": round(run_seconds, 1),
        "spacy_seconds": round(spacy_seconds, 1),
        "overhead_ratio": round(run_seconds / spacy_seconds, 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
