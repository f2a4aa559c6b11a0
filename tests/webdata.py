"""A small hand-built database for the web tests: two ordinary stories and one hostile one.

Built from the frozen records directly (no spaCy), so the API tests run in a second.
The hostile story carries what web pages really contain: script tags, event-handler
attributes, ``javascript:`` links and quotes meant to break out of HTML attributes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from storyline.model import (
    AnnotatedArticle,
    Article,
    Citation,
    Conflict,
    Document,
    Entity,
    Fact,
    LineageEdge,
    QualityFlag,
    Quote,
    QuoteVariant,
    RemovedLine,
    Sentence,
    Statement,
    StoryDigest,
    SummarySentence,
    content_id,
)
from storyline.store import Store

#: every string an attacker controls in the hostile story; none may run or become markup.
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
ATTR = '" onmouseover="alert(3)" x="'
JS_URL = "javascript:alert(4)"
SVG = "<svg onload=alert(5)>"


def _sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences split at '. ' (good enough for fixture text)."""
    out, start, index = [], 0, 0
    for position, char in enumerate(text):
        if char in ".!?\n" and (position + 1 == len(text) or text[position + 1] in " \n"):
            piece = text[start : position + 1]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                out.append(Sentence(index, piece.strip(), start + lead, position + 1))
                index += 1
            start = position + 1
    if text[start:].strip():
        lead = len(text[start:]) - len(text[start:].lstrip())
        out.append(Sentence(index, text[start:].strip(), start + lead, len(text)))
    return tuple(out)


def _entities(text: str, names: dict[str, str]) -> tuple[Entity, ...]:
    found = []
    for name, label in names.items():
        start = text.find(name)
        while start >= 0:
            found.append(Entity(name, label, name, start, start + len(name)))
            start = text.find(name, start + 1)
    return tuple(sorted(found, key=lambda e: e.start))


def _quote(text: str, quoted: str, speaker: str) -> Quote:
    start = text.find(quoted)
    assert start >= 0, quoted
    return Quote(quoted, start, start + len(quoted), speaker=speaker, speaker_canonical=speaker, cue="said")


def _article(
    store: Store,
    *,
    raw: str,
    kind: str,
    source: str,
    title: str,
    text: str,
    site: str,
    published: date | None,
    story_id: int,
    url: str | None = None,
    author: str | None = None,
    entities: dict[str, str] | None = None,
    quotes: list[tuple[str, str]] = (),
    removed: tuple[RemovedLine, ...] = (),
    duplicate_of: str | None = None,
    event_date: date | None = None,
) -> str:
    document = Document(source=source, raw=raw.encode("utf-8"), kind=kind, url=url)
    store.add_document(document)
    article = Article(
        id=document.id, source=source, title=title, text=text, url=url, site=site, author=author,
        published=published, published_by="meta" if published else "", published_confidence=0.9 if published else 0.0,
        removed=removed,
    )
    annotated = AnnotatedArticle(
        article=article,
        sentences=_sentences(text),
        entities=_entities(text, entities or {}),
        quotes=tuple(_quote(text, q, s) for q, s in quotes),
        event_date=event_date,
    )
    store.save_article(
        annotated, story_id=story_id, duplicate_of=duplicate_of,
        duplicate_kind="near" if duplicate_of else None, duplicate_similarity=0.82 if duplicate_of else None,
    )
    return document.id


BRIDGE_NAMES = {"Port Avery": "GPE", "Harbour Authority": "ORG", "Mara Lindqvist": "PERSON", "Quayside Bridge": "FAC"}


def build(path: str | Path, *, story_base: int = 0) -> dict[str, object]:
    """Write the fixture stories into the database at ``path``; return the ids the tests look for.

    Story ids are ``story_base + 1..3``, so the fixture can join a database the
    pipeline built (the browser tests add it to the example corpus).
    """
    ids: dict[str, object] = {}
    with Store(path) as store:
        _build(store, ids, story_base)
    return ids


