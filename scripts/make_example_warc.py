"""Build ``examples/crawl.warc.gz`` from the HTML pages in ``scripts/warc_src/``.

The sources live outside ``examples/`` so that ``storyline run examples/`` reads each
page once (from the WARC), not twice. The output is byte-for-byte deterministic:
record ids, dates and the gzip headers do not depend on the clock.

Run from the repository root::

    python scripts/make_example_warc.py
"""

from __future__ import annotations

import uuid
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "scripts" / "warc_src"
OUT = ROOT / "examples" / "crawl.warc.gz"

# (source file, target URI, crawl time): one response record each, in this order.
PAGES = [
    (
        "norhaven-gazette_bridge.html",
        "https://www.norhavengazette.example/local/2026/03/03/quayside-bridge-span-falls-17-hurt",
        "2026-03-03T22:14:05Z",
    ),
    (
        "northern-science-review_octopus.html",
        "https://northernscience.example/life/2026/02/18/octopus-city-carrow-hot-springs",
        "2026-02-18T11:02:41Z",
    ),
    (
        "ashbury-courier_cup-final.html",
        "https://www.ashburycourier.example/sport/rovers/2026/03/08/rovers-end-31-year-wait",
        "2026-03-08T09:30:12Z",
    ),
]

# Fixed namespace so record ids are stable across runs.
_NS = uuid.UUID("5b0e3f0c-7f4e-4c59-9d53-2f0d2b6a1e01")


def _http_date(iso: str) -> str:
    from datetime import datetime

    dt = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    return dt.strftime("%a, %d %b %Y %H:%M:%S GMT")


def build(out: Path = OUT) -> Path:
    """Write the WARC file and return its path."""
    with out.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for name, uri, when in PAGES:
            body = (SRC / name).read_bytes()
            http_headers = StatusAndHeaders(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Date", _http_date(when)),
                ],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                uri,
                "response",
                payload=BytesIO(body),
                http_headers=http_headers,
                warc_headers_dict={
                    "WARC-Date": when,
                    "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_NS, uri)}>",
                },
            )
            writer.write_record(record)
    return out


if __name__ == "__main__":
    print(build())
