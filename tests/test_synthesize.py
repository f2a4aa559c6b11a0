"""Facts, consensus, conflicts, statements, lineage and summary on an invented story."""

from __future__ import annotations

from datetime import date

import pytest
from synth_fixtures import COPY, DAILY, REWRITE, WIRE, annotated

from storyline.model import StoryDigest
from storyline.synthesize import synthesize_story


@pytest.fixture(scope="module")
def digest() -> StoryDigest:
    articles = [
        annotated("wire", WIRE),
        annotated("daily", DAILY),
        annotated("rewrite", REWRITE, published=date(2024, 3, 5)),
        annotated("copy", COPY, published=date(2024, 3, 5)),
    ]
    return synthesize_story(articles, duplicate_of={"copy": "wire"}, summary_words=120)


def fact_with(digest: StoryDigest, words: str):
    matches = [f for f in digest.facts if words in f.text]
    assert matches, f"no fact mentions {words!r}: {[f.text for f in digest.facts]}"
    return matches[0]


def test_consensus_fact_has_two_independent_sources(digest: StoryDigest) -> None:
    fact = fact_with(digest, "earthquake")
    assert fact.is_consensus
    assert {"wire", "daily"} <= set(fact.article_ids)
    # wire, its near-copy and its rewrite are one source; daily is the second.
    assert fact.independent_sources == 2
    assert fact.earliest_article_id == "wire"


def test_single_source_fact(digest: StoryDigest) -> None:
    fact = fact_with(digest, "Local schools")
    assert fact.article_ids == ["daily"]
    assert not fact.is_consensus


def test_near_copy_and_verbatim_reuse_are_not_independent(digest: StoryDigest) -> None:
    harbour = fact_with(digest, "harbour would stay closed")
    assert harbour.article_ids == ["copy", "wire"]
    assert harbour.independent_sources == 1
    rescue = fact_with(digest, "Rescue teams")
    assert set(rescue.article_ids) == {"wire", "rewrite", "copy"}
    assert rescue.independent_sources == 1


def test_number_conflict(digest: StoryDigest) -> None:
    numbers = [c for c in digest.conflicts if c.kind == "number"]
    assert len(numbers) == 1
    conflict = numbers[0]
    assert conflict.values["wire"] == "12 people"
    assert conflict.values["daily"] == "15 people"
    assert conflict.fact_id == fact_with(digest, "earthquake").id


def test_quote_variant_grouped_as_one_statement(digest: StoryDigest) -> None:
    ruiz = [s for s in digest.statements if s.speaker == "Elena Ruiz"]
    assert len(ruiz) == 1
    texts = {v.article_id: v.text for v in ruiz[0].variants}
    assert texts["wire"] == "rebuild every damaged home within a year"
    assert texts["daily"] == "have all the damaged houses standing again in twelve months"
    quote_conflicts = [c for c in digest.conflicts if c.kind == "quote"]
    assert len(quote_conflicts) == 1
    assert set(quote_conflicts[0].values) >= {"wire", "daily"}


def test_lineage_of_rewrite_and_near_copy(digest: StoryDigest) -> None:
    edges = {(e.source_id, e.target_id): e.share for e in digest.lineage}
    assert edges[("wire", "copy")] == 1.0
    assert edges[("wire", "rewrite")] >= 0.6
    assert ("wire", "daily") not in edges
    assert digest.originality["wire"] == 1.0
    assert digest.originality["daily"] == 1.0
    assert digest.originality["rewrite"] < 0.3
    assert digest.originality["copy"] == 0.0
    kinds = {(f.article_id, f.kind) for f in digest.flags}
    assert ("copy", "near-copy") in kinds
    assert ("rewrite", "low-originality") in kinds
    assert not any(f.article_id in {"wire", "daily"} for f in digest.flags)


def test_summary_is_cited_consensus_first_and_not_redundant(digest: StoryDigest) -> None:
    summary = digest.summary
    assert summary
    assert sum(len(s.text.split()) for s in summary) <= 120
    assert all(s.citations for s in summary)
    assert len({s.text for s in summary}) == len(summary)
    assert "earthquake" in summary[0].text
    assert {c.article_id for c in summary[0].citations} >= {"wire", "daily"}
    # the near-copy's text is never picked twice
    assert sum("harbour bridge" in s.text for s in summary) <= 1


def test_digest_fields(digest: StoryDigest) -> None:
    assert digest.title == "Earthquake strikes Marlow"
    assert digest.top_entities[0] == ("Marlow", 4)
    assert digest.event_start == date(2024, 3, 4)
    assert digest.event_end == date(2024, 3, 5)


def test_one_article_story() -> None:
    digest = synthesize_story([annotated("solo", WIRE)])
    assert digest.summary
    assert all(not f.is_consensus for f in digest.facts)
    assert digest.originality == {"solo": 1.0}
    assert digest.lineage == ()
    assert digest.conflicts == ()


def test_empty_story() -> None:
    assert synthesize_story([]).title == ""


