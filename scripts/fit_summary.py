"""Grid search for the summary weights of ``storyline.synthesize.summary``.

Usage (from the repository root)::

    PYTHONPATH=src python scripts/fit_summary.py ../shared/data/summaries/multinews-dev.jsonl [--fast]

The clusters are annotated once (spaCy, or regex sentences with ``--fast``),
facts are aligned once, then every weight combination picks summaries at 250
words. Combinations are ranked by ROUGE-1 + ROUGE-2 F on the first half of the
file; the best ones are printed with their scores on the second half, which
is the check that the choice generalises. Copy the chosen values into
``summary.py`` by hand.
"""

from __future__ import annotations

import argparse
import itertools
import json

import numpy as np

from storyline.evaluate.summaries import annotate_fast, cluster_articles
from storyline.synthesize import facts, lineage, units
from storyline.synthesize import summary as S

GRID = {
    "W_CONSENSUS": [0.5, 1.0, 2.0],
    "W_CENTRALITY": [0.5, 1.0],
    "W_SUPPORT": [0.0, 1.0, 2.0],
    "MMR_LAMBDA": [0.5, 1.0, 2.0],
    "REDUNDANT_SIM": [0.4, 0.5],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--fast", action="store_true", help="regex sentences instead of spaCy")
    args = parser.parse_args()
    from rouge_score import rouge_scorer

    rows = [json.loads(line) for line in open(args.path, encoding="utf-8") if line.strip()]
    annotator = None
    if not args.fast:
        from storyline.annotate import Annotator

        annotator = Annotator()
    prepared = []
    for number, row in enumerate(rows):
        articles = cluster_articles(row, number)
        annotated = (
            [annotate_fast(a) for a in articles]
            if annotator is None
            else list(annotator.annotate_many(articles))
        )
        story = units.build(annotated)
        root = units.roots(len(annotated), lineage.reuse(story).near_copies)
        groups = facts.align(story)
        prepared.append((story, groups, facts.build_facts(story, groups, root), row["reference"]))
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)

    def score(items: list) -> np.ndarray:
        values = []
        for story, groups, fact_list, reference in items:
            text = " ".join(s.text for s in S.summarize(story, groups, fact_list, budget_words=250))
            result = scorer.score(reference, text)
            values.append([result["rouge1"].fmeasure, result["rouge2"].fmeasure])
        return 100 * np.mean(values, axis=0)

    half = len(prepared) // 2
    fit, check = prepared[:half], prepared[half:]
    results = []
    for combo in itertools.product(*GRID.values()):
        for name, value in zip(GRID, combo, strict=True):
            setattr(S, name, value)
        results.append((float(score(fit).sum()), combo))
    results.sort(key=lambda item: -item[0])
    for total, combo in results[:5]:
        for name, value in zip(GRID, combo, strict=True):
            setattr(S, name, value)
        print(
            dict(zip(GRID, combo, strict=True)),
            "fit",
            round(total, 2),
            "check",
            np.round(score(check), 2),
        )


if __name__ == "__main__":
    main()
