"""The self-contained HTML report (``storyline run --report FILE``).

One file, no external assets, so it opens offline and can be mailed around.
All article text is escaped by Jinja2's autoescape: pages from the web are hostile.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..store import Store
from .data import story_json

#: facts shown per story in the sources-by-facts matrix; the rest are counted.
MATRIX_FACTS = 30


def template_environment(package: str) -> Any:
    """Jinja2 templates of ``package``/templates, autoescaped (the report's and the web app's)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: f"{float(v or 0):.0%}"
    return env


def render_report(store: Store, *, title: str = "storyline report") -> str:
    """The report as one HTML string."""
    stories = []
    for row in store.stories(sort="size", limit=100_000):
        articles = store.articles_of(row.id)
        data = story_json(store, row, articles=articles)
        data["numbers"] = {a["id"]: i for i, a in enumerate(data["articles"], 1)}
        texts = {a.id: a.text for a in articles}
        removed = {}
        for a in articles:
            annotated = store.annotated_article(a.id)
            removed[a.id] = list(annotated.article.removed) if annotated else []
        data["texts"] = texts
        data["removed"] = removed
        data["matrix_facts"] = (data.get("facts") or [])[:MATRIX_FACTS]
        data["conflicted"] = {c["fact_id"] for c in data.get("conflicts") or []}
        stories.append(data)
    template = template_environment("storyline.report").get_template("report.html.j2")
    return template.render(
        title=title,
        stories=stories,
        counts=store.counts(),
        skipped=store.skipped(),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
    )


def write_report(store: Store, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(store), encoding="utf-8")
    return path
