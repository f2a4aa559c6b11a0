"""Instructions the clusterer executes at 10k articles, by phase: a deterministic measure
of its work for comparing two commits on a shared, noisy machine (wall time there moves by
a third between identical runs; instruction counts do not).

    PYTHONPATH=src python bench/ir_cluster.py [--data ../shared/data] [--cache DIR]
        [--size 10000] [--phases all featurize stream refine]

Each phase runs once in a child process under valgrind's callgrind (``valgrind`` must be
installed: ``apt-get install valgrind``), which counts only inside the phase: the stream of
bench_cluster.py (same articles, same re-dating) is built and a 300-article warm-up run
done first, outside the count, and the objects made so far frozen (``gc.freeze``). ``all`` is ``OnlineClusterer.add`` over the stream and one
``refine()``, as bench_cluster.py times it; ``featurize`` the features alone; ``stream``
``add_features`` over features made beforehand; ``refine`` the refine() after such a stream.
Prints a JSON row per phase: millions of instructions and the number of stories.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import bench_cluster  # noqa: E402

PHASES = ("all", "featurize", "stream", "refine")
#: callgrind counts inside this C function only: the phase runs as the one exit callback
COUNTED = "atexit_callfuncs"


def child(phase: str, data: Path, cache: Path | None, size: int, out: Path) -> None:
    """Prepare outside the count, then run ``phase`` as an exit callback (counted)."""
    from storyline.cluster import OnlineClusterer
    from storyline.cluster.features import featurize

    pool, _ = bench_cluster.load_pool(data, cache)
    articles = bench_cluster.stream(pool, size)
    warm = OnlineClusterer()  # lazy imports and first-call caches stay out of the count
    for a in articles[:300]:
        warm.add(a)
    warm.refine()
    features = [featurize(a) for a in articles] if phase in ("stream", "refine") else None
    clusterer = OnlineClusterer()
    if phase == "refine":
        for f in features:
            clusterer.add_features(f)
    # the prepared objects out of the collector's reach: a full collection set off in the
    # phase would otherwise walk them too, and count the bench's pool, not the clusterer
    gc.collect()
    gc.freeze()

    def counted() -> None:
        if phase == "all":
            for a in articles:
                clusterer.add(a)
            clusterer.refine()
        elif phase == "featurize":
            [featurize(a) for a in articles]
        elif phase == "stream":
            for f in features:
                clusterer.add_features(f)
        else:
            clusterer.refine()

    def report() -> None:  # registered first, so it runs after the counted callback
        out.write_text(str(len(set(clusterer.labels_.values())) if clusterer.labels_ else 0))

    atexit.register(report)
    atexit.register(counted)


def measure(phase: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        profile, stories = Path(tmp) / "callgrind.out", Path(tmp) / "stories"
        command = ["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--toggle-collect={COUNTED}",
                   f"--callgrind-out-file={profile}", sys.executable, __file__, "--child", phase,
                   "--data", str(args.data), "--size", str(args.size), "--stories-to", str(stories)]
        if args.cache:
            command += ["--cache", str(args.cache)]
        # a fixed hash seed: set and dict orders, and so the work, are the same each run
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        totals = re.search(r"^(?:summary|totals):\s*(\d+)", profile.read_text(), re.M) if profile.is_file() else None
        if done.returncode != 0 or totals is None:
            sys.exit(f"callgrind run of {phase} failed: {done.stderr.strip().splitlines()[-1:]}")
        return {"phase": phase, "size": args.size, "million_instructions": round(int(totals.group(1)) / 1e6),
                "stories": int(stories.read_text()) if phase != "featurize" else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument("--child", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--stories-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.cache, args.size, args.stories_to)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    for phase in args.phases:
        print(json.dumps(measure(phase, args)), flush=True)


if __name__ == "__main__":
    main()
