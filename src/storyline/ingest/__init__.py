"""ingest stage: files, folders, WARC, JSONL and URLs -> :class:`Document`.

:func:`iter_documents` never raises for bad input: each input it cannot read is
a :class:`Skipped` with a one-line reason, and the iteration goes on. Raw bytes
are kept exactly as received; decoding happens in extract (see :mod:`._decode`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import Settings
from ..model import Document, Skipped
from ._decode import UndecodableError, decode_bytes
from .files import read_page_file
from .jsonl import headline_document, read_jsonl
from .url import is_url, read_url
from .warc import read_warc

__all__ = ["Document", "Skipped", "UndecodableError", "decode_bytes", "headline_document", "iter_documents"]

logger = logging.getLogger(__name__)

#: file name endings -> reader name; longest endings first.
FORMATS = (
    (".jsonl.gz", "jsonl"),
    (".warc.gz", "warc"),
    (".jsonl", "jsonl"),
    (".warc", "warc"),
    (".html", "html"),
    (".htm", "html"),
    (".txt", "text"),
)


def _format(path: Path) -> str | None:
    name = path.name.lower()
    for ending, kind in FORMATS:
        if name.endswith(ending):
            return kind
    return None


def _read_file(path: Path, settings: Settings) -> Iterator[Document | Skipped]:
    kind = _format(path)
    if kind is None:
        yield Skipped(str(path), f"unknown file type {path.suffix or '(no extension)'!r}")
    elif kind == "jsonl":
        yield from read_jsonl(path, settings=settings)
    elif kind == "warc":
        yield from read_warc(path, settings=settings)
    else:
        yield read_page_file(path, kind=kind, settings=settings)


def iter_documents(
    inputs: Iterable[str], *, settings: Settings | None = None
) -> Iterator[Document | Skipped]:
    """Yield a Document or a Skipped for every page in ``inputs``.

    Inputs are file paths, folders (walked recursively in sorted order; hidden
    files and files of other types are passed over) or http(s) URLs (pages or RSS/Atom feeds).
    """
    settings = settings or Settings()
    for item in inputs:
        item = str(item)
        try:
            if is_url(item):
                yield from read_url(item, settings=settings)
                continue
            path = Path(item)
            if path.is_dir():
                # Inside a folder only page formats are read: a README or an image
                # beside the pages is not an input the user meant.
                files = sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and _format(p) is not None
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
                if not files:
                    yield Skipped(item, "folder holds no readable pages (.txt .html .warc .jsonl)")
                for file in files:
                    yield from _read_file(file, settings)
            elif path.is_file():
                yield from _read_file(path, settings)
            elif path.exists():
                yield Skipped(item, "not a regular file")
            else:
                yield Skipped(item, "no such file or folder")
        except Exception as exc:  # a reader bug must not end a whole run
            logger.exception("unexpected error reading %s", item)
            yield Skipped(item, f"unexpected error ({type(exc).__name__}: {exc})")