def test_story_without_headlines_is_named_by_its_lead() -> None:
    short = annotated("a", "A storm flooded Marlow harbour on Monday. Nine boats sank.", title="")
    assert synthesize_story([short, annotated("b", DAILY, title="")]).title == (
        "A storm flooded Marlow harbour on Monday.")
    long = annotated("c", "Rescuers in Marlow searched through the night for two fishermen who went "
                          "missing when their boat capsized in the storm. Both were found.", title="")
    title = synthesize_story([long]).title
    assert title == "Rescuers in Marlow searched through the night for two fishermen who went …"
    # one headline among the reports is still the title
    assert synthesize_story([short, annotated("d", DAILY)]).title == "Earthquake strikes Marlow"


def test_story_dates_come_only_from_reports_dated_to_the_day() -> None:
    from dataclasses import replace

    from storyline.model import DateMention

    text = "The genocide of 1994 was planned for years. The fugitive was seen in 2002."
    undated = annotated("u", text, published=None)
    # the annotator's fallback for an undated report: the latest year it mentions
    looking_back = replace(undated, event_date=date(2002, 1, 1),
                           dates=(DateMention("1994", date(1994, 1, 1), 19, 23, "year"),
                                  DateMention("2002", date(2002, 1, 1), 68, 72, "year")))
    digest = synthesize_story([looking_back])
    assert (digest.event_start, digest.event_end) == (None, None)
    # a day the text names is a date
    told = replace(looking_back, event_date=date(2020, 5, 16),
                   dates=(*looking_back.dates, DateMention("16 May 2020", date(2020, 5, 16), 0, 0)))
    assert synthesize_story([told]).event_start == date(2020, 5, 16)
    # a dated report's event day stands as before
    assert synthesize_story([annotated("d", text, published=date(2024, 3, 4))]).event_start == date(2024, 3, 4)


def test_wording_difference_marks_what_each_outlet_changed() -> None:
    from storyline.synthesize.statements import wording_difference

    assert (
        wording_difference("end the war within 24 hours", "end the war in one day")
        == "end the war [-within 24 hours-] [+in one day+]"
    )
    assert wording_difference("We will win", "we will win") == "We will win"


def test_headline_counts_that_differ_across_leads_are_a_conflict() -> None:
    first = annotated(
        "first",
        "A section of the Dunmore road bridge collapsed into the river on Monday, injuring 14 people.\n"
        "Traffic was diverted through the old town for the rest of the week.",
    )
    second = annotated(
        "second",
        "Seventeen people were treated in hospital after a span of the Dunmore bridge gave way.\n"
        "Divers searched the river until late in the evening for a missing van.",
    )
    digest = synthesize_story([first, second])
    (conflict,) = [c for c in digest.conflicts if c.kind == "number"]
    assert conflict.values == {"first": "14 people", "second": "Seventeen people"}


def test_conflict_readings_group_renderings_that_say_the_same() -> None:
    from storyline.model import Conflict
    from storyline.synthesize.conflicts import readings

    count = Conflict(1, "number", {"a": "14 people", "b": "Seventeen people", "c": "Fourteen people"})
    assert readings(count) == [("14 people", ["a", "c"]), ("Seventeen people", ["b"])]
    quote = Conflict(2, "quote", {"a": "We will rebuild,", "b": "we will rebuild.", "c": "We shall rebuild"})
    assert readings(quote) == [("We will rebuild", ["a", "b"]), ("We shall rebuild", ["c"])]


def test_datelines_and_wire_credits_are_not_facts() -> None:
    from storyline.synthesize.units import CREDIT, DATELINE

    assert DATELINE.sub("", "NORHAVEN, March 3 (Coastal Press Agency) - Part of a bridge fell.") == "Part of a bridge fell."
    assert DATELINE.sub("", "WASHINGTON (Reuters) - The Senate voted.") == "The Senate voted."
    assert DATELINE.sub("", "NORHAVEN, March 3 (Coastal Press Agency) -") == ""
    assert DATELINE.sub("", "NASA said on Monday it would launch.") == "NASA said on Monday it would launch."
    assert CREDIT.match("(Reporting by Tomas Reyes; Editing by Hannah Cole)")
    assert not CREDIT.match("Reporters by the river said the water rose.")


def test_top_entities_break_ties_by_first_mention():
    # equally frequent names keep the order they are first mentioned in (a set here made
    # the order change from one Python process to the next)
    from storyline.model import AnnotatedArticle, Article, Entity
    from storyline.synthesize import _top_entities

    names = ["Zeta Harbour", "Alma Reyes", "Port Kellan", "Milo Karsten", "Bay FM", "Ines Duval"]
    entities = tuple(Entity(n, "ORG", n, i * 20, i * 20 + len(n)) for i, n in enumerate(names))
    article = AnnotatedArticle(article=Article(id="a", source="a", title="t", text="x" * 200), entities=entities)
    assert [name for name, _ in _top_entities([article])] == names
