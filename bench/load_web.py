"""Bounded load test of ``storyline serve`` on loopback: read latency with and without a writer.

    PYTHONPATH=src python bench/load_web.py [--db FILE] [--clients 8] [--requests 1500]
                                            [--writes 12] [--time-limit 120] [--json]

The server is the real CLI (``storyline serve``) in its own process on 127.0.0.1,
with a random API token. Without ``--db`` the database is built from ``examples/``
by the full pipeline. ``--clients`` threads (httpx) share ``--requests`` GETs over
the main read endpoints (pages and API, search included), twice:

* baseline: nothing else happens;
* with a writer: one more client POSTs up to ``--writes`` new articles through
  ``POST /api/articles`` (extract, annotate, cluster, synthesize) meanwhile, after
  one untimed warm-up POST (the first write loads spaCy).

Printed: p50/p95/max latency in ms per phase and endpoint, requests per second, and
errors (any exception or status other than 200; 201/200 for the writes). Bounded in
count and time (``--time-limit`` seconds per phase); loopback only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: words searched by the search endpoints (all occur in examples/).
SEARCH_WORDS = ("bridge", "quote", "police", "storm", "said", "minister", "octopus", "cup", "harbour")
PLACES = ("Lake Tessaly", "Mount Orrin", "Vellmark", "Dunhollow", "Port Saren", "Kestrel Bay", "Aldbury")
EVENTS = ("a flood", "a landslide", "a ferry fire", "a power cut", "a chemical spill", "a stadium roof collapse")
PEOPLE = ("Ines Valdour", "Tomas Reyk", "Halle Brandt", "Oren Maselli", "Priya Contreras", "Jonas Eklund")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _summary(latencies: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in latencies]
    return {
        "n": len(ms),
        "p50_ms": round(_percentile(ms, 0.50), 1),
        "p95_ms": round(_percentile(ms, 0.95), 1),
        "max_ms": round(max(ms), 1) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else float("nan"),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _build_examples_db(path: Path) -> None:
    from storyline.pipeline import Pipeline
    from storyline.store import Store

    with Store(path) as store:
        Pipeline(store).run([str(ROOT / "examples")])


def _start_server(db: str, token: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "STORYLINE_API_TOKEN": token, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-c", "from storyline.cli import main; main()", "serve", "--db", db,
         "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start in 60 s")


def _targets(url: str) -> list[tuple[str, str]]:
    """(endpoint name, URL) pairs covering every read route, built from what the server holds."""
    import httpx

    stories = httpx.get(f"{url}/api/stories", params={"limit": 200}, timeout=30).json()["stories"]
    if not stories:
        raise SystemExit("the database holds no stories")
    article_ids = [a["id"] for s in stories for a in s["articles"]]
    targets = [("page /", f"{url}/"), ("page / ?q=", f"{url}/?q=bridge&sort=size"), ("api stories", f"{url}/api/stories")]
    targets += [("page story", f"{url}/stories/{s['id']}") for s in stories]
    targets += [("api story", f"{url}/api/stories/{s['id']}") for s in stories]
    targets += [("page article", f"{url}/articles/{a}") for a in article_ids]
    targets += [("api article", f"{url}/api/articles/{a}") for a in article_ids]
    targets += [("api search", f"{url}/api/search?q={w}") for w in SEARCH_WORDS]
    return targets


def _read_phase(targets: list[tuple[str, str]], *, clients: int, requests: int, time_limit: float,
                seed: int) -> dict[str, object]:
    import httpx

    rng = random.Random(seed)
    plan = [rng.choice(targets) for _ in range(requests)]
    cursor = itertools.count()
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    deadline = time.monotonic() + time_limit

    def client() -> None:
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < deadline:
                index = next(cursor)
                if index >= len(plan):
                    return
                name, target = plan[index]
                problem = ""
                started = time.perf_counter()
                try:
                    status = http.get(target).status_code
                except httpx.HTTPError as exc:
                    status, problem = None, f"{name}: {type(exc).__name__}"
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.setdefault(name, []).append(elapsed)
                    if status != 200:
                        errors.append(problem if status is None else f"{name}: HTTP {status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    everything = [v for values in latencies.values() for v in values]
    return {
        "requests": len(everything),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "seconds": round(seconds, 2),
        "requests_per_second": round(len(everything) / seconds, 1),
        "all": _summary(everything),
        "by_endpoint": {name: _summary(values) for name, values in sorted(latencies.items())},
    }


def _article(rng: random.Random, number: int) -> dict[str, str]:
    place, event, person = rng.choice(PLACES), rng.choice(EVENTS), rng.choice(PEOPLE)
    hurt = rng.randint(2, 90)
    text = (
        f"{event.capitalize()} hits {place} (load test {number})\n"
        f"{event.capitalize()} struck {place} on Monday, and {hurt} people were taken to hospital, officials said.\n"
        f"\"We have never seen anything like it,\" said {person}, who runs the relief effort in {place}.\n"
        f"Roads around {place} stayed closed on Tuesday while crews inspected the damage.\n"
        f"Report number {number} of the storyline load test; seed words {rng.randrange(10**9)}."
    )
    return {"text": text, "site": f"loadtest{number % 4}.example", "published": f"2026-05-{1 + number % 28:02d}"}


def _writer(url: str, token: str, *, writes: int, seed: int, stop: threading.Event, out: dict[str, object]) -> None:
    import httpx

    rng = random.Random(seed)
    latencies, errors, stories = [], [], set()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=300) as http:
        for number in range(writes):
            if stop.is_set():
                break
            started = time.perf_counter()
            try:
                response = http.post(f"{url}/api/articles", json=_article(rng, number), headers=headers)
                if response.status_code not in (200, 201):
                    errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                else:
                    stories.update(a["story_id"] for a in response.json()["articles"])
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - started)
    out.update({"writes": len(latencies), "errors": len(errors), "error_examples": errors[:3],
                "stories_placed_in": len(stories), **_summary(latencies)})


def main() -> int:
    parser = argparse.ArgumentParser(description="bounded loopback load test of storyline serve")
    parser.add_argument("--db", help="database to serve (a copy is used; default: built from examples/)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1500, help="GETs per phase")
    parser.add_argument("--writes", type=int, default=12, help="POSTs during the second phase")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per phase at most")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="storyline-load-"))
    db = workdir / "load.db"
    if args.db:
        import sqlite3

        source = sqlite3.connect(args.db)
        target = sqlite3.connect(db)
        source.backup(target)  # the writes must not touch the caller's database
        source.close()
        target.close()
    else:
        _build_examples_db(db)

    token = secrets.token_urlsafe(16)
    process, url = _start_server(str(db), token)
    try:
        targets = _targets(url)
        baseline = _read_phase(targets, clients=args.clients, requests=args.requests,
                               time_limit=args.time_limit, seed=args.seed)
        # The first write loads spaCy and rebuilds the clusterer from the database;
        # done before the measured phase so that phase sees steady-state writes.
        warm: dict[str, object] = {}
        _writer(url, token, writes=1, seed=args.seed + 1000, stop=threading.Event(), out=warm)
        stop = threading.Event()
        writer: dict[str, object] = {}
        thread = threading.Thread(target=_writer, args=(url, token),
                                  kwargs={"writes": args.writes, "seed": args.seed, "stop": stop, "out": writer})
        thread.start()
        loaded = _read_phase(targets, clients=args.clients, requests=args.requests,
                             time_limit=args.time_limit, seed=args.seed + 1)
        if thread.is_alive():
            # Reads finished first: let the writer finish its current article, within the time limit.
            stop.set()
            thread.join(args.time_limit)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
    result = {
        "clients": args.clients,
        "requests_per_phase": args.requests,
        "baseline_reads_only": baseline,
        "reads_with_writer": loaded,
        "writer_warmup": warm,
        "writer": writer,
        "errors": int(baseline["errors"]) + int(loaded["errors"]) + int(writer.get("errors", 0))
        + int(warm.get("errors", 0)),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name in ("baseline_reads_only", "reads_with_writer"):
            phase = result[name]
            print(f"{name}: {phase['requests']} GETs in {phase['seconds']} s ({phase['requests_per_second']}/s), "
                  f"errors {phase['errors']}, p50 {phase['all']['p50_ms']} ms, p95 {phase['all']['p95_ms']} ms, "
                  f"max {phase['all']['max_ms']} ms")
            for endpoint, figures in phase["by_endpoint"].items():
                print(f"    {endpoint:14} n={figures['n']:5}  p50 {figures['p50_ms']:7} ms  p95 {figures['p95_ms']:7} ms"
                      f"  max {figures['max_ms']:7} ms")
        print(f"writer warm-up (loads spaCy): {warm.get('max_ms')} ms, errors {warm.get('errors')}")
        print(f"writer: {writer.get('writes')} POSTs, errors {writer.get('errors')}, p50 {writer.get('p50_ms')} ms, "
              f"max {writer.get('max_ms')} ms; placed in {writer.get('stories_placed_in')} stories")
        print(f"total errors: {result['errors']}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
