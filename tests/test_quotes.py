"""Direct quotes, cue verbs and speakers (spaCy en_core_web_sm on invented texts)."""

from __future__ import annotations

import pytest

from storyline.annotate.quotes import quote_spans
from storyline.model import Article, Quote


@pytest.fixture(scope="module")
def quotes_of(annotator):
    def run(text: str) -> list[Quote]:
        return list(annotator.annotate(Article(id="t", source="t", title="", text=text)).quotes)

    return run


def test_quote_spans_pair_marks_and_close_at_paragraph_end() -> None:
    text = '“One,” he said. "Two."\n“Three, over paragraphs\n“Four.”'
    spans = [text[a:b] for a, b, _ in quote_spans(text)]
    assert spans == ["One,", "Two.", "Three, over paragraphs", "Four."]


def test_split_quote_is_one_quote_with_a_described_speaker(quotes_of) -> None:
    text = (
        'Vladimir Putin spoke in Moscow on Friday. "We are ready to talk," the Russian president said, '
        '"but not at any price."'
    )
    (quote,) = quotes_of(text)
    assert quote.text == "We are ready to talk, … but not at any price."
    assert quote.speaker == "the Russian president"
    assert text[quote.speaker_start : quote.speaker_end] == "the Russian president"
    assert quote.speaker_canonical == "Vladimir Putin"
    assert quote.cue == "said"
    assert quote.sentence_index == 1


def test_pronoun_speaker_resolves_to_the_named_person(quotes_of) -> None:
    text = 'Mayor Elena Ruiz visited the harbour on Tuesday.\n\n"Every home will be rebuilt," she said. "Nobody will be left behind."'
    (quote,) = quotes_of(text)
    assert quote.speaker == "she"
    assert quote.speaker_canonical == "Elena Ruiz"
    assert quote.text.endswith("Nobody will be left behind.")


def test_partial_quotes(quotes_of) -> None:
    text = 'Senator Tom Hale called the plan "a reckless gamble" and said it would "end the war within 24 hours".'
    quotes = quotes_of(text)
    assert [q.text for q in quotes] == ["a reckless gamble", "end the war within 24 hours"]
    assert all(q.speaker_canonical == "Tom Hale" for q in quotes)


def test_quote_over_several_sentences_after_a_colon(quotes_of) -> None:
    text = (
        "Kenji Sato, the company's chief executive, told reporters: "
        '"Sales fell by a third. We expect a better year. Our staff have worked hard."'
    )
    (quote,) = quotes_of(text)
    assert quote.text.startswith("Sales fell") and quote.text.endswith("worked hard.")
    assert quote.speaker_canonical == "Kenji Sato"
    assert quote.cue == "told"


def test_inverted_attribution_and_according_to(quotes_of) -> None:
    (quote,) = quotes_of('"The bridge is safe," said Anna Berg, a city engineer, on Monday.')
    assert quote.speaker == "Anna Berg"
    (quote,) = quotes_of('According to Maria Lopez, "the talks collapsed after midnight."')
    assert quote.speaker_canonical == "Maria Lopez"


def test_quote_continues_over_paragraphs_with_surname_resolved(quotes_of) -> None:
    text = (
        "Prime Minister Olaf Brandt said the budget was fair.\n\n"
        '"We have cut waste everywhere," Brandt said.\n\n'
        '"And we will keep cutting until the books balance."'
    )
    first, second = quotes_of(text)
    assert first.speaker_canonical == second.speaker_canonical == "Olaf Brandt"
    assert second.sentence_index == 2


def test_a_title_is_not_a_quote(quotes_of) -> None:
    quotes = quotes_of('Critics disliked the film "Blue Harbour" and its sequel.')
    assert quotes == []


def test_speaker_phrase_stops_at_a_line_break(quotes_of) -> None:
    # The parse joins "Mayor" to the name on the next line; a speaker never runs over a
    # line break (the words before it are a heading, a byline or a wrapped line).
    text = '"Every home will be rebuilt," said Mayor\nElena Ruiz of Harbour City.'
    (quote,) = quotes_of(text)
    assert quote.speaker == "Elena Ruiz of Harbour City"
    assert text[quote.speaker_start : quote.speaker_end] == quote.speaker
