"""Reader for ``.jsonl`` / ``.jsonl.gz``: one page per line.

Each line is an object with ``text`` (the article's text, read as it is:
``kind="article"``), ``page_text`` (text copied out of a page, chrome and all:
``kind="text"``) or ``html``; ``text`` wins over the others, since a user who supplies
text says that is the article.
``title``, ``url``, ``published``, ``site``, ``author`` become ``Document.hints``;
``published`` may also be a number (Unix time in seconds, or in milliseconds as the
``published_ms`` of feed dumps). ``Document.raw`` is the chosen field's string encoded
as UTF-8 (JSON already decoded it, so UTF-8 is the faithful byte form). A line with a
``title`` and no body is a feed item: a ``kind="headline"`` Document whose ``raw`` is
the line itself, so two outlets' items with one title stay two inputs. ``source`` is
``path#line``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ..config import Settings
from ..model import Document, Skipped

HINT_KEYS = ("title", "url", "published", "site", "author")
#: ``text`` is the article as supplied (read, not cleaned); ``page_text`` is text copied
#: from a page, whose chrome is removed.
_BODY_KEYS = (("text", "article"), ("page_text", "text"), ("html", "html"))


#: a number above this is a Unix time in milliseconds (as seconds it would be past 5000 AD).
_MILLISECONDS_FROM = 1e11


def published_hint(obj: dict) -> object:
    """A record's publication date as given: ``published`` (text as it is; a number is Unix
    time, in seconds or milliseconds) or ``published_ms``; numbers become ISO 8601 text.
    None where there is none, or the number is no time (no date rather than a wrong one)."""
    stamp, in_ms = obj.get("published"), False
    if stamp in (None, "") and obj.get("published_ms") is not None:
        stamp, in_ms = obj["published_ms"], True
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        return None if stamp == "" else stamp
    seconds = stamp / 1000 if in_ms or stamp > _MILLISECONDS_FROM else stamp
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _hints(obj: dict) -> dict:
    hints = {k: obj[k] for k in HINT_KEYS if k != "published" and obj.get(k) not in (None, "")}
    published = published_hint(obj)
    if published is not None:
        hints["published"] = published
    return hints


def headline_document(item: dict, *, source: str) -> Document:
    """A feed item (``title``, and any of ``url``, ``published``, ``site``, ``author``) as a
    ``kind="headline"`` Document, its raw bytes the item as a JSON object (as a JSONL feed
    line gives it: one headline from two outlets is two inputs, by their URLs)."""
    fields = {k: v for k, v in item.items() if v not in (None, "")}
    raw = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode("utf-8", errors="surrogatepass")
    url = fields.get("url") if isinstance(fields.get("url"), str) else None
    return Document(source=source, raw=raw, kind="headline", url=url, hints=_hints(fields))


def _document(obj: object, line: bytes, source: str, settings: Settings) -> Document | Skipped:
    if not isinstance(obj, dict):
        return Skipped(source, "JSON line is not an object")
    url = obj.get("url") if isinstance(obj.get("url"), str) else None
    for key, kind in _BODY_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            raw = value.encode("utf-8", errors="surrogatepass")
            if len(raw) > settings.max_input_bytes:
                return Skipped(source, f"record too large ({len(raw):,} bytes)")
            return Document(source=source, raw=raw, kind=kind, url=url, hints=_hints(obj))
    title = obj.get("title")
    if isinstance(title, str) and title.strip():
        return Document(source=source, raw=line.strip(), kind="headline", url=url, hints=_hints(obj))
    return Skipped(source, "JSON line has no non-empty 'text', 'html' or 'title'")


def read_jsonl(path: Path, *, settings: Settings) -> Iterator[Document | Skipped]:
    """Yield one Document per good line; a bad line or a truncated tail is a Skipped."""
    compressed = path.name.endswith(".gz")
    number = 0
    try:
        handle = gzip.open(path, "rb") if compressed else open(path, "rb")
    except OSError as exc:
        yield Skipped(str(path), f"cannot read file ({exc.strerror or exc})")
        return
    seen_any = False
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                source = f"{path}#{number}"
                if not line.strip():
                    continue
                seen_any = True
                if len(line) > settings.max_input_bytes:
                    yield Skipped(source, f"line too large ({len(line):,} bytes)")
                    continue
                try:
                    obj = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    reason = getattr(exc, "msg", None) or "not UTF-8"
                    yield Skipped(source, f"bad JSON line ({reason})")
                    continue
                yield _document(obj, line, source, settings)
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
            what = "truncated gzip" if isinstance(exc, EOFError) else f"corrupt gzip ({exc})"
            yield Skipped(f"{path}#{number + 1}", f"{what}: lines from {number + 1} on were lost")
            return
    if not seen_any:
        yield Skipped(str(path), "empty file")
