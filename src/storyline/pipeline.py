"""Chains the stages: ingest -> extract -> annotate -> dedup -> cluster -> synthesize -> store.

Incremental by construction: raw inputs are stored first (keyed by content
hash), then processed; a document already processed is never processed again,
so re-running on the same inputs adds nothing and changes no story id, and a run
killed halfway is completed by the next one. The stateful stages (duplicate
index, clusterer, boilerplate model) are rebuilt from the database at start.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain, islice
from typing import Any

from .annotate import Annotator
from .cluster import OnlineClusterer
from .cluster.semantic import embedder_for
from .config import Settings
from .dedup import DuplicateIndex
from .errors import StorylineError
from .extract import BoilerplateModel, extract_article
from .ingest import iter_documents
from .model import AnnotatedArticle, Article, Document, Skipped
from .store import Store
from .synthesize import synthesize_story

logger = logging.getLogger(__name__)

#: progress(stage, done, total): the CLI draws bars from it; total None = unknown.
Progress = Callable[[str, int, int | None], None]

BOILERPLATE_MODEL = "boilerplate"

#: documents extracted before they are annotated together: large enough for
#: spaCy's batching, small enough to keep memory flat on a big crawl.
CHUNK_DOCUMENTS = 256


@dataclass(frozen=True)
class Rejected:
    """A stored document that held no usable article, and why."""

    document_id: str
    source: str
    reason: str


def extract_and_annotate(
    documents: Iterable[Document], *, annotator: Annotator, boilerplate: BoilerplateModel, settings: Settings
) -> Iterator[AnnotatedArticle | Rejected]:
    """The per-document work of a run, in input order: independent of other documents,
    so it can run anywhere (see :mod:`storyline.distributed`)."""
    batch: list[Article | Rejected] = []
    for document in documents:
        try:
            batch.append(extract_article(document, boilerplate=boilerplate, settings=settings))
        except StorylineError as exc:
            batch.append(Rejected(document.id, document.source, str(exc)))
        if len(batch) >= CHUNK_DOCUMENTS:
            yield from _annotate_batch(batch, annotator)
            batch = []
    yield from _annotate_batch(batch, annotator)


def _annotate_batch(batch: list[Article | Rejected], annotator: Annotator) -> Iterator[AnnotatedArticle | Rejected]:
    annotated = annotator.annotate_many([item for item in batch if isinstance(item, Article)])
    for item in batch:
        yield item if isinstance(item, Rejected) else next(annotated)


#: documents per task of a worker process: few enough that the processes share the work
#: evenly and progress moves, enough that spaCy still batches.
WORKER_CHUNK = 32
#: with ``workers = 0`` (one per core), a run starts processes only from this many
#: documents: each process loads spaCy (1-2 s) before its first page.
PARALLEL_FROM = 100
#: at most this many processes by default: each holds its own spaCy model (~0.5 GB).
MAX_AUTO_WORKERS = 8
#: tasks handed to the processes ahead of the one whose results are awaited, per process.
IN_FLIGHT = 2

_worker_state: tuple[Annotator, BoilerplateModel, Settings] | None = None


def usable_cores() -> int:
    """CPU cores this process may run on (a container's or a job's limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def worker_count(settings: Settings, documents: int, *, auto: bool = False) -> int:
    """How many processes extract and annotate ``documents``; 1 = this process alone.

    ``workers = 0`` means one per core only with ``auto`` (the command line): a Python
    program gets processes only when it asks, since spawned processes re-import its
    main module, which must be guarded for that.
    """
    wanted = settings.workers
    if not wanted:
        wanted = min(usable_cores(), MAX_AUTO_WORKERS) if auto and documents >= PARALLEL_FROM else 1
    return max(1, min(wanted, -(-documents // WORKER_CHUNK)))


def annotator_for(settings: Settings) -> Annotator:
    """The Annotator a run uses (and each of its worker processes or Dask partitions)."""
    return Annotator(model=settings.spacy_model, batch_size=settings.batch_size,
                     embedder=embedder_for(settings.semantic))


def _start_worker(boilerplate_state: dict[str, Any], settings: Settings) -> None:
    global _worker_state
    _worker_state = (annotator_for(settings), BoilerplateModel.from_dict(boilerplate_state), settings)


def _work_chunk(documents: list[Document]) -> list[AnnotatedArticle | Rejected]:
    assert _worker_state is not None, "worker process not started"
    annotator, boilerplate, settings = _worker_state
    return list(extract_and_annotate(documents, annotator=annotator, boilerplate=boilerplate, settings=settings))


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's processes now (what is not stored yet is redone by the next run)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def _chunks(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(documents)
    while chunk := list(islice(it, size)):
        yield chunk


def extract_and_annotate_in_processes(
    documents: Iterable[Document], *, workers: int, annotator: Annotator, boilerplate: BoilerplateModel,
    settings: Settings,
) -> Iterator[AnnotatedArticle | Rejected]:
    """:func:`extract_and_annotate` over ``workers`` processes, results in input order.

    Each document's result is the same as in one process: a document's work depends on
    nothing but the document and the boilerplate model, which every process gets a copy of.
    Documents are read as the processes need them (at most ``IN_FLIGHT`` tasks a process
    wait or run), so memory stays flat. If a process dies (killed for memory, say), the
    rest is done here, in this process.
    """
    chunks = _chunks(documents, WORKER_CHUNK)
    in_flight: deque[tuple[list[Document], Future[list[AnnotatedArticle | Rejected]]]] = deque()
    unsent: list[Document] = []
    # spawn, not fork: the parent has threads (progress bars, a web server), which fork copies badly
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(boilerplate.to_dict(), settings))
    ended = False  # all done, or the pool broke: nothing left running in it
    try:
        for chunk in chunks:
            unsent = chunk
            in_flight.append((chunk, pool.submit(_work_chunk, chunk)))
            unsent = []
            if len(in_flight) >= IN_FLIGHT * workers:
                yield from in_flight[0][1].result()
                in_flight.popleft()
        while in_flight:
            yield from in_flight[0][1].result()
            in_flight.popleft()
        ended = True
        return
    except BrokenProcessPool as exc:
        ended = True
        logger.warning("a worker process stopped (%s); going on in this process", exc)
    finally:
        if not ended:  # Ctrl-C, or the caller stopped reading: do not finish the tasks in flight
            _stop_workers(pool)
        pool.shutdown(cancel_futures=True)
    rest = chain((d for chunk, _ in in_flight for d in chunk), unsent, (d for chunk in chunks for d in chunk))
    yield from extract_and_annotate(rest, annotator=annotator, boilerplate=boilerplate, settings=settings)


@dataclass
class RunSummary:
    """What one run did; ``skipped`` lists (source, reason) for every input not used."""

    read: int = 0
    new_articles: int = 0
    unchanged: int = 0
    duplicates: int = 0
    stories_touched: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        return dict(Counter(_reason_kind(reason) for _, reason in self.skipped))


def _reason_kind(reason: str) -> str:
    """The reason without its specifics ("file is empty", not "x.txt: file is empty (0 bytes)")."""
    return reason.split(" (")[0].split(":")[0].strip()


#: a copy counts as the original only when published this much earlier than
#: the text it matches: same-day re-publications differ by time zones, not days.
ORIGINAL_LEAD = timedelta(days=1)


def _published_before(candidate: date | None, other: date | None) -> bool:
    return candidate is not None and other is not None and candidate < other - ORIGINAL_LEAD


def _no_progress(stage: str, done: int, total: int | None) -> None:
    return None


class Pipeline:
    """Runs inputs through every stage into a :class:`Store`."""

    def __init__(self, store: Store, *, settings: Settings | None = None, auto_workers: bool = False) -> None:
        self.store = store
        self.settings = settings or Settings()
        #: with ``workers = 0``, one process per core for large runs (``storyline run``)
        self.auto_workers = auto_workers
        self.annotator = annotator_for(self.settings)
        self.duplicates = DuplicateIndex()
        self.clusterer = OnlineClusterer()
        self.boilerplate = BoilerplateModel()
        self._root_of: dict[str, str] = {}
        self._published: dict[str, date | None] = {}
        self._restored = False

    def restore(self, *, progress: Progress = _no_progress) -> None:
        """Rebuild the stateful stages from what the database already holds."""
        if self._restored:
            return
        saved = self.store.load_model(BOILERPLATE_MODEL)
        if saved:
            self.boilerplate = BoilerplateModel.from_dict(saved)
        done = 0
        for annotated, story_id, duplicate_of in self.store.annotated_articles():
            if not annotated.article.headline_only:
                self.duplicates.add(annotated.id, annotated.article.text)
            self._published[annotated.id] = annotated.article.publication_day
            if duplicate_of:
                self._root_of[annotated.id] = self._root_of.get(duplicate_of, duplicate_of)
            self.clusterer.add(annotated, story=story_id)
            done += 1
            if done % 200 == 0:
                progress("restoring", done, None)
        self._restored = True

    def run(self, inputs: Iterable[str], *, progress: Progress = _no_progress) -> RunSummary:
        """Ingest ``inputs`` (paths, folders, URLs) and update the stories."""
        started = time.perf_counter()
        summary = RunSummary()
        self.restore(progress=progress)

        if self._ingest(inputs, summary, progress):
            self.store.save_model(BOILERPLATE_MODEL, self.boilerplate.to_dict())

        # Pages are read back from the store as they are processed: a crawl is never in
        # memory whole (and a run killed before this point is resumed from here).
        total = self.store.pending_count()
        progress("analysing", 0, total)  # shown while worker processes start (a few seconds)
        results = self._extract_and_annotate(self.store.pending_documents(), total)
        for done, result in enumerate(results, 1):
            progress("analysing", done, total)
            if isinstance(result, Rejected):
                logger.warning("skipped %s: %s", result.source, result.reason)
                self.store.mark_document(result.document_id, status="skipped", reason=result.reason)
                summary.skipped.append((result.source, result.reason))
            else:
                self._place(result, summary)
        self.refine_and_synthesize(summary=summary, progress=progress)
        summary.skipped.sort()
        summary.seconds = time.perf_counter() - started
        return summary

    def _ingest(self, inputs: Iterable[str], summary: RunSummary, progress: Progress) -> int:
        """Store the new inputs raw and learn their repeated lines (before any is extracted,
        so each page is cleaned with what all the run's pages repeat); returns how many."""
        new = 0
        for item in iter_documents(inputs, settings=self.settings):
            summary.read += 1
            progress("reading", summary.read, None)
            if isinstance(item, Skipped):
                logger.warning("skipped %s: %s", item.source, item.reason)
                self.store.record_skip(item.source, item.reason)
                summary.skipped.append((item.source, item.reason))
                continue
            status = self.store.document_status(item.id)
            if status is None:
                self.store.add_document(item)
                self.boilerplate.partial_fit([item])
                new += 1
            elif status == "pending":
                continue  # stored by an interrupted run; processed below
            else:
                summary.unchanged += 1
                first = self.store.source_of(item.id)
                if first != item.source:
                    summary.skipped.append((item.source, f"same bytes as {first} (already stored)"))
        return new

    def _extract_and_annotate(self, documents: Iterable[Document], count: int) -> Iterator[AnnotatedArticle | Rejected]:
        """Extract and annotate the ``count`` documents in order, in worker processes when
        there are enough (``workers`` setting); overridden to run on a cluster."""
        workers = worker_count(self.settings, count, auto=self.auto_workers)
        if workers > 1:
            logger.info("extracting and annotating %d documents in %d processes", count, workers)
            return extract_and_annotate_in_processes(
                documents, workers=workers, annotator=self.annotator, boilerplate=self.boilerplate,
                settings=self.settings,
            )
        return extract_and_annotate(
            documents, annotator=self.annotator, boilerplate=self.boilerplate, settings=self.settings
        )

    def add_articles(
        self, articles: Iterable[Article], *, summary: RunSummary | None = None, progress: Progress = _no_progress
    ) -> list[int]:
        """Annotate, deduplicate and cluster articles; store each as soon as it is placed."""
        summary = summary or RunSummary()
        articles = list(articles)
        self.restore()
        story_ids = []
        for done, annotated in enumerate(self.annotator.annotate_many(articles), 1):
            progress("annotating", done, len(articles))
            story_ids.append(self._place(annotated, summary))
        return story_ids

    def _place(self, annotated: AnnotatedArticle, summary: RunSummary) -> int:
        # A headline that recurs is not a copied report: outlets share wire headlines, and
        # generic ones ("Stocks to watch") recur for other events. The clusterer decides
        # (uci-headlines through `storyline run`: BCubed F1 0.784 so, 0.780 with copies
        # forced into their original's story).
        text = annotated.article.text
        match = None if annotated.article.headline_only else self.duplicates.add(annotated.id, text)
        self._published[annotated.id] = annotated.article.publication_day
        summary.new_articles += 1
        if match is None:
            story_id = self.clusterer.add(annotated)
            self.store.save_article(annotated, story_id=story_id)
            return story_id
        summary.duplicates += 1
        root = self._root_of.get(match.original_id, match.original_id)
        if _published_before(annotated.article.publication_day, self._published.get(root)):
            # The newcomer is older than what it matches: it is the original and the
            # stored texts are its copies (a stale re-publication crawled first). It
            # gets its own story decision, and the copies follow it.
            story_id = self.clusterer.add(annotated)
            self.store.save_article(annotated, story_id=story_id)
            copies = [root, *(a for a, r in self._root_of.items() if r == root)]
            for copy in copies:
                self._root_of[copy] = annotated.id
                self.clusterer.reassign(copy, story_id)
            self.store.relink_copies(copies, original_id=annotated.id, story_id=story_id)
            return story_id
        # A copy belongs with what it copies: it is the same text, so the same event.
        self._root_of[annotated.id] = root
        story_id = self.clusterer.add(annotated, story=self.clusterer.labels_.get(root))
        self.store.save_article(
            annotated,
            story_id=story_id,
            duplicate_of=root,
            duplicate_kind=match.kind,
            duplicate_similarity=match.similarity,
        )
        return story_id

    def refine_and_synthesize(self, *, summary: RunSummary | None = None, progress: Progress = _no_progress) -> None:
        """Apply batch refinement, then re-synthesize every story that changed."""
        summary = summary or RunSummary()
        moves = self.clusterer.refine()
        if moves:
            self.store.move_articles(moves)
        dirty = self.store.dirty_stories()
        summary.stories_touched = len(dirty)
        for done, story_id in enumerate(dirty, 1):
            progress("comparing sources", done, len(dirty))
            members, duplicate_of = self.store.story_members(story_id)
            if not members:
                continue
            digest = synthesize_story(members, duplicate_of=duplicate_of, summary_words=self.settings.summary_words)
            self.store.save_digest(story_id, digest)
