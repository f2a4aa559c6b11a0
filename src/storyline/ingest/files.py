"""Readers for single-page files: ``.txt`` (copied page text) and ``.html``/``.htm``."""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..model import Document, Skipped
from ._decode import UndecodableError, decode_bytes


def check_page_bytes(raw: bytes, *, html: bool, charset: str | None = None) -> str | None:
    """Return why ``raw`` cannot be a page (empty, binary, undecodable), or None."""
    if not raw.strip():
        return "empty file" if not raw else "empty file (only whitespace)"
    try:
        decode_bytes(raw, html=html, charset=charset)
    except UndecodableError as exc:
        return str(exc)
    return None


def read_page_file(path: Path, *, kind: str, settings: Settings) -> Document | Skipped:
    """Read one ``.txt`` (kind "text") or ``.html`` (kind "html") file whole."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > settings.max_input_bytes:
            return Skipped(source, f"file too large ({size:,} bytes > {settings.max_input_bytes:,})")
        raw = path.read_bytes()
    except OSError as exc:
        return Skipped(source, f"cannot read file ({exc.strerror or exc})")
    why = check_page_bytes(raw, html=kind == "html")
    if why:
        return Skipped(source, why)
    return Document(source=source, raw=raw, kind=kind)
