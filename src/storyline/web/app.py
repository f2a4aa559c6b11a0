"""The FastAPI application behind ``storyline serve``.

No ``from __future__ import annotations`` here: FastAPI reads the endpoint
annotations at run time, and some name local types.
"""

import hmac
import json
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..config import Settings
from ..errors import StorylineError
from ..model import Document, content_id
from ..report.data import story_header, story_json
from ..report.html import template_environment
from ..store import ArticleRow, Store, StoryRow
from . import views

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

#: largest POST /api/articles body: a news page's HTML is rarely above 1 MB, and the
#: JSON string escaping of HTML can nearly double it.
MAX_BODY_BYTES = 2_000_000
#: stories per page of the stories list.
PAGE_SIZE = 25
#: most stories one API call returns.
API_MAX_LIMIT = 200
#: read-only connections kept open between requests (more are opened under load, then closed).
POOL_SIZE = 8
#: articles listed under a search on the stories page / returned by /api/search.
SEARCH_ARTICLES = 20
#: facts in the sources-by-facts matrix on the story page (the JSON has them all).
MATRIX_FACTS = 40
#: articles given a column in the matrix and side by side; a screen holds about this many
#: narrow columns, and a 500-article story must still render quickly. The rest are listed.
STORY_COLUMNS = 30

#: seconds the stories page reuses the site/language lists and the database counts:
#: each is a scan of every article, and a few seconds of staleness is invisible there.
FACETS_TTL = 10.0

#: no script of any origin, no plugins, no frames, forms only to this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

Sort = Literal["recent", "size", "sources"]


# -- database access ---------------------------------------------------------------


class ReadPool:
    """Read-only connections handed to one request at a time.

    SQLite in WAL mode lets any number of readers run beside one writer; a
    connection per request (not per process) keeps them from sharing a cursor.
    """

    def __init__(self, path: str, *, size: int = POOL_SIZE) -> None:
        self.path = path
        self.size = size
        self._idle: queue.LifoQueue[Store] = queue.LifoQueue()

    def acquire(self) -> Store:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return Store(self.path, read_only=True)

    def release(self, store: Store) -> None:
        if store.db.in_transaction:
            store.db.rollback()
        if self._idle.qsize() < self.size:
            self._idle.put(store)
        else:
            store.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


class TimedCache:
    """One value per key, recomputed when older than ``ttl`` seconds (thread-safe enough: a race recomputes)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._values: dict[str, tuple[float, Any]] = {}

    def get(self, key: str, compute: Any) -> Any:
        now = time.monotonic()
        hit = self._values.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = compute()
        self._values[key] = (now, value)
        return value

    def clear(self) -> None:
        self._values.clear()


class Writer:
    """The one writer: a pipeline on its own connection, used under a lock."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self._store: Store | None = None
        self._pipeline: Any = None

    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.db)
        return self._store

    def pipeline(self) -> Any:
        """Built on the first page to process: it loads spaCy and rebuilds the clusterer."""
        if self._pipeline is None:
            from ..pipeline import Pipeline

            self._pipeline = Pipeline(self.store(), settings=self.settings)
            self._pipeline.restore()
        return self._pipeline

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = self._pipeline = None

    def ingest(self, request: "IngestRequest") -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        """Store, extract, annotate and place the posted page(s); re-synthesize their stories."""
        with self.lock:
            from ..extract import extract_article
            from ..ingest import iter_documents
            from ..pipeline import BOILERPLATE_MODEL

            store = self.store()
            if request.text is None and request.html is None and not request.headline_only:
                documents = list(iter_documents([request.url or ""], settings=self.settings))
            else:
                documents = [request.document()]
            todo: dict[str, Document] = {}
            known, skipped, fresh = [], [], []
            for document in documents:
                if not isinstance(document, Document):  # ingest's Skipped(source, reason)
                    store.record_skip(document.source, document.reason)
                    skipped.append({"source": document.source, "reason": document.reason})
                elif store.document_status(document.id) == "done":
                    known.append(document.id)
                elif document.id not in todo:  # a feed can list the same page twice
                    todo[document.id] = document
                    if store.add_document(document):
                        fresh.append(document)
            if not todo:  # refused, unreadable or already stored: no need to load the pipeline
                return self._placed(store, [], known), skipped
            pipeline = self.pipeline()
            if fresh:  # as `storyline run` does: learn the site's repeated lines first
                pipeline.boilerplate.partial_fit(fresh)
                store.save_model(BOILERPLATE_MODEL, pipeline.boilerplate.to_dict())
            articles = []
            for document in todo.values():
                try:
                    articles.append(
                        extract_article(document, boilerplate=pipeline.boilerplate, settings=self.settings)
                    )
                except StorylineError as exc:
                    store.mark_document(document.id, status="skipped", reason=str(exc))
                    skipped.append({"source": document.source, "reason": str(exc)})
            if articles:
                pipeline.add_articles(articles)
                pipeline.refine_and_synthesize()
            return self._placed(store, [a.id for a in articles], known), skipped

    @staticmethod
    def _placed(store: Store, new_ids: list[str], known: list[str]) -> list[dict[str, Any]]:
        """Where each posted article ended up (new ones first)."""
        placed = []
        for article_id, new in [(a, True) for a in new_ids] + [(k, False) for k in dict.fromkeys(known)]:
            row = store.article(article_id)
            if row is not None:
                placed.append(
                    {
                        "id": row.id,
                        "new": new,
                        "title": row.title,
                        "story_id": row.story_id,
                        "url": f"/articles/{row.id}",
                        "story_url": f"/stories/{row.story_id}",
                    }
                )
        return placed


