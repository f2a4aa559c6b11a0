"""Synthesis speed on large stories: synthesize_story vs LexRank alone, same sentences, same run.

    python bench/bench_synthesize.py --data ../shared/data/summaries/multinews-dev.jsonl [--articles 50]

Builds one story of ``--articles`` articles from the Multi-News clusters
(sentences split by regex, so spaCy time is not counted), then times
:func:`storyline.synthesize.synthesize_story` (facts, conflicts, statements,
lineage, summary, flags) against a LexRank summary of the same sentences. The
issue asks for seconds at most on a 50-article story. The first call of each
is a warm-up (imports), reported separately.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.evaluate.summaries import annotate_fast, cluster_articles, lexrank  # noqa: E402
from storyline.synthesize import synthesize_story  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data/summaries/multinews-dev.jsonl")
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [json.loads(line) for line in open(args.data, encoding="utf-8") if line.strip()]
    articles = []
    for number, row in enumerate(rows):
        articles += cluster_articles(row, number)
        if len(articles) >= args.articles:
            break
    annotated = [annotate_fast(a) for a in articles[: args.articles]]
    sentences = [s.text for a in annotated for s in a.sentences]

    def timed(run) -> tuple[float, float]:
        start = time.perf_counter()
        run()
        warm_up = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(args.repeat):
            run()
        return warm_up, (time.perf_counter() - start) / args.repeat

    ours = timed(lambda: synthesize_story(annotated, summary_words=120))
    baseline = timed(lambda: lexrank(sentences, budget=120))
    print(f"{len(annotated)} articles, {len(sentences)} sentences")
    print(f"synthesize_story: {ours[1]:.2f} s per story (first call {ours[0]:.2f} s)")
    print(f"LexRank alone:    {baseline[1]:.2f} s per story (first call {baseline[0]:.2f} s)")


if __name__ == "__main__":
    main()
