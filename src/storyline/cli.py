"""The ``storyline`` command: thin wrappers over the Python API.

Only this module prints. Errors a user can cause are :class:`StorylineError`
and are shown as one line, without a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from . import __version__
from .errors import StorylineError

app = typer.Typer(
    help="storyline: group news articles into stories by real-world event and compare their sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Score storyline on labelled data (JSONL), beside a baseline.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

DbOption = Annotated[str | None, typer.Option("--db", help="SQLite database file [default: storyline.db]")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
#: the ``semantic`` setting; its value is checked where it is read (cluster.semantic.resolve).
SemanticOption = Annotated[str | None, typer.Option(
    "--semantic", help="sentence embeddings (the semantic extra): auto (when installed), on or off")]


INTERRUPTED = "interrupted; everything stored so far is kept — run again to finish"


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _fail(message: str) -> None:
    _console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(code=2)


def _settings(db: str | None, **overrides: Any) -> Any:
    from .config import load_settings

    return load_settings({"db": db, **overrides})


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _stories_table(stories: list[Any]) -> Any:
    from rich.table import Table

    table = Table(title=f"{len(stories)} stories", show_lines=False)
    table.add_column("id", justify="right")
    table.add_column("story")
    table.add_column("articles", justify="right")
    table.add_column("sources", justify="right")
    table.add_column("when")
    table.add_column("who / where")
    for row in stories:
        when = row.event_start or row.first_published or ""
        if row.event_end and row.event_end != row.event_start:
            when = f"{when} – {row.event_end}"
        table.add_row(
            str(row.id),
            row.title,
            str(row.n_articles),
            str(row.n_sources),
            when,
            ", ".join(name for name, _ in row.top_entities[:4]),
        )
    return table


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log each step")] = False,
    version: Annotated[bool, typer.Option("--version", help="print the version and exit")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@app.command()
def run(
    inputs: Annotated[list[str], typer.Argument(help="files, folders or URLs (.txt .html .warc[.gz] .jsonl[.gz])")],
    db: DbOption = None,
    report: Annotated[Path | None, typer.Option("--report", help="also write an HTML report here")] = None,
    as_json: JsonOption = False,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="extract and annotate on Dask: 'local' for a local cluster, or a scheduler address",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="processes that extract and annotate (with --dask local: Dask workers) "
                          "[default: one per core for 100 pages or more]"),
    ] = None,
    semantic: SemanticOption = None,
) -> None:
    """Read news pages and group them into stories (only new inputs are processed)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .pipeline import Pipeline
    from .store import Store

    err = _console(stderr=True)
    try:
        settings = _settings(db, semantic=semantic, workers=workers)
        with Store(settings.db) as store:
            with Progress(
                TextColumn("{task.description:>18}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
                disable=as_json and not err.is_terminal,
            ) as bars:
                tasks: dict[str, Any] = {}

                def progress(stage: str, done: int, total: int | None) -> None:
                    if stage not in tasks:
                        tasks[stage] = bars.add_task(stage, total=total)
                    bars.update(tasks[stage], completed=done, total=total)

                if dask:
                    from .distributed import DaskPipeline

                    scheduler = None if dask == "local" else dask
                    pipeline: Pipeline = DaskPipeline(store, settings=settings, scheduler=scheduler, workers=workers)
                else:
                    pipeline = Pipeline(store, settings=settings, auto_workers=True)
                try:
                    summary = pipeline.run(inputs, progress=progress)
                except KeyboardInterrupt:  # typer would exit 130 without a word
                    err.print(INTERRUPTED)
                    raise typer.Exit(130) from None
            for source, reason in summary.skipped:
                err.print(f"[yellow]skipped[/] {source}: {reason}", markup=True, soft_wrap=True, highlight=False)
            err.print(
                f"{summary.new_articles} new articles ({summary.duplicates} copies), "
                f"{summary.unchanged} already stored, {len(summary.skipped)} skipped, "
                f"{summary.stories_touched} stories updated in {summary.seconds:.1f}s; database {settings.db}"
            )
            if summary.skipped_by_reason:
                err.print(
                    "skipped by reason: "
                    + "; ".join(f"{reason}: {n}" for reason, n in sorted(summary.skipped_by_reason.items())),
                    soft_wrap=True,
                )
            if report is not None:
                from .report import write_report

                write_report(store, report)
                err.print(f"report written to {report} (open it in a browser)")
            if as_json:
                from .report.data import stories_json

                _print_json(stories_json(store))
            else:
                _console().print(_stories_table(store.stories(sort="size", limit=50)))
            if summary.new_articles == 0 and summary.unchanged == 0:
                raise typer.Exit(code=1)
    except StorylineError as exc:
        _fail(str(exc))


@app.command()
def stories(
    db: DbOption = None,
    as_json: JsonOption = False,
    query: Annotated[str | None, typer.Option("--query", "-q", help="full-text search")] = None,
    sort: Annotated[
        str | None, typer.Option(help="recent, size or sources [default: size; with --json, by id]")
    ] = None,
) -> None:
    """List the stories in the database."""
    from .store import Store

    settings = _settings(db)
    try:
        with Store(settings.db, read_only=True) as store:
            if as_json:
                from .report.data import stories_json

                _print_json(stories_json(store, query=query, sort=sort or "id"))
            else:
                _console().print(_stories_table(store.stories(query=query, sort=sort or "size", limit=1000)))
    except (StorylineError, ValueError) as exc:
        _fail(str(exc))


@app.command()
def story(
    story_id: Annotated[int, typer.Argument(metavar="ID", help="story id (see `storyline stories`)")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one story: summary with citations, facts, conflicts, quotes, articles."""
    from .report.data import story_json
    from .store import Store

    settings = _settings(db)
    try:
        with Store(settings.db, read_only=True) as store:
            row = store.story(story_id)
            if row is None:
                _fail(f"no story {story_id} in {settings.db}")
                return
            data = story_json(store, row)
            if as_json:
                _print_json(data)
            else:
                from rich.markdown import Markdown

                from .report.markdown import story_markdown

                _console().print(Markdown(story_markdown(data)))
    except StorylineError as exc:
        _fail(str(exc))


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the stories as web pages and a JSON API (read-only unless STORYLINE_API_TOKEN is set)."""
    import uvicorn

    from .web import create_app

    settings = _settings(db)
    try:
        application = create_app(settings=settings)
    except StorylineError as exc:
        _fail(str(exc))
        return
    _console(stderr=True).print(f"serving {settings.db} on http://{host}:{port}/  (API docs at /docs)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _eval(task: str, path: str, as_json: bool, **options: Any) -> None:
    from .evaluate import run_task

    try:
        result = run_task(task, path, **options)
    except StorylineError as exc:
        _fail(str(exc))
        return
    if as_json:
        _print_json(result)
        return
    from rich.table import Table

    table = Table(title=f"eval {task}: {path}")
    table.add_column("metric")
    table.add_column("storyline", justify="right")
    table.add_column("baseline", justify="right")
    baseline = result.get("baseline", {})

    def rows(prefix: str, ours: Any, theirs: Any) -> None:
        if isinstance(ours, dict):
            for key, value in ours.items():
                rows(f"{prefix}{key}.", value, theirs.get(key, {}) if isinstance(theirs, dict) else {})
        else:
            table.add_row(prefix.rstrip("."), _fmt(ours), "" if theirs in ({}, None) else _fmt(theirs))

    for key, value in result.items():
        if key != "baseline":
            rows(f"{key}.", value, baseline.get(key))
    _console().print(table)


@eval_app.command("clustering")
def eval_clustering(path: str, as_json: JsonOption = False, semantic: SemanticOption = None) -> None:
    """Story clustering: BCubed and pairwise P/R/F1 (JSONL with text or title, and cluster)."""
    _eval("clustering", path, as_json, semantic=semantic)


@eval_app.command("pairs")
def eval_pairs(path: str, as_json: JsonOption = False, semantic: SemanticOption = None) -> None:
    """Same-story similarity of article pairs: Pearson with the gold judgement."""
    _eval("pairs", path, as_json, semantic=semantic)


@eval_app.command("extraction")
def eval_extraction(
    path: str,
    mode: Annotated[str, typer.Option("--mode", help="html or text")] = "html",
    as_json: JsonOption = False,
) -> None:
    """Article extraction: bag-of-words P/R/F1 against gold text."""
    if mode not in {"html", "text"}:
        _fail("--mode must be html or text")
    _eval("extraction", path, as_json, mode=mode)


@eval_app.command("quotes")
def eval_quotes(path: str, as_json: JsonOption = False) -> None:
    """Direct quotes and speakers against gold attributions."""
    _eval("quotes", path, as_json)


@eval_app.command("summaries")
def eval_summaries(path: str, as_json: JsonOption = False) -> None:
    """Multi-article summaries: ROUGE against reference summaries at 250 words."""
    _eval("summaries", path, as_json)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        _console(stderr=True).print(INTERRUPTED)
        sys.exit(130)
    except StorylineError as exc:
        _console(stderr=True).print(f"error: {exc}", markup=False)
        sys.exit(2)
    except Exception as exc:  # a bug, not a user error: say so in one line, details with -v
        if logging.getLogger().isEnabledFor(logging.INFO):
            raise
        _console(stderr=True).print(
            f"internal error: {type(exc).__name__}: {exc} (run with --verbose for the traceback, "
            "and please report it)",
            markup=False,
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
