"""Extraction of this working tree against an earlier commit's, paired in one process.

    python bench/ab_extract.py REV --data ../shared/data/extraction/wcxb-dev-articles.jsonl.gz
        [--mode text|html] [--repeat 3] [--chunk 10]

The package at REV (``git archive``) is copied beside this one as ``storyline_at_rev`` (its C
loops compiled with the same compiler and flags as setup.py's, where a compiler is found),
both fit the corpus boilerplate model on the pages, and then:

- **the same output?** Title, text, author, date and its source, language and every removed
  line with its reason, on every page, hashed on both sides;
- **the time**: CPU time over paired chunks of pages, each chunk through both sides back to
  back, which side goes first alternating (a slow spell of a shared machine hits both alike).

Prints the two rates and this tree's time as a share of REV's.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD = "storyline_at_rev"


def snapshot(rev: str, into: Path) -> str:
    """The package at ``rev`` as ``OLD`` in ``into``; returns the commit's short hash."""
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", commit, "src/storyline"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    package = into / OLD
    (into / "src" / "storyline").rename(package)
    # its modules import each other as storyline.x: point them at the copy
    for path in package.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\b(from|import) storyline(?=[. ])", rf"\1 {OLD}", source), encoding="utf-8")
    c_file = package / "_speedups.c"
    compiler = shutil.which(sysconfig.get_config_var("CC").split()[0] if sysconfig.get_config_var("CC") else "cc")
    if c_file.is_file() and compiler:
        target = package / f"_speedups{sysconfig.get_config_var('EXT_SUFFIX')}"
        # the interpreter's own flags, as setup.py's build uses them (-DNDEBUG among them: without
        # it the C API's asserts run and the snapshot is some 10% slower than this tree)
        flags = (sysconfig.get_config_var("CFLAGS") or "-O3").split()
        subprocess.run([compiler, *flags, "-shared", "-fPIC", "-ffp-contract=off",
                        f"-I{sysconfig.get_paths()['include']}", str(c_file), "-o", str(target)], check=True)
    return commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the commit to compare against (e.g. HEAD~3)")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/extraction/wcxb-dev-articles.jsonl.gz"))
    parser.add_argument("--mode", choices=("text", "html"), default="text")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the pages")
    parser.add_argument("--chunk", type=int, default=10, help="pages per paired run")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"{args.data}: no such file (the dev data lives in ../shared/data)")
    with gzip.open(args.data, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    field = "page_text" if args.mode == "text" else "html"
    with tempfile.TemporaryDirectory() as tmp:
        commit = snapshot(args.rev, Path(tmp))
        sys.path[:0] = [str(ROOT / "src"), tmp]
        sides = {}
        for name, package in (("this tree", "storyline"), (commit, OLD)):
            extract = importlib.import_module(f"{package}.extract")
            model_module = importlib.import_module(f"{package}.model")
            error = importlib.import_module(f"{package}.errors").StorylineError
            docs = [
                model_module.Document(source=str(i), raw=row[field].encode("utf-8"), kind=args.mode, url=row.get("url"),
                                      hints={"site": row.get("domain") or extract.site_of(row.get("url"))})
                for i, row in enumerate(rows)
            ]
            model = extract.BoilerplateModel()
            for doc in docs:
                model.partial_fit([doc], site=doc.hints["site"])
            sides[name] = (extract.extract_article, docs, model, error)

        def digest(name: str) -> str:
            """A hash of the side's output on every page."""
            extract_article, docs, model, error = sides[name]
            hashed = hashlib.sha256()
            for doc in docs:
                try:
                    a = extract_article(doc, boilerplate=model)
                    hashed.update(repr((a.title, a.text, a.author, a.published, a.published_by, a.language,
                                        [(r.text, r.reason) for r in a.removed])).encode())
                except error as failure:
                    hashed.update(str(failure).encode())
            return hashed.hexdigest()

        def cpu_time(name: str, lo: int) -> float:
            extract_article, docs, model, error = sides[name]
            start = time.process_time()
            for doc in docs[lo : lo + args.chunk]:
                try:
                    extract_article(doc, boilerplate=model)
                except error:
                    pass
            return time.process_time() - start

        names = list(sides)
        same = digest(names[0]) == digest(names[1])
        spent = dict.fromkeys(names, 0.0)
        for repeat in range(args.repeat):
            for k, lo in enumerate(range(0, len(rows), args.chunk)):
                for name in (names if (k + repeat) % 2 else names[::-1]):
                    spent[name] += cpu_time(name, lo)
    n = len(rows) * args.repeat
    print(f"{len(rows)} pages from {args.data}, {args.mode} mode")
    print(f"  the same output on every page: {'yes' if same else 'NO'}")
    for name in names:
        print(f"  {name:12s} {n / spent[name]:8.1f} pages/s (CPU time, paired chunks)")
    print(f"  this tree's time / {commit}'s: {spent[names[0]] / spent[names[1]]:.3f}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
