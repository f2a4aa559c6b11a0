"""The clusterer of this working tree against an earlier commit's, paired in one process.

    python bench/ab_cluster.py REV [--data ../shared/data] [--size 10000] [--repeat 3]
        [--cache DIR]

The package at REV is copied beside this one (``bench/ab_extract.py``'s snapshot, with its
own C loops), and both cluster the same stream as ``bench/bench_cluster.py`` builds it
(the real articles of ../shared/data/clustering, annotated once, re-dated copies up to
``--size``):

- **the same stories?** every article's story id after the stream and after ``refine()``,
  on both sides;
- **the time**: CPU time of whole runs (featurize, the stream, refine), the sides
  alternating which goes first, each part averaged over ``--repeat`` runs a side; each
  side gets the articles as objects of its own classes (unpickled as its package).

Prints each part's time on both sides and this tree's share of REV's.
"""

from __future__ import annotations

import argparse
import importlib
import io
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from ab_extract import OLD, snapshot  # noqa: E402
from bench_cluster import load_pool, stream  # noqa: E402

PARTS = ("featurize", "stream", "refine")


class _Unpickler(pickle.Unpickler):
    """Reads storyline's pickled objects as ``package``'s classes: each side featurizes
    articles of its own classes (the C loops take their fast paths only for the exact
    classes they registered; a side given the other's objects was ~15% slower)."""

    def __init__(self, data: bytes, package: str) -> None:
        super().__init__(io.BytesIO(data))
        self.package = package

    def find_class(self, module: str, name: str):  # type: ignore[no-untyped-def]
        if module == "storyline" or module.startswith("storyline."):
            module = self.package + module[len("storyline"):]
        return super().find_class(module, name)


def run(package: str, articles: list) -> tuple[dict[str, float], tuple[dict, dict]]:
    """One clustering run of ``package``: CPU seconds per part, and the labels after the
    stream and after refinement."""
    online = importlib.import_module(f"{package}.cluster.online")
    featurize = importlib.import_module(f"{package}.cluster.features").featurize
    spent = {}
    start = time.process_time()
    features = [featurize(a) for a in articles]
    spent["featurize"] = time.process_time() - start
    clusterer = online.OnlineClusterer()
    start = time.process_time()
    for f in features:
        clusterer.add_features(f)
    spent["stream"] = time.process_time() - start
    streamed = dict(clusterer.labels_)
    start = time.process_time()
    clusterer.refine()
    spent["refine"] = time.process_time() - start
    return spent, (streamed, dict(clusterer.labels_))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the commit to compare against (e.g. HEAD~3)")
    parser.add_argument("--data", type=Path, default=ROOT.parents[1] / "shared" / "data")
    parser.add_argument("--size", type=int, default=10_000, help="articles in the stream")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side")
    parser.add_argument("--cache", type=Path, default=None, help="where the annotated pool is kept between runs")
    args = parser.parse_args()
    pool, _ = load_pool(args.data, args.cache)
    articles = stream(pool, args.size)
    with tempfile.TemporaryDirectory() as tmp:
        commit = snapshot(args.rev, Path(tmp))
        sys.path[:0] = [str(ROOT.parent / "src"), tmp]
        sides = {"this tree": "storyline", commit: OLD}
        pickled = pickle.dumps(articles)
        inputs = {name: articles if package == "storyline" else _Unpickler(pickled, package).load()
                  for name, package in sides.items()}
        spent = {name: dict.fromkeys(PARTS, 0.0) for name in sides}
        labels = {}
        for k in range(max(1, args.repeat)):
            for name in (list(sides) if k % 2 else list(sides)[::-1]):
                took, labels[name] = run(sides[name], inputs[name])
                for part in PARTS:
                    spent[name][part] += took[part]
    names = list(sides)
    ours, theirs = (labels[n] for n in names)
    same_stream, same_refined = ours[0] == theirs[0], ours[1] == theirs[1]
    print(f"{len(articles)} articles (bench_cluster's stream), {args.repeat} runs a side")
    print(f"  the same stories after the stream: {'yes' if same_stream else 'NO'}, "
          f"after refine: {'yes' if same_refined else 'NO'} ({len(set(ours[1].values()))} stories here, "
          f"{len(set(theirs[1].values()))} at {commit})")
    for part in (*PARTS, "total"):
        a, b = (sum(spent[n].values()) if part == "total" else spent[n][part] for n in names)
        print(f"  {part:10s} this tree {a / args.repeat:7.3f} s, {commit} {b / args.repeat:7.3f} s: {a / b:.3f}")
    if not (same_stream and same_refined):
        sys.exit(1)


if __name__ == "__main__":
    main()