def _build(store: Store, ids: dict[str, object], base: int) -> None:
    # -- story 1: a bridge collapse, three sources, one near-copy, one conflict --------
    t1 = (
        "The Quayside Bridge in Port Avery collapsed on Tuesday morning, injuring 14 people.\n"
        "\"We heard a crack and then the deck was gone,\" said Mara Lindqvist, a harbour pilot.\n"
        "The Harbour Authority closed the main road and opened an inquiry."
    )
    a1 = _article(
        store, raw="<html><body><h1>Bridge collapses</h1><p>" + t1 + "</p><nav>Home | Sport</nav></body></html>",
        kind="html", source="examples/harbourline.html", title="Quayside Bridge collapses in Port Avery",
        text=t1, site="harbourline.example", published=date(2026, 3, 3), story_id=base + 1,
        url="https://harbourline.example/news/bridge", author="J. Okafor", entities=BRIDGE_NAMES,
        quotes=[("We heard a crack and then the deck was gone,", "Mara Lindqvist")],
        removed=(RemovedLine("Home | Sport", "navigation"), RemovedLine("Subscribe now", "boilerplate")),
        event_date=date(2026, 3, 3),
    )
    t2 = (
        "A bridge in Port Avery gave way on Tuesday and 15 people were hurt, officials said.\n"
        "\"We heard a crack, then the deck was gone,\" Mara Lindqvist told reporters.\n"
        "Engineers from the Harbour Authority will inspect the other crossings."
    )
    a2 = _article(
        store, raw=t2, kind="text", source="examples/eastshore.txt", title="Port Avery bridge gives way",
        text=t2, site="eastshore.example", published=date(2026, 3, 4), story_id=base + 1,
        url="https://eastshore.example/a/2", entities=BRIDGE_NAMES,
        quotes=[("We heard a crack, then the deck was gone,", "Mara Lindqvist")], event_date=date(2026, 3, 3),
    )
    t3 = t1.replace("injuring 14 people", "injuring 14 people, reports say")
    a3 = _article(
        store, raw="COPY " + t3, kind="text", source="examples/copyfarm.txt", title="Bridge colapses in Port Avery",
        text=t3, site="copyfarm.example", published=date(2026, 3, 6), story_id=base + 1, entities=BRIDGE_NAMES,
        quotes=[("We heard a crack and then the deck was gone,", "Mara Lindqvist")], duplicate_of=a1,
    )
    store.save_digest(
        base + 1,
        StoryDigest(
            title="Quayside Bridge collapses in Port Avery",
            summary=(
                SummarySentence("The Quayside Bridge in Port Avery collapsed on Tuesday morning.",
                                (Citation(a1, 0), Citation(a2, 0))),
                SummarySentence("The Harbour Authority closed the main road and opened an inquiry.",
                                (Citation(a1, 2),)),
            ),
            facts=(
                Fact(1, "The bridge collapsed on Tuesday.", (Citation(a1, 0), Citation(a2, 0), Citation(a3, 0)), 2,
                     earliest_article_id=a1),
                Fact(2, "The Harbour Authority opened an inquiry.", (Citation(a1, 2),), 1),
                Fact(3, "Fourteen or fifteen people were injured.", (Citation(a1, 0), Citation(a2, 0)), 2),
            ),
            conflicts=(Conflict(3, "number", {a1: "14", a2: "15"}),),
            statements=(
                Statement("Mara Lindqvist", (
                    QuoteVariant(a1, "We heard a crack and then the deck was gone,"),
                    QuoteVariant(a2, "We heard a crack, then the deck was gone,"),
                    QuoteVariant(a3, "We heard a crack and then the deck was gone,"),
                )),
            ),
            lineage=(LineageEdge(a1, a3, 1.0),),
            flags=(QualityFlag(a3, "headline-typo", "'colapses' looks like a typo of 'collapses'"),
                   QualityFlag(a3, "near-copy", "82% of its 5-word shingles come from [1]")),
            top_entities=(("Port Avery", 3), ("Mara Lindqvist", 3), ("Harbour Authority", 3)),
            originality={a1: 1.0, a2: 1.0, a3: 0.0},
            event_start=date(2026, 3, 3),
            event_end=date(2026, 3, 3),
        ),
    )
    ids.update(bridge_story=base + 1, bridge_first=a1, bridge_second=a2, bridge_copy=a3)

    # -- story 2: a sports final, one source ----------------------------------------
    t4 = "Coastal United won the Coastal Cup final 2-1 in Norhaven on Saturday.\nThe winning goal came late."
    a4 = _article(
        store, raw=t4, kind="text", source="examples/sport.txt", title="Coastal United lift the Coastal Cup",
        text=t4, site="coastline-sport.example", published=date(2026, 2, 21), story_id=base + 2,
        entities={"Coastal United": "ORG", "Norhaven": "GPE"}, event_date=date(2026, 2, 21),
    )
    store.save_digest(base + 2, StoryDigest(
        title="Coastal United lift the Coastal Cup",
        summary=(SummarySentence("Coastal United won the Coastal Cup final 2-1.", (Citation(a4, 0),)),),
        facts=(Fact(1, "Coastal United won 2-1.", (Citation(a4, 0),), 1),),
        top_entities=(("Coastal United", 1), ("Norhaven", 1)),
        originality={a4: 1.0}, event_start=date(2026, 2, 21), event_end=date(2026, 2, 21),
    ))
    ids.update(sport_story=base + 2, sport=a4)

    # -- story 3: hostile page ---------------------------------------------------------
    t5 = (
        f"Officials in Norhaven said {SCRIPT} nothing happened.\n"
        f"An image {IMG} and an svg {SVG} were in the page.\n"
        f"\"Trust me {ATTR} now,\" said {ATTR}Evil Speaker.\n"
        f"Click <a href=\"{JS_URL}\">here</a> for more."
    )
    a5 = _article(
        store,
        raw=f"<html><head><script>alert('raw')</script></head><body onload=\"alert(6)\"><h1>{SCRIPT}</h1>"
        f"<p>{IMG}</p><a href=\"{JS_URL}\">x</a></body></html>",
        kind="html", source=f"hostile/{ATTR}.html", title=f"Hostile {SCRIPT} {IMG} title {ATTR}",
        text=t5, site=f"evil.example{ATTR}<b>", published=date(2026, 1, 10), story_id=base + 3,
        url=JS_URL, author=SCRIPT, entities={"Norhaven": "GPE", f"{ATTR}Evil Speaker": "PERSON"},
        quotes=[(f"Trust me {ATTR} now,", f"{ATTR}Evil Speaker")],
        removed=(RemovedLine(f"{SCRIPT} share on {IMG}", f"boilerplate {ATTR}"),),
        event_date=date(2026, 1, 9),
    )
    store.save_digest(base + 3, StoryDigest(
        title=f"Hostile {SCRIPT} {IMG} title {ATTR}",
        summary=(SummarySentence(f"Officials said {SCRIPT} {IMG} {SVG}.", (Citation(a5, 0),)),),
        facts=(Fact(1, f"Fact {SCRIPT} {ATTR}", (Citation(a5, 1),), 1),),
        conflicts=(Conflict(1, f"name{ATTR}", {a5: f"{IMG}"}),),
        statements=(Statement(f"{ATTR}Evil Speaker", (QuoteVariant(a5, f"Trust me {ATTR} {SCRIPT}"),)),),
        flags=(QualityFlag(a5, f"spun{ATTR}", f"evidence {SCRIPT} {IMG}"),),
        top_entities=((f"{ATTR}Evil Speaker", 1), (SCRIPT, 1)),
        originality={a5: 1.0}, event_start=date(2026, 1, 9), event_end=date(2026, 1, 10),
    ))
    ids.update(hostile_story=base + 3, hostile=a5)


def raw_id(text: str) -> str:
    return content_id(text.encode("utf-8"))
