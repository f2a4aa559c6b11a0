"""Extraction speed: storyline text mode, storyline HTML mode, trafilatura, same pages, same run.

    python bench/bench_extract.py --data ../shared/data/extraction/scrapinghub.jsonl.gz

Runs in one process (pages per second per core). Text mode gets ``page_text``,
HTML mode and trafilatura get ``html``. The HTML/trafilatura ratio is given twice:
best of alternating passes (wall clock), and CPU time over paired chunks of pages
(each chunk through both back to back; steadier on a shared machine). The corpus boilerplate model is fitted
on the pages first (timed separately and reported). Bounds from issue 3: text
mode >= 500 pages/s; HTML mode no slower than trafilatura alone by more than 20%. Where the
C loops were compiled, text mode is also timed against their pure-Python references (paired chunks).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.errors import StorylineError  # noqa: E402
from storyline.extract import BoilerplateModel, compiled_loops, extract_article, site_of  # noqa: E402
from storyline.model import Document  # noqa: E402


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/extraction/scrapinghub.jsonl.gz"))
    parser.add_argument("--limit", type=int, default=0, help="pages to use (0 = all)")
    parser.add_argument("--repeat", type=int, default=3, help="passes of each (best is reported)")
    parser.add_argument("--chunk", type=int, default=10, help="pages per paired run in the CPU-time ratio")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"{args.data}: no such file (the dev data lives in ../shared/data)")
    opener = gzip.open if args.data.suffix == ".gz" else open
    with opener(args.data, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    n = len(rows)

    def docs(kind: str) -> list[Document]:
        field = "page_text" if kind == "text" else "html"
        return [
            Document(
                source=str(i),
                raw=row[field].encode("utf-8"),
                kind=kind,
                url=row.get("url"),
                hints={"site": row.get("domain") or site_of(row.get("url"))},
            )
            for i, row in enumerate(rows)
        ]

    import trafilatura

    def storyline_pass(batch: list[Document], model: BoilerplateModel) -> float:
        start = time.perf_counter()
        for doc in batch:
            try:
                extract_article(doc, boilerplate=model)
            except StorylineError:
                pass
        return _rate(n, time.perf_counter() - start)

    def trafilatura_pass() -> float:
        start = time.perf_counter()
        for row in rows:
            trafilatura.extract(row["html"])
        return _rate(n, time.perf_counter() - start)

    results: dict[str, float] = {}
    models: dict[str, tuple[list[Document], BoilerplateModel]] = {}
    for kind in ("text", "html"):
        batch = docs(kind)
        start = time.perf_counter()
        model = BoilerplateModel()
        for doc in batch:
            model.partial_fit([doc], site=doc.hints["site"])
        results[f"boilerplate fit ({kind})"] = _rate(n, time.perf_counter() - start)
        extract_article(batch[0], boilerplate=model)  # warm imports and language model
        models[kind] = (batch, model)
    trafilatura.extract(rows[0]["html"])
    results["storyline text mode"] = max(storyline_pass(*models["text"]) for _ in range(args.repeat))
    # HTML mode and trafilatura alone in alternating passes, best of each: on a shared
    # machine a slow spell then hits both sides alike.
    html_best = trafilatura_best = 0.0
    for _ in range(args.repeat):
        html_best = max(html_best, storyline_pass(*models["html"]))
        trafilatura_best = max(trafilatura_best, trafilatura_pass())
    results["storyline html mode"] = html_best
    results["trafilatura (default)"] = trafilatura_best
    # The same comparison in short paired runs: each chunk of CHUNK pages through
    # storyline and through trafilatura back to back (which goes first alternates),
    # CPU time of this process summed over all passes. On a shared machine a
    # pass-level best still catches one side in a busy spell (the wall-clock ratio
    # above moved between 0.66 and 0.97 on one commit, full-pass CPU-time ratios between
    # 0.81 and 1.05); chunk pairs see the same machine (three runs: 0.898, 0.885, 0.898),
    # stay warm within a chunk, and CPU time is the per-core cost the bound is about.
    html_docs, html_model = models["html"]
    ours = theirs = 0.0
    clock = time.process_time
    for repeat in range(args.repeat):
        for k, lo in enumerate(range(0, n, args.chunk)):
            for side in ((0, 1) if (k + repeat) % 2 else (1, 0)):
                start = clock()
                if side == 0:
                    for doc in html_docs[lo : lo + args.chunk]:
                        try:
                            extract_article(doc, boilerplate=html_model)
                        except StorylineError:
                            pass
                    ours += clock() - start
                else:
                    for row in rows[lo : lo + args.chunk]:
                        trafilatura.extract(row["html"])
                    theirs += clock() - start
    results["storyline html mode (paired, CPU)"] = _rate(n * args.repeat, ours)
    results["trafilatura (paired, CPU)"] = _rate(n * args.repeat, theirs)
    # text mode with its C loops against their pure-Python references (what an install
    # without a C compiler runs), in the same paired chunks
    compiled_share = None
    if compiled_loops.compiled():
        text_docs, text_model = models["text"]
        spent = [0.0, 0.0]
        try:
            for repeat in range(args.repeat):
                for k, lo in enumerate(range(0, n, args.chunk)):
                    for side in ((0, 1) if (k + repeat) % 2 else (1, 0)):
                        compiled_loops.use_references(side == 1)
                        start = clock()
                        for doc in text_docs[lo : lo + args.chunk]:
                            try:
                                extract_article(doc, boilerplate=text_model)
                            except StorylineError:
                                pass
                        spent[side] += clock() - start
        finally:
            compiled_loops.use_references(False)
        results["text mode, C loops (paired, CPU)"] = _rate(n * args.repeat, spent[0])
        results["text mode, Python loops (paired)"] = _rate(n * args.repeat, spent[1])
        compiled_share = spent[0] / spent[1] if spent[1] else None
    print(f"{n} pages from {args.data}")
    for name, rate in results.items():
        print(f"  {name:34s} {rate:9.1f} pages/s")
    ratio = results["storyline html mode"] / results["trafilatura (default)"]
    print(f"  html mode / trafilatura speed, best passes (wall clock): {ratio:.2f} (bound: >= 0.80)")
    paired = theirs / ours if ours else float("inf")
    print(f"  html mode / trafilatura speed, paired chunks (CPU time): {paired:.2f} (bound: >= 0.80)")
    if compiled_share is None:
        print("  text mode: the C loops were not compiled here (storyline._speedups)")
    else:
        print(f"  text mode time with its C loops / with their Python references (paired chunks, CPU): {compiled_share:.3f}")
    print(f"  text mode bound (>= 500 pages/s): {'met' if results['storyline text mode'] >= 500 else 'NOT met'}")


if __name__ == "__main__":
    main()
