"""Clustering throughput and peak memory at 1k, 10k and 100k articles, beside the baseline.

    PYTHONPATH=src python bench/bench_cluster.py [--data ../shared/data] [--sizes 1000 10000 100000]
        [--cache DIR] [--json OUT] [--repeat 3] [--python-loops]

Articles are the real ones of ../shared/data/clustering (ECB+ texts and UCI headlines),
annotated once, then repeated to reach the size: copy k of an article is re-dated by
k * 120 days (beyond the clusterer's window), so each copy is a new event and the stream
keeps moving forward in time as a real one does. Timed (best of ``--repeat`` runs,
alternating with the baseline's): ``OnlineClusterer.add`` over the annotated stream
(features included) and one ``refine()``; memory: the peak of Python
allocations (tracemalloc) in a separate pass. The baseline, TF-IDF + average-linkage
agglomerative clustering, needs the n x n distance matrix; it is run where that fits.
Each row says whether the clusterer's C loops ran (``compiled_loops``; see setup.py);
``--python-loops`` adds their CPU time against their pure-Python references, in
alternating runs that must make the same stories.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.cluster import OnlineClusterer  # noqa: E402
from storyline.cluster._sparse import COMPILED  # noqa: E402
from storyline.evaluate._articles import article_from_row  # noqa: E402
from storyline.evaluate.clustering import BASELINE_THRESHOLD, row_text  # noqa: E402

try:  # whether the C loops were built with a training run's profile (scripts/build_speedups.sh)
    from storyline._speedups import PROFILE_GUIDED  # noqa: E402
except ImportError:  # they did not build, or were built before they said
    PROFILE_GUIDED = 0

#: copies are this many days apart: beyond WINDOW_DAYS, so a copy is a different event.
REDATE_DAYS = 120
#: the baseline's distance matrix is n^2 float32; past this size it does not fit in memory.
BASELINE_MAX = 20_000


def load_pool(data: Path, cache: Path | None) -> tuple[list, list[str]]:
    """Annotated real articles (ECB+ then UCI, file order) and their texts for the baseline."""
    rows = []
    for name in ("ecbplus-dev.jsonl", "uci-headlines.jsonl"):
        path = data / "clustering" / name
        if not path.is_file():
            sys.exit(f"development data not found at {path}")
        rows += [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    texts = [row_text(r) for r in rows]
    cached = cache / "bench-pool.pkl" if cache else None
    if cached and cached.is_file():
        return pickle.loads(cached.read_bytes()), texts
    from storyline.annotate import Annotator

    articles = [article_from_row(r, source=f"bench#{i}") for i, r in enumerate(rows)]
    annotated = list(Annotator().annotate_many(articles))
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(annotated))
    return annotated, texts


def stream(pool: list, n: int) -> list:
    """n annotated articles: the pool repeated, each copy re-dated and re-identified."""
    out = []
    base = date(2014, 1, 1)
    for i in range(n):
        k, j = divmod(i, len(pool))
        a = pool[j]
        day = (a.article.published or base) + timedelta(days=k * REDATE_DAYS)
        event = (a.event_date + timedelta(days=k * REDATE_DAYS)) if a.event_date else None
        article = replace(a.article, id=f"{a.article.id}~{k}", published=day)
        out.append(replace(a, article=article, event_date=event))
    return out


def run_clusterer(articles: list) -> tuple[float, int]:
    clusterer = OnlineClusterer()
    start = time.perf_counter()
    for a in articles:
        clusterer.add(a)
    clusterer.refine()
    return time.perf_counter() - start, len(set(clusterer.labels_.values()))


def python_loops(use: bool) -> None:
    """Run the clusterer on the pure-Python references of its C loops (``use``), or back
    on the C loops (the sparse loops of _sparse.py, featurize's loops and the scoring
    kernel of features.py, timeinfo.py and online.py, refine.py's pair and merge loops, wherever the
    cluster modules imported them). The corpus statistics and the stories' bags stay the C tables
    (TermTable, TermBag) on both sides: the references read them through their mapping faces."""
    from storyline import _speedups
    from storyline.cluster import _sparse, features, online, refine, similarity, timeinfo

    references = {**_sparse._REFERENCE, **features._REFERENCE, **features._KERNEL_REFERENCE, **online._REFERENCE,
                  **refine._REFERENCE, **timeinfo._REFERENCE}
    for module in (features, online, refine, similarity, timeinfo):
        for name, reference in references.items():
            if hasattr(module, name):
                setattr(module, name, reference if use else getattr(_speedups, name))


def compare_loops(articles: list, repeat: int) -> dict:
    """CPU time of the clusterer with its C loops against their Python references, in
    alternating runs (the same stories either way)."""
    spent = {"c": 0.0, "python": 0.0}
    labels = {}
    try:
        for k in range(max(2, repeat)):
            for side in (("c", "python") if k % 2 else ("python", "c")):
                python_loops(side == "python")
                start = time.process_time()
                clusterer = OnlineClusterer()
                for a in articles:
                    clusterer.add(a)
                clusterer.refine()
                spent[side] += time.process_time() - start
                labels[side] = clusterer.labels_
    finally:
        python_loops(False)
    if labels["c"] != labels["python"]:
        sys.exit("the C loops and their Python references made different stories")
    return {"c_cpu_seconds": round(spent["c"], 2), "python_cpu_seconds": round(spent["python"], 2),
            "c_share_of_python_time": round(spent["c"] / spent["python"], 3)}


def peak_memory(fn, *args) -> int:
    gc.collect()
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run_baseline(texts: list[str]) -> float:
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    start = time.perf_counter()
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    distances = cosine_distances(matrix).astype(np.float32)
    AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                            distance_threshold=BASELINE_THRESHOLD).fit(distances)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs of each side, alternating; the best of each is reported")
    parser.add_argument("--python-loops", action="store_true",
                        help="also time the clusterer on the Python references of its C loops (alternating runs)")
    args = parser.parse_args()
    pool, pool_texts = load_pool(args.data, args.cache)
    results = []
    for n in args.sizes:
        articles = stream(pool, n)
        texts = [pool_texts[i % len(pool_texts)] for i in range(n)]
        with_baseline = n <= BASELINE_MAX
        # best of alternating runs on both sides: the first run of a process also pays for
        # lazy imports and cold caches, and a slow spell of a shared machine hits both alike
        seconds, b_seconds = float("inf"), float("inf")
        for _ in range(max(1, args.repeat)):
            took, stories = run_clusterer(articles)
            seconds = min(seconds, took)
            if with_baseline:
                b_seconds = min(b_seconds, run_baseline(texts))
        peak = peak_memory(run_clusterer, articles)
        row = {
            "n": n,
            "stories": stories,
            "seconds": round(seconds, 2),
            "articles_per_second": round(n / seconds, 1),
            "peak_memory_mb": round(peak / 2**20, 1),
            # the C loops (storyline/_speedups.c, parts in _c/) where they were compiled, else their Python references
            "compiled_loops": COMPILED,
            "profile_guided": COMPILED and bool(PROFILE_GUIDED),
        }
        if args.python_loops and COMPILED:
            row["c_loops_against_python"] = compare_loops(articles, args.repeat)
        if with_baseline:
            b_peak = peak_memory(run_baseline, texts)
            row["baseline"] = {
                "seconds": round(b_seconds, 2),
                "articles_per_second": round(n / b_seconds, 1),
                "peak_memory_mb": round(b_peak / 2**20, 1),
            }
            row["speedup"] = round(b_seconds / seconds, 2)
        else:
            row["baseline"] = {"skipped": f"needs an n x n matrix ({4 * n * n / 2**30:.0f} GiB)"}
        results.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
