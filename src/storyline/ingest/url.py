"""Fetch ``http(s)`` URLs (httpx) and list the articles of RSS/Atom feeds (feedparser).

Safety: the host is resolved first and every address it resolves to must be
public (not private, loopback, link-local, multicast, reserved or unspecified)
unless ``settings.allow_private_urls``; redirects are followed by hand so each
hop is checked the same way. A fetch stops at ``settings.fetch_max_bytes`` and
at ``settings.fetch_timeout`` seconds overall.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from ..config import Settings
from ..errors import FetchError
from ..model import Document, Skipped
from .files import check_page_bytes
from .jsonl import headline_document
from .warc import _charset

logger = logging.getLogger(__name__)

#: redirects followed per fetch (browsers allow ~20; news sites need 1-3).
MAX_REDIRECTS = 5
#: articles fetched from one feed.
MAX_FEED_ITEMS = 200
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def check_host(url: str, *, allow_private: bool = False) -> None:
    """Raise :class:`FetchError` unless ``url`` is http(s) to a public address."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: not an http(s) URL")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{url}: cannot resolve host ({exc})") from None
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        ):
            raise FetchError(f"{url}: refused, {parts.hostname} is a non-public address ({address})")


def fetch(url: str, *, settings: Settings) -> tuple[str, bytes, str]:
    """Return ``(final_url, body, content_type)``; raise :class:`FetchError`."""
    import httpx

    deadline = time.monotonic() + settings.fetch_timeout
    headers = {"User-Agent": "storyline/0.1 (+https://github.com/storyline)"}
    with httpx.Client(timeout=settings.fetch_timeout, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_host(url, allow_private=settings.allow_private_urls)
            try:
                with client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise FetchError(f"{url}: HTTP {response.status_code}")
                    declared = int(response.headers.get("content-length") or 0)
                    if declared > settings.fetch_max_bytes:
                        raise FetchError(f"{url}: too large ({declared:,} bytes)")
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > settings.fetch_max_bytes:
                            raise FetchError(f"{url}: too large (> {settings.fetch_max_bytes:,} bytes)")
                        if time.monotonic() > deadline:
                            raise FetchError(f"{url}: timed out after {settings.fetch_timeout:g} s")
                        chunks.append(chunk)
                    return str(response.url), b"".join(chunks), response.headers.get("content-type", "")
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__} ({exc})") from None
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _page(url: str, body: bytes, content_type: str, hints: dict[str, str]) -> Document | Skipped:
    lowered = content_type.lower()
    kind = "text" if lowered.startswith("text/plain") else "html"
    charset = _charset(content_type)
    if charset:
        hints = {**hints, "charset": charset}
    why = check_page_bytes(body, html=kind == "html", charset=charset)
    if why:
        return Skipped(url, why)
    return Document(source=url, raw=body, kind=kind, url=url, hints=hints)


def _looks_like_feed(body: bytes, content_type: str) -> bool:
    lowered = content_type.lower()
    if lowered.startswith(_FEED_TYPES):
        return True
    if lowered.startswith(_HTML_TYPES):
        return False
    head = body[:1024].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head or b"<rdf" in head)


def read_url(url: str, *, settings: Settings) -> Iterator[Document | Skipped]:
    """Fetch a page (one Document) or a feed (one Document per listed article)."""
    try:
        final, body, content_type = fetch(url, settings=settings)
    except FetchError as exc:
        yield Skipped(url, str(exc))
        return
    if not _looks_like_feed(body, content_type):
        yield _page(final, body, content_type, {})
        return
    import feedparser

    feed = feedparser.parse(body)
    entries = [e for e in feed.entries if e.get("link") or e.get("title")][:MAX_FEED_ITEMS]
    if not entries:
        yield Skipped(url, "feed lists no articles")
        return
    feed_host = (urlsplit(final).hostname or "").removeprefix("www.") or None
    for number, entry in enumerate(entries, 1):
        hints = {k: entry[k] for k in ("title", "published", "author") if isinstance(entry.get(k), str) and entry[k]}
        link = entry.get("link")
        if link:
            try:
                final, body, content_type = fetch(link, settings=settings)
            except FetchError as exc:
                reason = str(exc)
            else:
                page = _page(final, body, content_type, hints)
                if isinstance(page, Document):
                    yield page
                    continue
                reason = page.reason
            if not hints.get("title"):
                yield Skipped(link, reason)
                continue
            yield Skipped(link, f"{reason} (its feed headline is kept)")
        # The page could not be had (a paywall, a timeout) or the feed gives none: the
        # entry's headline still reports the event, as an aggregator's item does.
        yield headline_document({**hints, "url": link, "site": None if link else feed_host},
                                source=link or f"{url}#{number}")
