"""Direct quotes and their speakers.

A quote is text between matching quotation marks; its speaker is the PERSON
(or ORG) named as the subject of a speech verb in the same sentence, else the
nearest preceding PERSON in the sentence or the one before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..model import Entity, Quote

_QUOTE = re.compile(r"[\"“”]([^\"“”]{2,1200})[\"“”]")

#: verbs that attribute speech; the lemma of the head verb is tested.
SPEECH_VERBS = frozenset(
    {
        "say", "tell", "add", "state", "announce", "declare", "explain", "write", "claim",
        "insist", "warn", "note", "argue", "ask", "reply", "respond", "acknowledge",
        "admit", "describe", "call", "confirm", "deny", "suggest", "promise", "vow",
        "urge", "predict", "continue", "conclude", "recall", "report", "quip", "tweet",
    }
)


def extract_quotes(doc: Any, *, entities: Sequence[Entity]) -> tuple[Quote, ...]:
    """Find direct quotes in a spaCy ``doc`` and attribute each to a speaker."""
    text = doc.text
    sentences = list(doc.sents)
    starts = [s.start_char for s in sentences]
    people = [e for e in entities if e.label in {"PERSON", "ORG"}]
    quotes = []
    for match in _QUOTE.finditer(text):
        content = match.group(1).strip()
        if len(content.split()) < 1:
            continue
        start, end = match.start(1), match.end(1)
        index = max(0, _bisect(starts, start))
        sentence = sentences[index]
        speaker, cue = _speaker_in(sentence, start, end, people)
        if speaker is None and index > 0:
            speaker, cue = _speaker_in(sentences[index - 1], -1, -1, people)
        quotes.append(
            Quote(
                text=content,
                start=start,
                end=end,
                speaker=speaker.text if speaker else None,
                speaker_canonical=speaker.canonical if speaker else None,
                cue=cue,
                sentence_index=index,
            )
        )
    return tuple(quotes)


def _bisect(starts: list[int], position: int) -> int:
    low, high = 0, len(starts)
    while low < high:
        mid = (low + high) // 2
        if starts[mid] <= position:
            low = mid + 1
        else:
            high = mid
    return low - 1


def _speaker_in(sentence: Any, quote_start: int, quote_end: int, people: Sequence[Entity]) -> tuple[Entity | None, str | None]:
    """The speaker of a quote within ``sentence``: subject of a speech verb, else nearest name."""
    cue = None
    for token in sentence:
        if token.lemma_.lower() in SPEECH_VERBS and not (quote_start <= token.idx < quote_end):
            cue = token.text
            for child in token.children:
                if child.dep_ in {"nsubj", "nsubjpass"}:
                    span_start = child.left_edge.idx
                    span_end = child.right_edge.idx + len(child.right_edge.text)
                    for person in people:
                        if person.start < span_end and person.end > span_start:
                            return person, cue
            break
    outside = [
        p
        for p in people
        if sentence.start_char <= p.start < sentence.end_char and not (quote_start <= p.start < quote_end)
    ]
    if outside:
        return min(outside, key=lambda p: abs(p.start - quote_start)), cue
    return None, cue
