"""Bytes -> text, shared by ingest (to refuse what cannot be read) and extract.

Policy, in order: a byte-order mark wins; then strict UTF-8; then a page that is
UTF-8 with a few stray legacy bytes (mixed encodings) is read as UTF-8 with the
strays replaced; then the charset the container or the HTML ``<meta>`` declares;
then charset detection (charset-normalizer). Bytes that none of these read with
little "chaos" are *undecodable*; bytes with NULs (outside UTF-16/32) are *binary*.
"""

from __future__ import annotations

import codecs
import re

#: bytes sniffed for NULs, magic numbers and the meta charset.
HEAD_BYTES = 8192
#: a UTF-8 page may hold up to this share of invalid bytes and still be read as UTF-8
#: (mixed-encoding pages: a cp1252 footer pasted into a UTF-8 template); set by hand,
#: a legacy-encoded page has far more.
MAX_UTF8_ERROR_SHARE = 0.01
#: charset-normalizer "chaos" above which a guess is rejected as undecodable; its
#: own default threshold is 0.2.
MAX_CHAOS = 0.2

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x7fELF", "executable"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class UndecodableError(ValueError):
    """The bytes are binary or in no encoding we can read; ``str()`` is the reason."""


def _lookup(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def sniff_binary(raw: bytes) -> str | None:
    """Return why ``raw`` looks binary (``"binary file (PDF)"``), or None."""
    if raw.startswith(tuple(bom for bom, _ in _BOMS)):
        return None
    for magic, name in _MAGIC:
        if raw.startswith(magic):
            return f"binary file ({name})"
    if b"\x00" in raw[:HEAD_BYTES]:
        return "binary file (NUL bytes)"
    return None


def declared_charset(raw: bytes) -> str | None:
    """The charset an HTML ``<meta>`` tag declares near the top, if any."""
    match = _META_CHARSET.search(raw[:HEAD_BYTES])
    return _lookup(match.group(1).decode("ascii", "ignore")) if match else None


def decode_bytes(raw: bytes, *, charset: str | None = None, html: bool = False) -> str:
    """Decode page bytes following the module policy; raise :class:`UndecodableError`."""
    why = sniff_binary(raw)
    if why:
        raise UndecodableError(why)
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(name)
            except UnicodeDecodeError:
                raise UndecodableError(f"undecodable bytes (bad {name} after its BOM)") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace")
    errors = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    # Mixed encodings: real UTF-8 multibyte text with a few stray bytes.
    if multibyte and errors <= MAX_UTF8_ERROR_SHARE * max(len(raw), 1) and multibyte >= errors:
        return text
    candidates = [_lookup(charset)]
    if html:
        candidates.append(declared_charset(raw))
    for name in candidates:
        if name and name not in ("utf-8",):
            try:
                return raw.decode(name)
            except (UnicodeDecodeError, LookupError):
                continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    if best is None or best.chaos > MAX_CHAOS:
        raise UndecodableError("undecodable bytes (not UTF-8 and no known encoding fits)")
    try:
        return raw.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise UndecodableError(f"undecodable bytes (guessed {best.encoding}, failed)") from None