class IngestRequest(BaseModel):
    """A page to add: `text` or `html` (optionally with the `url` it came from), a `url` to fetch,
    or a feed item: a `title` (with the `url` it links to and its date) and no body."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="the article as plain text (title on the first line)")
    html: str | None = Field(None, description="the page as HTML")
    url: str | None = Field(
        None, max_length=2000, description="alone: an http(s) URL to fetch; with text/html: where the page came from"
    )
    title: str | None = Field(None, max_length=1000)
    site: str | None = Field(None, max_length=200)
    author: str | None = Field(None, max_length=500)
    published: date | None = None

    @model_validator(mode="after")
    def _one_input(self) -> "IngestRequest":
        given = [name for name in ("text", "html") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError("give either text or html, not both")
        if not given and not self.url and not (self.title or "").strip():
            raise ValueError("give text, html, url or title")
        if given and not (getattr(self, given[0]) or "").strip():
            raise ValueError(f"{given[0]} is empty")
        if self.url and not self.url.lower().startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return self

    @property
    def headline_only(self) -> bool:
        """A feed item: a title and no body; its url says where it links, it is not fetched."""
        return self.text is None and self.html is None and bool((self.title or "").strip())

    def document(self) -> Document:
        if self.headline_only:
            from ..ingest import headline_document

            item = {"title": self.title, "url": self.url, "site": self.site, "author": self.author,
                    "published": self.published.isoformat() if self.published else None}
            document = headline_document(item, source="api")
            return replace(document, source=self.url or f"api:{document.id}")
        kind = "html" if self.html is not None else "article"  # posted text is the article, not a page
        raw = (self.html if self.html is not None else self.text or "").encode("utf-8")
        hints: dict[str, Any] = {
            k: v for k, v in (("title", self.title), ("site", self.site), ("author", self.author)) if v
        }
        if self.published:
            hints["published"] = self.published.isoformat()
        if self.url:
            hints["url"] = self.url
        hints["charset"] = "utf-8"
        return Document(source=self.url or f"api:{content_id(raw)}", raw=raw, kind=kind, url=self.url, hints=hints)


# -- shaping data --------------------------------------------------------------------


def story_brief(row: StoryRow) -> dict[str, Any]:
    """What the stories list shows of a story."""
    return {**story_header(row), "top_entities": [{"name": n, "articles": c} for n, c in row.top_entities]}


def article_data(store: Store, row: ArticleRow) -> dict[str, Any]:
    """An article with its annotations, removed lines, raw input and duplicates."""
    # The stored JSON already is the AnnotatedArticle as data: reading it directly
    # skips a decode into records and an encode back (most of this call's time).
    stored = store.db.execute("SELECT data FROM articles WHERE id = ?", (row.id,)).fetchone()
    annotated = json.loads(stored[0]) if stored else None
    document = store.raw_document(row.id)
    data = row.as_json()
    data["text"] = row.text
    if annotated is not None:
        article = annotated.get("article") or {}
        data.update(
            {
                "published_by": article.get("published_by", ""),
                "published_confidence": article.get("published_confidence", 0.0),
                "event_date": annotated.get("event_date"),
                "removed": article.get("removed") or [],
                "sentences": annotated.get("sentences") or [],
                "entities": annotated.get("entities") or [],
                "dates": annotated.get("dates") or [],
                "quotes": annotated.get("quotes") or [],
            }
        )
    if document is not None:
        text, cut = views.raw_preview(document.raw, charset=document.hints.get("charset"))
        data["raw"] = {
            "source": document.source,
            "kind": document.kind,
            "url": document.url,
            "bytes": len(document.raw),
            "text": text,
            "truncated": cut,
        }
    else:
        data["raw"] = None
    data["duplicates"] = [
        {**d.as_json(), "relation": "copied by" if d.duplicate_of == row.id else "copies"}
        for d in store.duplicates_of(row.id)
        if d.id != row.id
    ]
    return data


def _facets(store: Store) -> dict[str, list[str]]:
    rows = store.db.execute(
        "SELECT 'site', site FROM (SELECT DISTINCT site FROM articles WHERE site IS NOT NULL)"
        " UNION ALL SELECT 'language', language FROM (SELECT DISTINCT language FROM articles"
        " WHERE language IS NOT NULL) ORDER BY 1, 2"
    ).fetchall()
    facets: dict[str, list[str]] = {"site": [], "language": []}
    for kind, value in rows:
        facets[kind].append(value)
    return facets


def _page_filters(params: dict[str, str | None]) -> dict[str, Any]:
    """Stories-page form values -> Store.stories filters; empty fields mean no filter."""
    clean = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in params.items()}
    for name in ("date_from", "date_to"):
        if clean.get(name) is not None:
            try:
                clean[name] = date.fromisoformat(clean[name]).isoformat()
            except ValueError:
                raise HTTPException(400, f"{name} must be a date like 2024-05-31") from None
    sort = clean.pop("sort", None) or "recent"
    if sort not in ("recent", "size", "sources"):
        raise HTTPException(400, "sort must be recent, size or sources")
    clean["sort"] = sort
    return clean


# -- the app -------------------------------------------------------------------------


def _templates() -> Any:
    env = template_environment("storyline.web")
    env.filters["safe_url"] = views.safe_url
    env.globals["version"] = __version__
    return env


def create_app(*, settings: Settings | None = None, db: str | None = None) -> FastAPI:
    """The web app over ``settings.db`` (or ``db``); writable only when ``settings.api_token`` is set."""
    settings = settings or Settings()
    if db is not None:
        settings = replace(settings, db=str(db))
    if settings.api_token:
        Store(settings.db).close()  # creates (or migrates) the database the writer will use
    else:
        Store(settings.db, read_only=True).close()  # fail now, with the reason, if it is not there

    pool = ReadPool(settings.db)
    writer = Writer(settings) if settings.api_token else None
    templates = _templates()
    cache = TimedCache(FACETS_TTL)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()
        if writer is not None:
            writer.close()

    app = FastAPI(
        title="storyline",
        version=__version__,
        description="Stories from news articles: which reports cover the same event, what the sources agree on, "
        "where they differ, who said what and who copied whom.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.pool = pool
    app.state.writer = writer
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"

    def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = templates.get_template(name).render(
            request_path=request.url.path, read_only=writer is None, **context
        )
        return HTMLResponse(html, status_code=status_code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html.j2", status_code=exc.status_code, status=exc.status_code,
                      message=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if wants_json(request):
            return await request_validation_exception_handler(request, exc)
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in exc.errors()]
        return render(request, "error.html.j2", status_code=400, status=400, message="bad request",
                      problems=problems)

    def reader() -> Iterator[Store]:
        store = pool.acquire()
        try:
            yield store
        finally:
            pool.release(store)

    StoreDep = Annotated[Store, Depends(reader)]

    # -- pages ---------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(
        request: Request,
        store: StoreDep,
        q: Annotated[str | None, Query(max_length=500)] = None,
        site: Annotated[str | None, Query(max_length=300)] = None,
        entity: Annotated[str | None, Query(max_length=300)] = None,
        language: Annotated[str | None, Query(max_length=20)] = None,
        date_from: Annotated[str | None, Query(max_length=20)] = None,
        date_to: Annotated[str | None, Query(max_length=20)] = None,
        sort: Annotated[str | None, Query(max_length=20)] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        filters = _page_filters(
            {"query": q, "site": site, "entity": entity, "language": language,
             "date_from": date_from, "date_to": date_to, "sort": sort}
        )
        # One row more than shown says whether a next page exists, without counting them all.
        rows = store.stories(**filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        hits = []
        if filters.get("query"):
            hits = [
                {"article": a, "parts": views.snippet_parts(snip)}
                for a, snip in store.search_articles(filters["query"], limit=SEARCH_ARTICLES)
            ]
        form = {k: v or "" for k, v in filters.items()}
        form["q"] = form.pop("query", "")
        return render(
            request,
            "stories.html.j2",
            title="Stories",
            stories=[story_brief(r) for r in rows],
            first=(page - 1) * PAGE_SIZE + 1,
            page=page,
            more=more,
            form=form,
            facets=cache.get("facets", lambda: _facets(store)),
            hits=hits,
            counts=cache.get("counts", store.counts),
        )

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, store: StoreDep, story_id: Annotated[int, PathParam(ge=0)]) -> HTMLResponse:
        row = store.story(story_id)
        if row is None:
            raise HTTPException(404, f"no story {story_id}")
        articles = store.articles_of(story_id)
        data = story_json(store, row, articles=articles)
        numbers = {a["id"]: n for n, a in enumerate(data["articles"], 1)}
        sentence_of: dict[int, dict[str, int]] = {}
        for fact in data.get("facts") or []:
            cells: dict[str, int] = {}
            for citation in fact["citations"]:
                cells.setdefault(citation["article_id"], citation["sentence_index"])
            sentence_of[fact["id"]] = cells
        quotes = []
        for statement in data.get("quotes") or []:
            wordings: dict[str, dict[str, Any]] = {}
            for variant in statement["variants"]:
                key = " ".join(variant["text"].lower().split())
                wordings.setdefault(key, {"text": variant["text"], "articles": []})["articles"].append(
                    variant["article_id"]
                )
            quotes.append({"speaker": statement["speaker"], "wordings": list(wordings.values())})
        return render(
            request,
            "story.html.j2",
            title=row.title or f"Story {row.id}",
            s=data,
            num=numbers,
            sites={a["id"]: a.get("site") or "unknown site" for a in data["articles"]},
            texts={a.id: [p for p in a.text.split("\n") if p.strip()] for a in articles[:STORY_COLUMNS]},
            matrix_facts=(data.get("facts") or [])[:MATRIX_FACTS],
            columns=data["articles"][:STORY_COLUMNS],
            more_articles=data["articles"][STORY_COLUMNS:],
            sentence_of=sentence_of,
            conflicted={c["fact_id"] for c in data.get("conflicts") or []},
            quotes=quotes,
            timeline=views.timeline(data),
            lineage=views.lineage_graph(data),
        )

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(
        request: Request, store: StoreDep, article_id: Annotated[str, PathParam(max_length=64)]
    ) -> HTMLResponse:
        row = store.article(article_id)
        if row is None:
            raise HTTPException(404, f"no article {article_id}")
        annotated = store.annotated_article(article_id)
        data = article_data(store, row)
        story = store.story(row.story_id) if row.story_id is not None else None
        return render(
            request,
            "article.html.j2",
            title=row.title or article_id,
            a=data,
            story=story_brief(story) if story else None,
            paragraphs=views.highlight(annotated) if annotated else [],
            quotes=annotated.quotes if annotated else (),
            entities=sorted({(e.canonical, e.label) for e in annotated.entities}) if annotated else [],
        )

    @app.get("/articles/{article_id}/raw", include_in_schema=False)
    def article_raw(store: StoreDep, article_id: Annotated[str, PathParam(max_length=64)]) -> Response:
        document = store.raw_document(article_id)
        if document is None:
            raise HTTPException(404, f"no raw input for article {article_id}")
        # Served as an inert download: never rendered as HTML by the browser.
        return Response(
            document.raw,
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": f'attachment; filename="{article_id}.{document.kind}.raw"',
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs_page(request: Request) -> HTMLResponse:
        return render(request, "docs.html.j2", title="API", api=app.openapi())

    # -- JSON API ------------------------------------------------------------------

    @app.get("/api/stories", tags=["stories"], summary="List stories")
    def api_stories(
        store: StoreDep,
        q: Annotated[str | None, Query(max_length=500, description="full-text search in the articles")] = None,
        site: Annotated[str | None, Query(max_length=300)] = None,
        entity: Annotated[str | None, Query(max_length=300, description="canonical entity name")] = None,
        language: Annotated[str | None, Query(max_length=20)] = None,
        date_from: Annotated[date | None, Query(description="stories still running on or after this day")] = None,
        date_to: Annotated[date | None, Query(description="stories begun on or before this day")] = None,
        sort: Sort = "recent",
        limit: Annotated[int, Query(ge=1, le=API_MAX_LIMIT)] = 20,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> dict[str, Any]:
        """Stories matching every filter, each as `storyline story ID --json` prints it."""
        filters = {
            "query": q or None,
            "site": site or None,
            "entity": entity or None,
            "language": language or None,
            "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None,
            "sort": sort,
        }
        rows = store.stories(**filters, limit=limit + 1, offset=offset)
        return {
            "limit": limit,
            "offset": offset,
            "next_offset": offset + limit if len(rows) > limit else None,
            "stories": [story_json(store, row) for row in rows[:limit]],
        }

    @app.get("/api/stories/{story_id}", tags=["stories"], summary="One story",
             responses={404: {"description": "no such story"}})
    def api_story(store: StoreDep, story_id: Annotated[int, PathParam(ge=0)]) -> dict[str, Any]:
        """The story as `storyline story ID --json` prints it."""
        row = store.story(story_id)
        if row is None:
            raise HTTPException(404, f"no story {story_id}")
        return story_json(store, row)

    @app.get("/api/articles/{article_id}", tags=["articles"], summary="One article",
             responses={404: {"description": "no such article"}})
    def api_article(store: StoreDep, article_id: Annotated[str, PathParam(max_length=64)]) -> dict[str, Any]:
        """Clean text, annotations, removed lines, the raw input as received, and duplicates."""
        row = store.article(article_id)
        if row is None:
            raise HTTPException(404, f"no article {article_id}")
        return article_data(store, row)

    @app.get("/api/search", tags=["search"], summary="Full-text search")
    def api_search(
        store: StoreDep,
        q: Annotated[str, Query(min_length=1, max_length=500, description="words to find (all required)")],
        limit: Annotated[int, Query(ge=1, le=API_MAX_LIMIT)] = SEARCH_ARTICLES,
    ) -> dict[str, Any]:
        """Articles whose title or text hold every word of q (SQLite FTS5), and their stories."""
        hits = store.search_articles(q, limit=limit)
        return {
            "query": q,
            "stories": [story_brief(r) for r in store.stories(query=q, limit=limit)],
            "articles": [{**a.as_json(), "snippet": snip} for a, snip in hits],
        }

    @app.post(
        "/api/articles",
        tags=["articles"],
        summary="Add an article",
        status_code=201,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": IngestRequest.model_json_schema()}},
            },
            "security": [{"bearer": []}],
        },
        responses={
            200: {"description": "already stored; nothing changed"},
            401: {"description": "no token sent"},
            403: {"description": "wrong token, or the server is read-only"},
            413: {"description": f"body larger than {MAX_BODY_BYTES:,} bytes"},
            422: {"description": "bad body, or no article could be read from it"},
        },
    )
    async def api_add_article(request: Request) -> Response:
        """Ingest a page (text, HTML or a URL to fetch) and update its story live.

        Needs `Authorization: Bearer <token>` with the operator's STORYLINE_API_TOKEN.
        URLs to private, loopback or link-local addresses are refused unless the operator allows them.
        """
        if writer is None:
            raise HTTPException(403, "server is read-only (the operator set no API token)")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "missing token: send Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(token.strip().encode(), settings.api_token.encode()):
            raise HTTPException(403, "wrong token")
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            raise HTTPException(413, f"body larger than {MAX_BODY_BYTES:,} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise HTTPException(413, f"body larger than {MAX_BODY_BYTES:,} bytes")
        try:
            ingest = IngestRequest.model_validate_json(bytes(body))
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None
        try:
            placed, skipped = await run_in_threadpool(writer.ingest, ingest)
        except StorylineError as exc:
            raise HTTPException(422, str(exc)) from None
        cache.clear()  # new sites and counts show at once
        if not placed:
            reason = "; ".join(s["reason"] for s in skipped) or "no article found"
            return JSONResponse({"detail": reason, "articles": [], "skipped": skipped}, status_code=422)
        status = 201 if any(p["new"] for p in placed) else 200
        return JSONResponse({"articles": placed, "skipped": skipped}, status_code=status)

    app.openapi_schema = None
    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original_openapi()
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "description": "the operator's STORYLINE_API_TOKEN",
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
