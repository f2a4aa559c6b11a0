from __future__ import annotations

from datetime import date

from storyline import codec
from storyline.model import (
    AnnotatedArticle,
    Article,
    Citation,
    Conflict,
    DateMention,
    Entity,
    Quote,
    RemovedLine,
    Sentence,
    StoryDigest,
    SummarySentence,
)


def test_annotated_article_round_trips_through_json():
    article = Article(
        id="a1", source="x.txt", title="T", text="Body.", published=date(2026, 3, 4),
        removed=(RemovedLine("Share this", "chrome phrase"),),
    )
    annotated = AnnotatedArticle(
        article=article,
        sentences=(Sentence(0, "Body.", 0, 5),),
        entities=(Entity("Marsh", "PERSON", "Elena Marsh", 0, 5),),
        dates=(DateMention("Tuesday", date(2026, 3, 3), 0, 7),),
        quotes=(Quote("We will rebuild", 0, 15, speaker="Marsh", speaker_canonical="Elena Marsh"),),
        event_date=date(2026, 3, 3),
        embedding=(0.6, -0.8),
    )
    assert codec.loads(AnnotatedArticle, codec.dumps(annotated)) == annotated


def test_digest_round_trips_with_dicts_and_pairs():
    digest = StoryDigest(
        title="T",
        summary=(SummarySentence("S.", (Citation("a1", 0), Citation("a2", 3))),),
        conflicts=(Conflict(1, "number", {"a1": "14", "a2": "17"}),),
        top_entities=(("Elena Marsh", 3),),
        originality={"a1": 1.0, "a2": 0.25},
        event_start=date(2026, 3, 3),
    )
    again = codec.loads(StoryDigest, codec.dumps(digest))
    assert again == digest
    assert again.conflicts[0].values == {"a1": "14", "a2": "17"}
