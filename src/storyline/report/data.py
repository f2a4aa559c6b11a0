"""Stories as plain data: the JSON of ``storyline stories --json``, the API and the report."""

from __future__ import annotations

from typing import Any

from ..codec import to_data
from ..store import ArticleRow, Store, StoryRow
from ..synthesize.conflicts import readings


def article_json(row: ArticleRow) -> dict[str, Any]:
    return row.as_json()


#: how a lineage edge reads: "[3] rewrites 61% of the sentences of [1]".
LINEAGE_VERBS = {"copy": "copies", "reuse": "reuses", "rewrite": "rewrites"}


def story_header(row: StoryRow) -> dict[str, Any]:
    """What every view of a story starts with: its id, title, size, time span, sites."""
    return {
        "id": row.id,
        "title": row.title,
        "n_articles": row.n_articles,
        "n_sources": row.n_sources,
        "first_published": row.first_published,
        "last_published": row.last_published,
        "event_start": row.event_start,
        "event_end": row.event_end,
        "sites": list(row.sites),
        "languages": list(row.languages),
    }


def story_json(store: Store, row: StoryRow, *, articles: list[ArticleRow] | None = None) -> dict[str, Any]:
    """One story with its articles and everything synthesised about it."""
    members = articles if articles is not None else store.articles_of(row.id)
    digest = row.digest
    position = {a.id: i for i, a in enumerate(members)}

    def in_story_order(ids: Any) -> list[str]:
        return sorted(set(ids), key=lambda i: (position.get(i, len(position)), i))

    data = story_header(row)
    data["articles"] = [article_json(a) for a in members]
    if digest is None:
        return data
    data.update(
        {
            "top_entities": [{"name": n, "articles": c} for n, c in digest.top_entities],
            "summary": [
                {"text": s.text, "citations": to_data(s.citations), "articles": in_story_order(c.article_id for c in s.citations)}
                for s in digest.summary
            ],
            "facts": [
                {
                    "id": f.id,
                    "text": f.text,
                    "consensus": f.is_consensus,
                    "independent_sources": f.independent_sources,
                    "articles": in_story_order(f.article_ids),
                    "citations": to_data(f.citations),
                    "earliest_article_id": f.earliest_article_id,
                }
                for f in digest.facts
            ],
            "conflicts": [
                {
                    **to_data(c),
                    # the distinct values, each with the articles that give it
                    "readings": [
                        {"value": value, "articles": in_story_order(ids)} for value, ids in readings(c)
                    ],
                }
                for c in digest.conflicts
            ],
            "quotes": [
                {"speaker": s.speaker, "variants": to_data(s.variants)} for s in digest.statements
            ],
            "lineage": [{**to_data(e), "verb": LINEAGE_VERBS.get(e.kind, "reuses")} for e in digest.lineage],
            "originality": digest.originality,
            "flags": to_data(digest.flags),
        }
    )
    return data


def stories_json(store: Store, *, sort: str = "id", **filters: Any) -> dict[str, Any]:
    return {"stories": [story_json(store, row) for row in store.stories(sort=sort, limit=100_000, **filters)]}
