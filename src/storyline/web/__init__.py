"""Web stage: ``storyline serve`` -- server-rendered pages and a JSON API over one database.

Routes: ``/`` (stories), ``/stories/{id}``, ``/articles/{id}``, ``/api/stories``,
``/api/stories/{id}``, ``/api/articles/{id}``, ``/api/search?q=``, ``POST /api/articles``
(needs the operator's token) and ``/docs`` (the OpenAPI description, rendered without
scripts). Reads use a small pool of read-only connections, so pages keep answering
while an ingest writes (SQLite WAL); writes go through one pipeline behind a lock.

Pages from the web are hostile: every piece of article text and metadata is escaped
by Jinja2's autoescape, links are only drawn for http(s) URLs, and a strict
Content-Security-Policy forbids every script.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
