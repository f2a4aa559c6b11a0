"""Each quality flag, raised with its evidence, on small invented articles."""

from __future__ import annotations

from datetime import date

from synth_fixtures import DAILY, WIRE, annotated

from storyline.model import QualityFlag, RemovedLine
from storyline.synthesize import synthesize_story

CLEAN = annotated("clean", DAILY)


def flags_of(*articles, duplicate_of=None) -> dict[tuple[str, str], QualityFlag]:
    digest = synthesize_story(list(articles), duplicate_of=duplicate_of)
    return {(f.article_id, f.kind): f for f in digest.flags}


def test_clean_articles_raise_no_flag() -> None:
    assert flags_of(annotated("wire", WIRE), CLEAN) == {}


def test_boilerplate_share() -> None:
    removed = tuple(
        RemovedLine(
            text=f"Subscribe to our newsletter for the latest deals number {i} today",
            reason="boilerplate",
        )
        for i in range(40)
    )
    flags = flags_of(annotated("page", WIRE, removed=removed), CLEAN)
    flag = flags[("page", "boilerplate")]
    assert "of the page was boilerplate" in flag.evidence
    assert "Subscribe" in flag.evidence


def test_spun_text_template_headings_and_fragments() -> None:
    spun = (
        "Introduction\n"
        "The earthquake in Marlow is a very important earthquake for the town of Marlow.\n"
        "Key Takeaways\n"
        "Earthquake very big.\n"
        "Many houses the harbour bridge was falling and the\n"
        "People sad.\n"
        "Conclusion\n"
        "In the end the earthquake of Marlow was a thing that happened to Marlow."
    )
    flags = flags_of(annotated("farm", spun), CLEAN)
    evidence = flags[("farm", "spun")].evidence
    assert "'Introduction'" in evidence and "'Key Takeaways'" in evidence
    assert "fragments" in evidence


def test_truncated_text() -> None:
    cut = WIRE + "\nEngineers who inspected the piers on Tuesday afternoon found that the"
    flags = flags_of(annotated("cut", cut), CLEAN)
    assert "stops mid-sentence" in flags[("cut", "truncated")].evidence


def test_stale_event_long_before_page_date() -> None:
    old = annotated("old", WIRE, published=date(2024, 9, 1), event_date=date(2024, 3, 4))
    flags = flags_of(old)
    flag = flags[("old", "stale")]
    assert "2024-03-04" in flag.evidence and "181 days" in flag.evidence


def test_stale_old_story_presented_as_new() -> None:
    first = annotated("first", WIRE, published=date(2024, 3, 4))
    again = annotated("again", DAILY, published=date(2024, 8, 1))
    flags = flags_of(first, again)
    assert "first published 2024-03-04" in flags[("again", "stale")].evidence
    assert ("first", "stale") not in flags


def test_headline_typo() -> None:
    typo = annotated("typo", WIRE, title="Earthqauke strikes coastal town of Marlow")
    flags = flags_of(typo, CLEAN)
    evidence = flags[("typo", "headline-typo")].evidence
    assert "'Earthqauke'" in evidence and "'earthquake'" in evidence
    assert ("clean", "headline-typo") not in flags


def test_low_originality_and_near_copy() -> None:
    wire = annotated("wire", WIRE)
    copy = annotated("copy", WIRE + "\nAll rights reserved.", published=date(2024, 3, 5))
    flags = flags_of(wire, copy, CLEAN, duplicate_of={"copy": "wire"})
    assert flags[("copy", "near-copy")].evidence == "near-copy of article wire"
    rewrite = annotated(
        "rewrite",
        "\n".join(WIRE.split("\n")[:4])
        + "\nOur readers sent photographs of the damage to the newsroom.",
        published=date(2024, 3, 6),
    )
    flags = flags_of(wire, rewrite)
    evidence = flags[("rewrite", "low-originality")].evidence
    assert "20% of its sentences are its own" in evidence and "wire" in evidence


def test_a_year_bound_is_no_page_date() -> None:
    # A page dated only by the latest year it mentions (as 1 January) is not "stale",
    # and does not make a dated report of the event look like a late repeat.
    from dataclasses import replace

    bound = annotated("bound", WIRE, published=date(2024, 1, 1))
    bound = replace(bound, article=replace(bound.article, published_by="latest-year"))
    assert bound.article.publication_day is None
    dated = annotated("dated", DAILY, published=date(2024, 8, 1))
    flags = flags_of(bound, dated)
    assert ("bound", "stale") not in flags and ("dated", "stale") not in flags
    with_day = replace(bound, article=replace(bound.article, published_by="dateline"))
    assert ("dated", "stale") in flags_of(with_day, dated)
