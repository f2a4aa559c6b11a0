"""Small invented stories for the synthesize tests (no spaCy: annotations are written out)."""

from __future__ import annotations

import re
from datetime import date

from storyline.model import (
    AnnotatedArticle,
    Article,
    DateMention,
    Entity,
    Quote,
    RemovedLine,
    Sentence,
)
from storyline.synthesize.text import split_sentences

PEOPLE = ("Elena Ruiz", "Ruiz", "Tomas Berg", "Berg")
PLACES = ("Marlow", "Dunmore")


def annotated(
    article_id: str,
    text: str,
    *,
    title: str = "Earthquake strikes Marlow",
    published: date | None = date(2024, 3, 4),
    event_date: date | None = None,
    speaker: str = "Elena Ruiz",
    dates: tuple[tuple[str, date], ...] = (),
    removed: tuple[RemovedLine, ...] = (),
) -> AnnotatedArticle:
    """An annotated article whose sentences, names, dates and quotes are found by rule."""
    sentences = tuple(
        Sentence(index=i, text=text[a:b].strip(), start=a, end=b)
        for i, (a, b) in enumerate(split_sentences(text))
    )
    entities = []
    for name in PEOPLE + PLACES:
        for match in re.finditer(rf"\b{name}\b", text):
            if any(e.start <= match.start() < e.end for e in entities):
                continue
            label = "PERSON" if name in PEOPLE else "GPE"
            canonical = next(
                (p for p in PEOPLE if name in p and len(p) > len(name) and p in text), name
            )
            entities.append(Entity(name, label, canonical, match.start(), match.end()))
    entities.sort(key=lambda e: e.start)
    quotes = []
    for match in re.finditer(r"[\"“]([^\"“”]+)[\"”]", text):
        index = next(s.index for s in sentences if s.start <= match.start() < s.end)
        quotes.append(
            Quote(
                text=match.group(1),
                start=match.start(1),
                end=match.end(1),
                speaker=speaker,
                speaker_canonical=speaker,
                cue="said",
                sentence_index=index,
            )
        )
    mentions = []
    for written, value in dates:
        at = text.find(written)
        if at >= 0:
            mentions.append(DateMention(written, value, at, at + len(written)))
    article = Article(
        id=article_id,
        source=f"{article_id}.txt",
        title=title,
        text=text,
        published=published,
        removed=removed,
    )
    return AnnotatedArticle(
        article=article,
        sentences=sentences,
        entities=tuple(entities),
        dates=tuple(mentions),
        quotes=tuple(quotes),
        event_date=event_date,
    )


WIRE = (
    "A magnitude 6.1 earthquake struck the coastal town of Marlow on Monday morning, killing 12 people.\n"
    "The quake destroyed the old harbour bridge and cut power to 40,000 homes across the region.\n"
    "Rescue teams from three provinces were searching collapsed apartment blocks through the night.\n"
    "Speaking at a press conference in Marlow on Tuesday, Mayor Elena Ruiz promised to "
    '"rebuild every damaged home within a year".\n'
    "The national seismic institute recorded three strong aftershocks overnight near the coast.\n"
    "Officials said the harbour would stay closed to ships while engineers inspect the piers."
)

DAILY = (
    "An earthquake of magnitude 6.1 hit the coastal town of Marlow on Monday, killing 15 people.\n"
    "About 40,000 households lost electricity when the harbour bridge, which carried the main power line, "
    "collapsed in the quake.\n"
    "Mayor Elena Ruiz promised at a press conference in Marlow on Tuesday to "
    '"have all the damaged houses standing again in twelve months".\n'
    "Local schools in the district will remain closed until the end of the month, teachers were told.\n"
    "Volunteers dug through the rubble of two apartment towers overnight, looking for survivors."
)

# A rewrite of WIRE: most sentences kept with light edits, published a day later.
REWRITE = (
    "A magnitude 6.1 earthquake struck the coastal town of Marlow on Monday morning, killing 12 people.\n"
    "The quake destroyed the old harbour bridge and cut power to 40,000 homes in the region.\n"
    "Rescue teams from three provinces were searching collapsed apartment blocks through the night.\n"
    "The national seismic institute recorded three strong aftershocks overnight near the coast.\n"
    "Readers have sent in photographs of the damage to our newsroom all week."
)

# A near-copy of WIRE (the duplicate detector maps it to "wire").
COPY = WIRE + "\nCopyright Marlow Post."
