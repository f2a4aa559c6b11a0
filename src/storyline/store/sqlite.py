"""SQLite schema, migrations and queries."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import codec
from ..errors import StoreError
from ..model import AnnotatedArticle, Document, StoryDigest

SCHEMA_VERSION = 1

# Each migration takes the database from version i to i+1; append, never edit.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,            -- content hash of raw
        source TEXT NOT NULL,           -- first path/URL it arrived from
        kind TEXT NOT NULL,
        url TEXT,
        hints TEXT NOT NULL DEFAULT '{}',
        raw BLOB NOT NULL,              -- the input exactly as received
        received_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',   -- pending | done | skipped
        reason TEXT
    );
    CREATE TABLE document_sources (
        source TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id)
    );
    CREATE TABLE skipped (
        source TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        dirty INTEGER NOT NULL DEFAULT 1,
        n_articles INTEGER NOT NULL DEFAULT 0,
        n_sources INTEGER NOT NULL DEFAULT 0,
        first_published TEXT,
        last_published TEXT,
        event_start TEXT,
        event_end TEXT,
        digest TEXT
    );
    CREATE TABLE articles (
        rowid INTEGER PRIMARY KEY,      -- arrival order
        id TEXT NOT NULL UNIQUE REFERENCES documents(id),
        source TEXT NOT NULL,
        url TEXT,
        site TEXT,
        title TEXT NOT NULL,
        author TEXT,
        published TEXT,
        language TEXT,
        text TEXT NOT NULL,
        story_id INTEGER REFERENCES stories(id),
        duplicate_of TEXT,
        duplicate_kind TEXT,
        duplicate_similarity REAL,
        data TEXT NOT NULL              -- the AnnotatedArticle as JSON
    );
    CREATE INDEX articles_story ON articles(story_id);
    CREATE TABLE entities (
        article_id TEXT NOT NULL REFERENCES articles(id),
        canonical TEXT NOT NULL,
        label TEXT NOT NULL,
        mentions INTEGER NOT NULL,
        PRIMARY KEY (article_id, canonical, label)
    );
    CREATE INDEX entities_name ON entities(canonical COLLATE NOCASE);
    CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='rowid');
    CREATE TABLE models (
        name TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
]

#: entity labels worth listing as a story's "who and where".
_LISTED_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ArticleRow:
    """An article as stored, with its place in a story."""

    id: str
    seq: int
    source: str
    title: str
    url: str | None
    site: str | None
    author: str | None
    published: str | None
    language: str | None
    story_id: int | None
    duplicate_of: str | None
    duplicate_kind: str | None
    duplicate_similarity: float | None
    text: str

    def as_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "text"}
        data.pop("seq")
        return data


@dataclass(frozen=True)
class StoryRow:
    id: int
    title: str
    n_articles: int
    n_sources: int
    first_published: str | None
    last_published: str | None
    event_start: str | None
    event_end: str | None
    updated_at: str
    sites: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    top_entities: tuple[tuple[str, int], ...] = ()
    digest: StoryDigest | None = field(default=None, compare=False)


def fts_query(text: str) -> str:
    """User search text as a safe FTS5 query: each word a quoted term, all required."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    return " ".join('"' + w.replace('"', "") + '"' for w in words[:20])


