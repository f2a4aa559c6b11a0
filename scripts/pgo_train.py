"""The training run of the profile-guided build of storyline's C loops (scripts/build_speedups.sh).

    python scripts/pgo_train.py [--runs 100] [--long 60]

Runs the C loops on the bundled example corpus only (examples/): its pages are extracted
(text mode's line loops) and annotated once, then clustered as streams of re-dated copies
(featurize, the stream's decisions and bookkeeping, refinement), so that the compiler
sees which branches the loops take on real news. Many short streams, because a stream of
many copies of 14 articles is no real stream (every word is in every copy, so no word
tells stories apart and few articles join one), and one long one for large tables. It measures nothing and writes nothing
but the compiler's profile.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

# re-dated copies of a pool of articles, as the clustering bench makes its stream: copy k
# moved k * 120 days, beyond the clusterer's window, so each copy is a new event
from bench_cluster import stream as redated_stream  # noqa: E402

from storyline.annotate import Annotator  # noqa: E402
from storyline.cluster import OnlineClusterer  # noqa: E402
from storyline.config import Settings  # noqa: E402
from storyline.extract import BoilerplateModel  # noqa: E402
from storyline.ingest import iter_documents  # noqa: E402
from storyline.model import AnnotatedArticle, Document  # noqa: E402
from storyline.pipeline import extract_and_annotate  # noqa: E402


def example_articles() -> list[AnnotatedArticle]:
    settings = Settings()
    documents = [d for d in iter_documents([str(ROOT / "examples")], settings=settings) if isinstance(d, Document)]
    return [a for a in extract_and_annotate(documents, annotator=Annotator(), boilerplate=BoilerplateModel(),
                                            settings=settings) if isinstance(a, AnnotatedArticle)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="short streams (3 re-dated copies of the corpus) to cluster")
    parser.add_argument("--long", type=int, default=60, help="re-dated copies of the corpus in the long stream")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    pool = example_articles()
    if not pool:
        sys.exit("no example article could be read from examples/")
    # many short streams (stories form and grow as in a real crawl) and one long one (large
    # tables, stories expiring out of the window)
    for copies, runs in ((3, args.runs), (args.long, 1)):
        stream = redated_stream(pool, copies * len(pool))
        for _ in range(runs):
            clusterer = OnlineClusterer()
            for article in stream:
                clusterer.add(article)
            clusterer.refine()
    print(f"storyline's C loops ran on {len(pool)} example articles")


if __name__ == "__main__":
    main()
