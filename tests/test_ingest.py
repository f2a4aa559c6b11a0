"""ingest: every format, and every kind of bad input as a Skipped with a reason."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyline.config import Settings
from storyline.errors import FetchError
from storyline.ingest import Document, Skipped, decode_bytes, iter_documents
from storyline.ingest._decode import UndecodableError
from storyline.ingest.url import check_host

PAGE = "<html><head><title>Dam opens</title></head><body><p>The dam opened on Monday.</p></body></html>"


def _all(*inputs: str, **settings) -> list[Document | Skipped]:
    return list(iter_documents(list(inputs), settings=Settings(**settings)))


def test_text_and_html_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Home\nThe dam opened on Monday.\n", encoding="utf-8")
    (tmp_path / "b.html").write_text(PAGE, encoding="utf-8")
    docs = _all(str(tmp_path / "a.txt"), str(tmp_path / "b.html"))
    assert [d.kind for d in docs] == ["text", "html"]
    assert docs[0].raw == (tmp_path / "a.txt").read_bytes()
    assert docs[1].source == str(tmp_path / "b.html")


def test_folder_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "b.txt").write_text("second page text", encoding="utf-8")
    (tmp_path / "a.txt").write_text("first page text", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("hidden", encoding="utf-8")
    docs = _all(str(tmp_path))
    assert [Path(d.source).name for d in docs] == ["a.txt", "b.txt"]


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.html").write_bytes(b"  \n ")
    (tmp_path / "bin.html").write_bytes(b"abc\x00\x01\x02def")
    (tmp_path / "doc.txt").write_bytes(b"%PDF-1.4 stuff")
    (tmp_path / "big.txt").write_bytes(b"word " * 100)
    (tmp_path / "x.docx").write_bytes(b"hello")
    inputs = [str(tmp_path / n) for n in ("empty.txt", "blank.html", "bin.html", "doc.txt", "big.txt", "x.docx")]
    out = _all(*inputs, str(tmp_path / "missing.txt"), max_input_bytes=100)
    assert all(isinstance(s, Skipped) for s in out)
    reasons = [s.reason for s in out]
    assert reasons[0] == "empty file"
    assert reasons[1].startswith("empty file")
    assert reasons[2] == "binary file (NUL bytes)"
    assert reasons[3] == "binary file (PDF)"
    assert reasons[4].startswith("file too large")
    assert reasons[5] == "unknown file type '.docx'"
    assert reasons[6] == "no such file or folder"
    assert all("\n" not in r for r in reasons)


def test_decode_policy() -> None:
    assert decode_bytes("café".encode()) == "café"
    assert decode_bytes("café".encode("utf-16")) == "café"
    # declared legacy charset in HTML meta
    page = '<meta charset="iso-8859-1"><p>caf\xe9 cr\xe8me br\xfbl\xe9e</p>'.encode("latin-1")
    assert "café crème" in decode_bytes(page, html=True)
    # mixed encodings: UTF-8 page with one stray cp1252 byte stays UTF-8
    mixed = ("Zürich München Köln Genève " * 20).encode() + b"caf\xe9"
    assert decode_bytes(mixed).startswith("Zürich")
    with pytest.raises(UndecodableError):
        decode_bytes(b"\x00\x01\x02\x03")


def test_legacy_encoded_text_file_is_kept_raw(tmp_path: Path) -> None:
    raw = "Le barrage a ouvert lundi, a déclaré le préfet à la presse.".encode("cp1252")
    (tmp_path / "fr.txt").write_bytes(raw)
    (doc,) = _all(str(tmp_path / "fr.txt"))
    assert isinstance(doc, Document) and doc.raw == raw
    assert "déclaré" in decode_bytes(doc.raw)


def test_jsonl_lines_hints_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "The dam opened.", "title": "Dam", "url": "https://x.org/a", "published": "2024-05-01"}),
        "{not json",
        json.dumps({"page_text": "Home | News\nThe dam opened."}),
        json.dumps({"html": PAGE, "site": "X"}),
        json.dumps({"url": "https://x.org/b", "site": "X"}),
        json.dumps([1, 2]),
    ]
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _all(str(path))
    # text is the article as supplied; page_text is copied out of a page, chrome and all
    assert isinstance(out[0], Document) and out[0].kind == "article"
    assert out.pop(2).kind == "text"
    assert out[0].hints == {"title": "Dam", "url": "https://x.org/a", "published": "2024-05-01"}
    assert out[0].url == "https://x.org/a" and out[0].source == f"{path}#1"
    assert out[0].raw == b"The dam opened."
    assert isinstance(out[1], Skipped) and out[1].reason.startswith("bad JSON line")
    assert out[1].source == f"{path}#2"
    assert isinstance(out[2], Document) and out[2].kind == "html" and out[2].hints == {"site": "X"}
    assert isinstance(out[3], Skipped) and "no non-empty 'text', 'html' or 'title'" in out[3].reason
    assert isinstance(out[4], Skipped) and "not an object" in out[4].reason


def test_jsonl_title_without_body_is_a_headline_item(tmp_path: Path) -> None:
    item = {"title": "Fed holds rates", "url": "https://a.example/fed", "published_ms": 1394470370698}
    lines = [
        json.dumps(item),
        json.dumps({**item, "url": "https://b.example/fed"}),  # another outlet, same headline
        json.dumps({"title": "Dam opens", "published": 1714521600}),  # Unix seconds
        json.dumps({"title": "  ", "published": "2024-05-01"}),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _all(str(path))
    first, second, third, empty = out
    assert first.kind == second.kind == third.kind == "headline"
    # raw is the line as received: the same headline from two outlets is two inputs
    assert first.raw == lines[0].encode() and first.id != second.id
    assert first.url == "https://a.example/fed"
    assert first.hints["published"].startswith("2014-03-10T16:52:50")
    assert third.hints["published"].startswith("2024-05-01T00:00:00")
    assert isinstance(empty, Skipped) and "no non-empty" in empty.reason


def test_truncated_gzip_keeps_lines_read_before(tmp_path: Path) -> None:
    body = "".join(json.dumps({"text": f"page number {i} " + "x" * 2000}) + "\n" for i in range(50))
    data = gzip.compress(body.encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    out = _all(str(path))
    docs = [d for d in out if isinstance(d, Document)]
    assert 0 < len(docs) < 50
    assert isinstance(out[-1], Skipped) and out[-1].reason.startswith("truncated gzip")
    assert len(out) == len(docs) + 1


def _warc_bytes(pages: list[tuple[str, str, str]], *, gz: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gz)
    for url, content_type, body in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body.encode()), http_headers=headers)
        writer.write_record(record)
    return buffer.getvalue()


@pytest.mark.parametrize("gz", [True, False])
def test_warc_html_responses(tmp_path: Path, gz: bool) -> None:
    pages = [
        ("https://news.example/a", "text/html; charset=utf-8", PAGE),
        ("https://news.example/logo.png", "image/png", "png"),
        ("https://news.example/b", "text/html", PAGE.replace("Monday", "Tuesday")),
    ]
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    path.write_bytes(_warc_bytes(pages, gz=gz))
    out = _all(str(path))
    assert [d.url for d in out] == ["https://news.example/a", "https://news.example/b"]
    assert all(isinstance(d, Document) and d.kind == "html" for d in out)
    assert out[0].source == f"{path}#1" and out[1].source == f"{path}#3"
    assert out[0].hints["charset"] == "utf-8" and "crawled" in out[0].hints
    assert b"Tuesday" in out[1].raw


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_warc_yields_records_before_the_cut(tmp_path: Path, gz: bool) -> None:
    pages = [(f"https://news.example/{i}", "text/html", PAGE + "x" * 3000) for i in range(6)]
    data = _warc_bytes(pages, gz=gz)
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    path.write_bytes(data[: int(len(data) * 0.6)])
    out = _all(str(path))
    docs = [d for d in out if isinstance(d, Document)]
    assert 1 <= len(docs) < 6
    assert isinstance(out[-1], Skipped)
    assert "truncated" in out[-1].reason or "too short" in out[-1].reason


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://[::1]/"])
def test_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="non-public"):
        check_host(url)
    (skipped,) = _all(url)
    assert isinstance(skipped, Skipped) and "refused" in skipped.reason


FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Valley News</title><link>{base}/</link>
<item><title>Dam opens</title><link>{base}/page</link><pubDate>Wed, 01 May 2024 09:00:00 GMT</pubDate></item>
<item><title>Paywalled: dam costs doubled</title><link>{base}/gone</link>
  <pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate></item>
<item><title>Briefly: farmers welcome the water</title><pubDate>Wed, 01 May 2024 11:00:00 GMT</pubDate></item>
<item><link>{base}/gone-untitled</link></item>
</channel></rss>"""