class Store:
    """The storyline database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        try:
            if read_only:
                if not Path(self.path).is_file():
                    raise StoreError(f"{self.path}: no such database (run `storyline run` first)")
                uri = f"file:{Path(self.path).resolve()}?mode=ro"
                self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            else:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(self.path, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA busy_timeout = 10000")
            if not read_only:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
            else:
                self._check_version()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a storyline database ({exc})") from None

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Commit everything inside the block, or nothing."""
        try:
            yield self.db
        except BaseException:
            self.db.rollback()
            raise
        else:
            self.db.commit()

    def _version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _check_version(self) -> None:
        version = self._version()
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: database schema version {version}, this storyline reads {SCHEMA_VERSION}"
            )

    def _migrate(self) -> None:
        version = self._version()
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: made by a newer storyline (schema {version})")
        if version == 0 and self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(f"{self.path}: not a storyline database (it holds other tables)")
        for index in range(version, SCHEMA_VERSION):
            with self.transaction():
                self.db.executescript("BEGIN;" + MIGRATIONS[index] + f"PRAGMA user_version = {index + 1};COMMIT;")

    # -- documents ---------------------------------------------------------

    def document_status(self, document_id: str) -> str | None:
        row = self.db.execute("SELECT status FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row[0] if row else None

    def source_of(self, document_id: str) -> str | None:
        row = self.db.execute("SELECT source FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row[0] if row else None

    def add_document(self, document: Document) -> bool:
        """Keep a raw input; False when the same bytes were stored before."""
        with self.transaction():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO documents (id, source, kind, url, hints, raw, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    document.id,
                    document.source,
                    document.kind,
                    document.url,
                    json.dumps(document.hints, default=str),
                    document.raw,
                    _now(),
                ),
            )
            self.db.execute(
                "INSERT OR IGNORE INTO document_sources (source, document_id) VALUES (?, ?)",
                (document.source, document.id),
            )
            self.db.execute("DELETE FROM skipped WHERE source = ?", (document.source,))
        return cursor.rowcount == 1

    def pending_documents(self, *, page: int = 256) -> Iterator[Document]:
        """Documents stored but not yet processed, in the order they were stored.

        Read ``page`` at a time, so a large crawl is never in memory whole; documents the
        caller marks done meanwhile are not seen again (each page starts after the last).
        """
        after = 0
        while True:
            rows = self.db.execute(
                "SELECT rowid, source, raw, kind, url, hints FROM documents"
                " WHERE status = 'pending' AND rowid > ? ORDER BY rowid LIMIT ?",
                (after, page),
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield Document(source=r["source"], raw=bytes(r["raw"]), kind=r["kind"], url=r["url"],
                               hints=json.loads(r["hints"]))
            after = rows[-1]["rowid"]

    def pending_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM documents WHERE status = 'pending'").fetchone()[0])

    def raw_document(self, document_id: str) -> Document | None:
        r = self.db.execute(
            "SELECT source, raw, kind, url, hints FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        if r is None:
            return None
        return Document(source=r["source"], raw=bytes(r["raw"]), kind=r["kind"], url=r["url"], hints=json.loads(r["hints"]))

    def mark_document(self, document_id: str, *, status: str, reason: str | None = None) -> None:
        with self.transaction():
            self.db.execute("UPDATE documents SET status = ?, reason = ? WHERE id = ?", (status, reason, document_id))

    def record_skip(self, source: str, reason: str) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO skipped (source, reason, at) VALUES (?, ?, ?)", (source, reason, _now())
            )

    def skipped(self) -> list[tuple[str, str]]:
        rows = self.db.execute(
            "SELECT source, reason FROM skipped UNION ALL "
            "SELECT source, reason FROM documents WHERE status = 'skipped' ORDER BY source"
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    # -- articles ----------------------------------------------------------

    def save_article(
        self,
        annotated: AnnotatedArticle,
        *,
        story_id: int,
        duplicate_of: str | None = None,
        duplicate_kind: str | None = None,
        duplicate_similarity: float | None = None,
    ) -> None:
        """Store an annotated article in its story and mark the story for synthesis."""
        article = annotated.article
        with self.transaction():
            self._ensure_story(story_id)
            cursor = self.db.execute(
                "INSERT INTO articles (id, source, url, site, title, author, published, language, text,"
                " story_id, duplicate_of, duplicate_kind, duplicate_similarity, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id,
                    article.source,
                    article.url,
                    article.site,
                    article.title,
                    article.author,
                    article.published.isoformat() if article.published else None,
                    article.language,
                    article.text,
                    story_id,
                    duplicate_of,
                    duplicate_kind,
                    duplicate_similarity,
                    codec.dumps(annotated),
                ),
            )
            self.db.execute(
                "INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                (cursor.lastrowid, article.title, article.text),
            )
            counts: dict[tuple[str, str], int] = {}
            for entity in annotated.entities:
                if entity.label in _LISTED_LABELS:
                    key = (entity.canonical, entity.label)
                    counts[key] = counts.get(key, 0) + 1
            self.db.executemany(
                "INSERT INTO entities (article_id, canonical, label, mentions) VALUES (?, ?, ?, ?)",
                [(article.id, name, label, n) for (name, label), n in counts.items()],
            )
            self.db.execute("UPDATE documents SET status = 'done', reason = NULL WHERE id = ?", (article.id,))

    def _ensure_story(self, story_id: int) -> None:
        now = _now()
        self.db.execute(
            "INSERT INTO stories (id, created_at, updated_at, dirty) VALUES (?, ?, ?, 1)"
            " ON CONFLICT(id) DO UPDATE SET dirty = 1, updated_at = excluded.updated_at",
            (story_id, now, now),
        )

    def move_articles(self, moves: dict[str, int]) -> None:
        """Re-assign articles to stories (batch refinement); both stories become dirty."""
        if not moves:
            return
        with self.transaction():
            for article_id, story_id in moves.items():
                old = self.db.execute("SELECT story_id FROM articles WHERE id = ?", (article_id,)).fetchone()
                self._ensure_story(story_id)
                self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", (story_id, article_id))
                if old and old[0] is not None:
                    self.db.execute("UPDATE stories SET dirty = 1 WHERE id = ?", (old[0],))
            # A story that lost all its articles is gone.
            self.db.execute("DELETE FROM stories WHERE id NOT IN (SELECT DISTINCT story_id FROM articles)")

    def relink_copies(self, copies: list[str], *, original_id: str, story_id: int) -> None:
        """Make ``copies`` copies of ``original_id`` and move them into its story."""
        with self.transaction():
            self.db.executemany(
                "UPDATE articles SET duplicate_of = ?, duplicate_kind = coalesce(duplicate_kind, 'near')"
                " WHERE id = ?",
                [(original_id, copy) for copy in copies],
            )
        self.move_articles({copy: story_id for copy in copies})

    def annotated_articles(self) -> Iterator[tuple[AnnotatedArticle, int, str | None]]:
        """Every stored article in arrival order, with its story and what it duplicates."""
        cursor = self.db.execute("SELECT data, story_id, duplicate_of FROM articles ORDER BY rowid")
        for row in cursor:
            yield codec.loads(AnnotatedArticle, row[0]), row[1], row[2]

    def story_members(self, story_id: int) -> tuple[list[AnnotatedArticle], dict[str, str]]:
        """A story's annotated articles in arrival order, and its near-copy links."""
        rows = self.db.execute(
            "SELECT data, id, duplicate_of FROM articles WHERE story_id = ? ORDER BY rowid", (story_id,)
        ).fetchall()
        articles = [codec.loads(AnnotatedArticle, r[0]) for r in rows]
        duplicates = {r[1]: r[2] for r in rows if r[2]}
        return articles, duplicates

    def annotated_article(self, article_id: str) -> AnnotatedArticle | None:
        row = self.db.execute("SELECT data FROM articles WHERE id = ?", (article_id,)).fetchone()
        return codec.loads(AnnotatedArticle, row[0]) if row else None

    def article(self, article_id: str) -> ArticleRow | None:
        row = self.db.execute(
            "SELECT rowid AS seq, * FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return self._article_row(row) if row else None

    def articles_of(self, story_id: int) -> list[ArticleRow]:
        rows = self.db.execute(
            "SELECT rowid AS seq, * FROM articles WHERE story_id = ? ORDER BY published IS NULL, published, rowid",
            (story_id,),
        ).fetchall()
        return [self._article_row(r) for r in rows]

    def duplicates_of(self, article_id: str) -> list[ArticleRow]:
        """Articles that copy this one, and the one it copies."""
        rows = self.db.execute(
            "SELECT rowid AS seq, * FROM articles WHERE duplicate_of = ?"
            " OR id = (SELECT duplicate_of FROM articles WHERE id = ?) ORDER BY rowid",
            (article_id, article_id),
        ).fetchall()
        return [self._article_row(r) for r in rows]

    @staticmethod
    def _article_row(row: sqlite3.Row) -> ArticleRow:
        return ArticleRow(
            id=row["id"],
            seq=row["seq"],
            source=row["source"],
            title=row["title"],
            url=row["url"],
            site=row["site"],
            author=row["author"],
            published=row["published"],
            language=row["language"],
            story_id=row["story_id"],
            duplicate_of=row["duplicate_of"],
            duplicate_kind=row["duplicate_kind"],
            duplicate_similarity=row["duplicate_similarity"],
            text=row["text"],
        )

    # -- stories -----------------------------------------------------------

    def dirty_stories(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM stories WHERE dirty = 1 ORDER BY id")]

    def save_digest(self, story_id: int, digest: StoryDigest) -> None:
        """Store a story's synthesis and the figures the story list shows."""
        with self.transaction():
            stats = self.db.execute(
                "SELECT count(*), sum(duplicate_of IS NULL), min(published), max(published)"
                " FROM articles WHERE story_id = ?",
                (story_id,),
            ).fetchone()
            self.db.execute(
                "UPDATE stories SET title = ?, digest = ?, dirty = 0, updated_at = ?, n_articles = ?,"
                " n_sources = ?, first_published = ?, last_published = ?, event_start = ?, event_end = ?"
                " WHERE id = ?",
                (
                    digest.title,
                    codec.dumps(digest),
                    _now(),
                    stats[0],
                    stats[1] or 0,
                    stats[2],
                    stats[3],
                    digest.event_start.isoformat() if digest.event_start else None,
                    digest.event_end.isoformat() if digest.event_end else None,
                    story_id,
                ),
            )

    def stories(
        self,
        *,
        query: str | None = None,
        site: str | None = None,
        entity: str | None = None,
        language: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        sort: str = "recent",
        limit: int = 100,
        offset: int = 0,
    ) -> list[StoryRow]:
        """Stories matching every given filter; ``sort`` is recent, size or sources."""
        where, params = ["1 = 1"], []
        if query and fts_query(query):
            where.append(
                "s.id IN (SELECT a.story_id FROM articles_fts f JOIN articles a ON a.rowid = f.rowid"
                " WHERE articles_fts MATCH ?)"
            )
            params.append(fts_query(query))
        if site:
            where.append("s.id IN (SELECT story_id FROM articles WHERE site = ?)")
            params.append(site)
        if language:
            where.append("s.id IN (SELECT story_id FROM articles WHERE language = ?)")
            params.append(language)
        if entity:
            where.append(
                "s.id IN (SELECT a.story_id FROM entities e JOIN articles a ON a.id = e.article_id"
                " WHERE e.canonical = ? COLLATE NOCASE)"
            )
            params.append(entity)
        if date_from:
            where.append("coalesce(s.event_end, s.last_published) >= ?")
            params.append(date_from)
        if date_to:
            where.append("coalesce(s.event_start, s.first_published) <= ?")
            params.append(date_to)
        order = {
            "recent": "coalesce(s.last_published, s.event_end) DESC NULLS LAST, s.id",
            "size": "s.n_articles DESC, s.id",
            "sources": "s.n_sources DESC, s.n_articles DESC, s.id",
            "id": "s.id",
        }.get(sort)
        if order is None:
            raise ValueError(f"unknown sort {sort!r}; use recent, size, sources or id")
        rows = self.db.execute(
            f"SELECT s.* FROM stories s WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
        return [self._story_row(r) for r in rows]

    def story(self, story_id: int) -> StoryRow | None:
        row = self.db.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        return self._story_row(row) if row else None

    def _story_row(self, row: sqlite3.Row) -> StoryRow:
        facets = self.db.execute(
            "SELECT group_concat(DISTINCT site), group_concat(DISTINCT language) FROM articles WHERE story_id = ?",
            (row["id"],),
        ).fetchone()
        digest = codec.loads(StoryDigest, row["digest"]) if row["digest"] else None
        return StoryRow(
            id=row["id"],
            title=row["title"],
            n_articles=row["n_articles"],
            n_sources=row["n_sources"],
            first_published=row["first_published"],
            last_published=row["last_published"],
            event_start=row["event_start"],
            event_end=row["event_end"],
            updated_at=row["updated_at"],
            sites=tuple(sorted(filter(None, (facets[0] or "").split(",")))),
            languages=tuple(sorted(filter(None, (facets[1] or "").split(",")))),
            top_entities=digest.top_entities[:8] if digest else (),
            digest=digest,
        )

    def search_articles(self, query: str, *, limit: int = 50) -> list[tuple[ArticleRow, str]]:
        """Articles matching a full-text query, with a highlighted snippet (markers « »)."""
        fts = fts_query(query)
        if not fts:
            return []
        rows = self.db.execute(
            "SELECT a.rowid AS seq, a.*, snippet(articles_fts, 1, '«', '»', '…', 16) AS snip"
            " FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
            " WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?",
            (fts, limit),
        ).fetchall()
        return [(self._article_row(r), r["snip"]) for r in rows]

    # -- models and counts -------------------------------------------------

    def load_model(self, name: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT data FROM models WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_model(self, name: str, data: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO models (name, data, updated_at) VALUES (?, ?, ?)",
                (name, json.dumps(data), _now()),
            )

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "documents": one("SELECT count(*) FROM documents").fetchone()[0],
            "articles": one("SELECT count(*) FROM articles").fetchone()[0],
            "stories": one("SELECT count(*) FROM stories").fetchone()[0],
            "skipped": one("SELECT count(*) FROM skipped").fetchone()[0]
            + one("SELECT count(*) FROM documents WHERE status = 'skipped'").fetchone()[0],
        }

    def story_ids(self) -> Sequence[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM stories ORDER BY id")]
