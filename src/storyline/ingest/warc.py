"""Reader for ``.warc`` / ``.warc.gz`` crawl files (warcio).

Every ``response`` record whose HTTP Content-Type is HTML becomes a
``Document(kind="html")`` with ``url`` = WARC-Target-URI, ``source`` =
``path#n`` (n counts all records from 1), and hints ``crawled`` (WARC-Date: when
the crawler saw the page, only a weak bound on publication) and ``charset``
(from the HTTP header). Records read before a truncation are yielded, then one
Skipped names where the file broke off.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from ..config import Settings
from ..model import Document, Skipped
from .files import check_page_bytes

_HTML_TYPES = ("text/html", "application/xhtml+xml")
#: bytes a complete WARC may hold after its last record (the CRLFCRLF separator).
_TRAILER_SLACK = 4


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def read_warc(path: Path, *, settings: Settings) -> Iterator[Document | Skipped]:
    """Yield the HTML responses of a WARC file; see the module docstring."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    number = 0
    try:
        size = path.stat().st_size
        handle = open(path, "rb")
    except OSError as exc:
        yield Skipped(str(path), f"cannot read file ({exc.strerror or exc})")
        return
    with handle:
        iterator = ArchiveIterator(handle)
        try:
            for record in iterator:
                number += 1
                source = f"{path}#{number}"
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                if not content_type.lower().startswith(_HTML_TYPES):
                    continue
                raw = record.content_stream().read(settings.max_input_bytes + 1)
                if len(raw) > settings.max_input_bytes:
                    yield Skipped(source, f"record too large (> {settings.max_input_bytes:,} bytes)")
                    continue
                if getattr(record.raw_stream, "limit", 0) > 0:
                    # warcio hands back a short record silently when the file ends early
                    yield Skipped(source, f"truncated WARC: record {number} and any after it were lost")
                    return
                charset = _charset(content_type)
                why = check_page_bytes(raw, html=True, charset=charset)
                if why:
                    yield Skipped(source, why)
                    continue
                hints: dict[str, str] = {}
                if record.rec_headers.get_header("WARC-Date"):
                    hints["crawled"] = record.rec_headers.get_header("WARC-Date")
                if charset:
                    hints["charset"] = charset
                url = record.rec_headers.get_header("WARC-Target-URI")
                yield Document(source=source, raw=raw, kind="html", url=url, hints=hints)
        except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            yield Skipped(
                f"{path}#{number + 1}",
                f"truncated or corrupt WARC after {number} records ({first[:120]})",
            )
            return
    if number == 0:
        yield Skipped(str(path), "empty file (no WARC records)")
        return
    end = (iterator.get_record_offset() or 0) + (iterator.get_record_length() or 0)
    # a complete file ends within a record separator of the last record's end;
    # a cut gzip member is dropped silently by warcio, which this catches
    if size - end > _TRAILER_SLACK:
        yield Skipped(f"{path}#{number + 1}", f"truncated WARC after {number} records: the rest was lost")