class _Handler(http.server.BaseHTTPRequestHandler):
    """/page: an article page; /big: 5,000 bytes; /feed: an RSS feed; anything else: 404."""

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        base = f"http://127.0.0.1:{self.server.server_port}"
        routes = {
            "/page": (PAGE.encode(), "text/html; charset=utf-8"),
            "/big": (b"x" * 5000, "text/html; charset=utf-8"),
            "/feed": (FEED.format(base=base).encode(), "application/rss+xml"),
        }
        if self.path not in routes:
            self.send_error(404)
            return
        body, kind = routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _local_site() -> Iterator[str]:
    """A local web server for the fetch tests; yields its base URL."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_local_server_when_private_allowed() -> None:
    with _local_site() as base:
        out = _all(f"{base}/page", f"{base}/big", allow_private_urls=True, fetch_max_bytes=1000)
    assert isinstance(out[0], Document) and out[0].raw == PAGE.encode() and out[0].kind == "html"
    assert out[0].hints == {"charset": "utf-8"}
    assert isinstance(out[1], Skipped) and "too large" in out[1].reason


def test_a_feed_gives_its_pages_and_keeps_the_headlines_of_those_it_cannot_fetch() -> None:
    with _local_site() as base:
        out = _all(f"{base}/feed", allow_private_urls=True)
    page, paywalled, kept, linkless, untitled = out
    assert isinstance(page, Document) and page.kind == "html" and page.hints["title"] == "Dam opens"
    assert isinstance(paywalled, Skipped) and "HTTP 404" in paywalled.reason and "headline is kept" in paywalled.reason
    assert kept.kind == "headline" and kept.url == f"{base}/gone" and kept.source == f"{base}/gone"
    assert json.loads(kept.raw)["title"] == "Paywalled: dam costs doubled" and "2024" in kept.hints["published"]
    # an entry with no link is a headline of the feed's site
    assert linkless.kind == "headline" and linkless.source == f"{base}/feed#3" and linkless.hints["site"] == "127.0.0.1"
    assert isinstance(untitled, Skipped) and "HTTP 404" in untitled.reason and "headline" not in untitled.reason
