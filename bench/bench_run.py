"""Throughput of a whole ``storyline run`` against its dominant cost, in the same run.

Baseline: spaCy ``en_core_web_sm`` alone (``nlp.pipe``, one process) over the same texts,
which is the floor for any one-process pipeline that annotates with it. The run is timed
twice: in one process (``workers = 1``: the ratio says what everything else, i.e. ingest,
extraction, dedup, clustering, synthesis and SQLite, costs on top), and as
``storyline run`` runs by default (extraction and annotation in one process per core).

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
    from storyline.pipeline import Pipeline, worker_count
    from storyline.store import Store

    texts = [json.loads(line).get("text", "") for line in Path(args.jsonl).open(encoding="utf-8") if line.strip()]
    nlp = load_spacy()
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    spacy_seconds = time.perf_counter() - started

    def timed_run(settings_workers: int, *, auto: bool) -> tuple[float, object, int]:
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "bench.db"
            with Store(db) as store:
                started = time.perf_counter()
                settings = Settings(db=str(db), workers=settings_workers)
                summary = Pipeline(store, settings=settings, auto_workers=auto).run([args.jsonl])
                return time.perf_counter() - started, summary, store.counts()["stories"]

    one_seconds, summary, stories = timed_run(1, auto=False)
    default_seconds, _, default_stories = timed_run(0, auto=True)  # as `storyline run` does
    processes = worker_count(Settings(), len(texts), auto=True)
    result = {
        "articles": summary.new_articles,
        "stories": stories,
        "baseline_spacy_only_articles_per_second": round(len(texts) / spacy_seconds, 1),
        "one_process_articles_per_second": round(summary.new_articles / one_seconds, 1),
        "one_process_overhead_ratio": round(one_seconds / spacy_seconds, 2),
        "default_processes": processes,
        "default_articles_per_second": round(summary.new_articles / default_seconds, 1),
        "default_speedup_over_one_process": round(one_seconds / default_seconds, 2),
        "same_story_count": stories == default_stories,
        "spacy_seconds": round(spacy_seconds, 1),
        "one_process_seconds": round(one_seconds, 1),
        "default_seconds": round(default_seconds, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
