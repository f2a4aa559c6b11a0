"""Score what ``storyline run`` makes of a labelled clustering file: BCubed F1 of the stories
it stores against the file's ``cluster`` column.

``storyline eval clustering`` scores the clusterer on the file's rows; this runs the whole
product path instead (ingest, extraction, dedup, clustering, refinement, in a fresh
database), so the two can be compared on the same file.

    python scripts/score_run.py ../shared/data/clustering/ecbplus-dev.jsonl [--workers N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from pathlib import Path

from storyline.config import Settings
from storyline.evaluate.clustering import bcubed
from storyline.pipeline import Pipeline
from storyline.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a JSONL file with a cluster column")
    parser.add_argument("--workers", type=int, default=0, help="as storyline run --workers (0: one per core)")
    args = parser.parse_args()
    # rows by their line number, which is how storyline run names each line's source (path#N)
    with open(args.path, encoding="utf-8") as handle:
        numbered = [(n, json.loads(line)) for n, line in enumerate(handle, 1) if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "score.db"
        with Store(db) as store:
            summary = Pipeline(store, settings=Settings(db=str(db), workers=args.workers),
                               auto_workers=True).run([args.path])
        with sqlite3.connect(db) as connection:
            story_of = dict(connection.execute("SELECT source, story_id FROM articles"))
    # a row that was not read is a story of its own (as refusing it would leave it)
    predicted = [story_of.get(f"{args.path}#{n}", f"unread#{n}") for n, _ in numbered]
    scores = bcubed(predicted, [str(row["cluster"]) for _, row in numbered])
    print(json.dumps({
        "bcubed": {k: round(v, 4) for k, v in scores.items()},
        "rows": len(numbered),
        "articles": summary.new_articles,
        "unread": sum(1 for p in predicted if isinstance(p, str)),
        "skipped": len(summary.skipped),
        "seconds": round(summary.seconds, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
