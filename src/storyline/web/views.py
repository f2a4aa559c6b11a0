"""Plain data for the page templates: highlighted text, timeline and lineage geometry.

Everything here returns text pieces and numbers; the templates escape every piece,
so nothing an article contains can become markup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from ..model import AnnotatedArticle

#: characters of the raw input shown inline on the article page; the rest is a download.
RAW_PREVIEW_CHARS = 60_000

#: drawing sizes of the timeline and lineage SVGs, in CSS pixels.
TIMELINE_WIDTH = 960
TIMELINE_ROW = 22
LINEAGE_WIDTH = 960
LINEAGE_NODE = 16
#: article rows drawn on a timeline (each a row); a bigger story shows the first ones.
TIMELINE_ARTICLES = 60


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (no ``javascript:``, ``data:``...)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Control characters and whitespace inside a URL are how filters get fooled.
    if any(ord(ch) < 33 or ch in "\"'<>`" for ch in url):
        return None
    return url


def parse_day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# -- highlighted article text ------------------------------------------------------


@dataclass
class Segment:
    """A run of text with the same annotations."""

    text: str
    entity: str | None = None  # entity label
    canonical: str | None = None
    quote: bool = False
    speaker: str | None = None


@dataclass
class SentencePiece:
    """The part of one sentence inside one paragraph; ``anchor`` is set on its first part."""

    index: int | None
    anchor: str | None
    segments: list[Segment] = field(default_factory=list)


def highlight(annotated: AnnotatedArticle) -> list[list[SentencePiece]]:
    """The clean text as paragraphs of sentence pieces of annotated segments.

    Offsets index ``article.text``; bad offsets are clamped, overlapping entities
    keep the first. Each sentence's first piece carries the anchor ``s-<index>``
    that summary citations link to.
    """
    text = annotated.article.text
    size = len(text)

    def clamp(start: int, end: int) -> tuple[int, int]:
        start = max(0, min(size, int(start)))
        return start, max(start, min(size, int(end)))

    entity_at: list[int | None] = [None] * size
    for number, entity in enumerate(annotated.entities):
        start, end = clamp(entity.start, entity.end)
        if all(entity_at[i] is None for i in range(start, end)):
            for i in range(start, end):
                entity_at[i] = number
    quote_at: list[int | None] = [None] * size
    for number, quote in enumerate(annotated.quotes):
        start, end = clamp(quote.start, quote.end)
        for i in range(start, end):
            if quote_at[i] is None:
                quote_at[i] = number
    sentence_at: list[int | None] = [None] * size
    for sentence in annotated.sentences:
        start, end = clamp(sentence.start, sentence.end)
        for i in range(start, end):
            sentence_at[i] = sentence.index

    paragraphs: list[list[SentencePiece]] = []
    anchored: set[int] = set()
    position = 0
    for line in text.split("\n"):
        begin, position = position, position + len(line) + 1
        if not line.strip():
            continue
        pieces: list[SentencePiece] = []
        end = begin + len(line)

        def key(i: int) -> tuple[int | None, int | None, int | None]:
            return entity_at[i], quote_at[i], sentence_at[i]

        run_start = begin
        for i in range(begin + 1, end + 1):
            if i < end and key(i) == key(run_start):
                continue
            sentence_index = sentence_at[run_start]
            if not pieces or pieces[-1].index != sentence_index:
                anchor = None
                if sentence_index is not None and sentence_index not in anchored:
                    anchored.add(sentence_index)
                    anchor = f"s-{sentence_index}"
                pieces.append(SentencePiece(index=sentence_index, anchor=anchor))
            entity_number = entity_at[run_start]
            quote_number = quote_at[run_start]
            entity = annotated.entities[entity_number] if entity_number is not None else None
            quote = annotated.quotes[quote_number] if quote_number is not None else None
            pieces[-1].segments.append(
                Segment(
                    text=text[run_start:i],
                    entity=entity.label if entity else None,
                    canonical=entity.canonical if entity else None,
                    quote=quote is not None,
                    speaker=(quote.speaker_canonical or quote.speaker) if quote else None,
                )
            )
            run_start = i
        paragraphs.append(pieces)
    return paragraphs


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """An FTS snippet marked with « » as (text, is_hit) pieces."""
    parts: list[tuple[str, bool]] = []
    rest = snippet or ""
    while rest:
        start = rest.find("«")
        if start < 0:
            parts.append((rest, False))
            break
        end = rest.find("»", start + 1)
        if end < 0:
            parts.append((rest, False))
            break
        if start:
            parts.append((rest[:start], False))
        parts.append((rest[start + 1 : end], True))
        rest = rest[end + 1 :]
    return parts


def raw_preview(raw: bytes, *, charset: str | None = None) -> tuple[str, bool]:
    """The raw input decoded for display (undecodable bytes replaced), and whether it was cut."""
    text = None
    for encoding in filter(None, (charset, "utf-8")):
        try:
            text = raw.decode(encoding)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    if text is None:
        text = raw.decode("utf-8", errors="replace")
    return text[:RAW_PREVIEW_CHARS], len(text) > RAW_PREVIEW_CHARS


# -- timeline -----------------------------------------------------------------------


def timeline(story: dict[str, Any]) -> dict[str, Any] | None:
    """Rows of the story timeline: one per article at its publication day, plus the event span.

    Returns None when no date is known. ``x`` values are pixels in ``0..TIMELINE_WIDTH``.
    """
    articles = story.get("articles") or []
    days = [parse_day(a.get("published")) for a in articles]
    event_start = parse_day(story.get("event_start"))
    event_end = parse_day(story.get("event_end")) or event_start
    known = [d for d in days if d] + [d for d in (event_start, event_end) if d]
    if not known:
        return None
    first, last = min(known), max(known)
    span = max(1, (last - first).days)
    label_space = 250
    width = TIMELINE_WIDTH - label_space - 50

    def x(day: date) -> float:
        return round(label_space + width * (day - first).days / span, 1)

    rows = []
    top = 0
    if event_start:
        start_x = x(event_start)
        end_x = x(event_end or event_start)
        rows.append(
            {
                "kind": "event",
                "label": "event" + (f" {event_start}" if event_end == event_start else f" {event_start} – {event_end}"),
                "x": start_x,
                "width": max(4.0, end_x - start_x),
                "y": top,
            }
        )
        top += TIMELINE_ROW
    for number, (article, day) in enumerate(zip(articles[:TIMELINE_ARTICLES], days, strict=False), 1):
        rows.append(
            {
                "kind": "article",
                "number": number,
                "id": article["id"],
                "label": f"[{number}] {article.get('site') or 'unknown site'}",
                "title": article.get("title") or "",
                "day": day.isoformat() if day else "no date",
                "x": x(day) if day else None,
                "y": top,
            }
        )
        top += TIMELINE_ROW
    ticks = []
    step = max(1, math.ceil(span / 6))
    offsets = list(range(0, span + 1, step))
    if span - offsets[-1] > step / 2:
        offsets.append(span)  # label the last day too, unless a tick is already near it
    for offset in offsets:
        day = date.fromordinal(first.toordinal() + offset)
        ticks.append({"x": x(day), "label": day.isoformat()})
    return {
        "more": max(0, len(articles) - TIMELINE_ARTICLES),
        "rows": rows,
        "ticks": ticks,
        "width": TIMELINE_WIDTH,
        "height": top + 30,
        "axis_y": top + 6,
        "label_space": label_space,
    }


# -- lineage graph ------------------------------------------------------------------


def lineage_graph(story: dict[str, Any]) -> dict[str, Any] | None:
    """Nodes on a line in publication order and an arc per reuse edge (source -> target)."""
    edges = story.get("lineage") or []
    if not edges:
        return None
    articles = story.get("articles") or []
    numbers = {a["id"]: n for n, a in enumerate(articles, 1)}
    involved = [a for a in articles if any(a["id"] in (e["source_id"], e["target_id"]) for e in edges)]
    if len(involved) < 2:
        return None
    margin = 80  # room for the first and last node's label
    gap = (LINEAGE_WIDTH - 2 * margin) / max(1, len(involved) - 1)
    base_y = 40 + min(160, 30 * len(edges))
    nodes = {}
    for i, article in enumerate(involved):
        nodes[article["id"]] = {
            "id": article["id"],
            "number": numbers[article["id"]],
            "site": article.get("site") or "unknown site",
            "title": article.get("title") or "",
            "x": round(margin + i * gap, 1),
            "y": base_y,
            "originality": (story.get("originality") or {}).get(article["id"]),
        }
    arcs = []
    for edge in edges:
        source, target = nodes.get(edge["source_id"]), nodes.get(edge["target_id"])
        if source is None or target is None:
            continue
        x1, x2 = source["x"], target["x"]
        y = base_y - LINEAGE_NODE / 2
        height = min(base_y - 20, 20 + abs(x2 - x1) / 3)
        control_x, control_y = (x1 + x2) / 2, y - 2 * height
        # The share label sits on the curve near its target (t = 0.75), where arcs
        # into different articles part, rather than at the apex they may share.
        t = 0.75
        label_x = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * control_x + t**2 * x2
        label_y = (1 - t) ** 2 * y + 2 * (1 - t) * t * control_y + t**2 * y
        share = float(edge.get("share") or 0.0)
        arcs.append(
            {
                "path": f"M {x1} {y} Q {control_x} {control_y} {x2} {y}",
                "label_x": round(label_x, 1),
                "label_y": round(label_y - 4, 1),
                "share": share,
                "stroke": round(1 + 4 * share, 1),
                "source": source["number"],
                "target": target["number"],
            }
        )
    return {"nodes": list(nodes.values()), "arcs": arcs, "width": LINEAGE_WIDTH, "height": base_y + 60}
