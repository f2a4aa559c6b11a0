"""Direct quotes, their cue verbs and their speakers.

How a quote is found:

1. Quotation marks are paired within a paragraph (curly ``“ ”`` and straight
   ``"``); a quote left open at the end of a paragraph ends there (news style
   re-opens a quote that runs over several paragraphs).
2. Each quoted passage is attributed from the words of its sentence that are
   outside quotation marks: a speech verb ("said", "told", "according to") and
   its subject; a quote with no attribution of its own takes it from a
   preceding "X said:" sentence, or continues the previous quote's speaker when
   it opens a paragraph right after it.
3. Passages split by their attribution (``"...," he said, "..."``) and
   consecutive passages of one speaker in one paragraph become one quote.
4. A logistic model decides whether a quoted passage is a quote at all (and not
   a scare quote, a title or a nickname); its weights were fitted on PolNeAR
   train by ``scripts/fit_quote_model.py`` and live in ``quote_model.json``.

The speaker is the mention the article attributes the quote to ("he", "the
Russian president", "Mr Putin"); ``speaker_canonical`` resolves it to the
article's full name for that person where the article allows: the name
entity it contains, else for a pronoun or a description the nearest person
named before it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ..model import Entity, Quote

#: lemmas of verbs (and "according") that attribute speech or writing.
SPEECH_VERBS = frozenset(
    """
    say tell add state announce declare explain write claim insist warn note argue ask
    reply respond acknowledge admit describe call confirm deny suggest promise vow urge
    predict continue conclude recall report quip tweet post joke complain boast remark
    observe point recount shout chant scream yell testify assert contend maintain comment
    concede emphasize emphasise stress pledge demand charge accuse criticize criticise praise
    thank lament muse wonder agree caution advise counter retort reiterate repeat mention
    signal indicate read put according exclaim whisper mutter reveal allege tout declare
    proclaim announce email text message quote cite blast slam rip mock tease lash
    summarize summarise elaborate clarify
    """.split()
)

#: pronouns that stand for a person named earlier.
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "they", "them", "i", "we", "you"})

_OPENERS = "“"
_CLOSERS = "”"
_STRAIGHT = '"'
_MARKS = re.compile(r'["“”]')
#: a quote longer than this many characters is a pairing error, not a quote.
MAX_QUOTE_CHARS = 3000
#: passages of one speaker closer than this many characters merge into one quote
#: (the attribution between the halves of a split quote is short).
MERGE_GAP_CHARS = 250


@dataclass
class _Passage:
    start: int
    end: int
    paragraph: int
    speaker_span: tuple[int, int] | None = None
    cue: str | None = None
    how: str = "none"
    features: dict[str, float] = field(default_factory=dict)


def quote_spans(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, paragraph)`` of the text inside each pair of quotation marks."""
    spans = []
    offset = 0
    for number, paragraph in enumerate(text.split("\n")):
        open_at: int | None = None
        for match in _MARKS.finditer(paragraph):
            mark, at = match.group(), match.start()
            before = paragraph[at - 1] if at else " "
            after = paragraph[at + 1] if at + 1 < len(paragraph) else " "
            if open_at is None:
                # A closing curly mark glued to the next word is a mis-typed opener.
                if mark in _OPENERS + _STRAIGHT or (after.isalnum() and not before.isalnum()):
                    open_at = at + 1
            elif mark in _CLOSERS + _STRAIGHT or (mark in _OPENERS and not after.isalnum()):
                if at > open_at:
                    spans.append((offset + open_at, offset + at, number))
                open_at = None
            else:  # a second opener: the first was never closed; restart here.
                open_at = at + 1
        if open_at is not None and len(paragraph) - open_at > 1:
            spans.append((offset + open_at, offset + len(paragraph.rstrip()), number))
        offset += len(paragraph) + 1
    return [(s, e, p) for s, e, p in spans if 0 < e - s <= MAX_QUOTE_CHARS and text[s:e].strip()]


@cache
def _model() -> dict[str, Any]:
    path = resources.files(__package__).joinpath("quote_model.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except FileNotFoundError:  # before the model is fitted: keep every passage
        return {"bias": 10.0, "weights": {}, "threshold": 0.5}


def quote_probability(features: dict[str, float], model: dict[str, Any] | None = None) -> float:
    """Probability that a quoted passage is an attributed direct quote."""
    model = model or _model()
    score = model["bias"] + sum(model["weights"].get(k, 0.0) * v for k, v in features.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))


def extract_quotes(
    doc: Any, *, entities: Sequence[Entity], keep_all: bool = False
) -> tuple[Quote, ...]:
    """Find direct quotes in a spaCy ``doc`` and attribute each to a speaker.

    ``keep_all`` skips the quote/not-a-quote model (used to fit it).
    """
    passages = find_passages(doc)
    if not passages:
        return ()
    model = _model()
    text = doc.text
    if not keep_all:
        passages = [
            p for p in passages if quote_probability(p.features, model) >= model["threshold"]
        ]
    sentences = [s for s in doc.sents if s.text.strip()]
    sentence_starts = [s.start_char for s in sentences]
    people = sorted(
        (e for e in entities if e.label in {"PERSON", "ORG", "GPE", "NORP"}), key=lambda e: e.start
    )
    quotes = []
    for group in _merge(passages, text):
        first, last = group[0], group[-1]
        owner = next((p for p in group if p.speaker_span), first)
        speaker_text = canonical = None
        span = owner.speaker_span
        if span is not None:
            speaker_text = text[span[0] : span[1]]
            canonical = _resolve(speaker_text, span, people)
        quotes.append(
            Quote(
                text=" … ".join(" ".join(text[p.start : p.end].split()) for p in group),
                start=first.start,
                end=last.end,
                speaker=speaker_text,
                speaker_canonical=canonical,
                cue=owner.cue,
                sentence_index=max(0, _bisect(sentence_starts, first.start)),
                speaker_start=span[0] if span else None,
                speaker_end=span[1] if span else None,
            )
        )
    return tuple(quotes)


def find_passages(doc: Any) -> list[_Passage]:
    """Every quoted passage of ``doc`` with its attribution and model features."""
    text = doc.text
    spans = quote_spans(text)
    if not spans:
        return []
    inside = bytearray(len(text))
    for start, end, _ in spans:
        inside[max(0, start - 1) : end + 1] = b"\x01" * (
            min(len(text), end + 1) - max(0, start - 1)
        )
    sentences = [s for s in doc.sents if s.text.strip()]
    starts = [s.start_char for s in sentences]
    paragraph_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    passages: list[_Passage] = []
    for start, end, paragraph in spans:
        passage = _Passage(start=start, end=end, paragraph=paragraph)
        first = max(0, _bisect(starts, start))
        last = max(first, _bisect(starts, max(start, end - 1)))
        # The quote's own sentences, plus the start of a sentence right after
        # it that spaCy split off ('"...," said Tim Hess, a developer ...').
        window = list(sentences[first : last + 1])
        if last + 1 < len(sentences):
            nxt = sentences[last + 1]
            if (
                nxt.start_char - end <= 3
                and "\n" not in text[end : nxt.start_char]
                and not inside[nxt.start_char]
            ):
                window.append(nxt[: min(len(nxt), 6)])
        found = _adjacent(doc, text, inside, start, end)
        previous = passages[-1] if passages else None
        if (
            found is None
            and previous is not None
            and previous.paragraph == paragraph
            and previous.speaker_span
        ):
            # The second half of '"...," he said. "..."' belongs to the same speaker.
            # ... unless another speech verb with another subject comes between
            # ('"...," Marsh said. She repeated: "..."' is a new attribution).
            between = doc.char_span(previous.end, start, alignment_mode="expand") or ()
            other_speaker = any(
                _subject(t, inside) not in (None, previous.speaker_span)
                for t in between
                if not inside[t.idx] and t.pos_ == "VERB" and t.lemma_.lower() in SPEECH_VERBS
            )
            if not other_speaker:
                found = (None, previous.speaker_span)
                passage.cue, passage.how, passage.speaker_span = (
                    previous.cue,
                    "continued",
                    previous.speaker_span,
                )
        if found is None:
            found = _governor(doc, inside, start, end, speech_only=True)
        if found is None:
            cue, subject = _attribution(window, inside, start, end)
            if cue is not None and subject is not None:
                found = (cue, subject)
        if found is not None:
            if found[0] is not None:
                passage.cue, passage.how, passage.speaker_span = found[0].text, "sentence", found[1]
        else:
            dash = _DASH_SPEAKER.match(text, end + 1)
            governor = _governor(doc, inside, start, end, speech_only=False)
            if dash:
                passage.how, passage.speaker_span = "dash", (dash.start(1), dash.end(1))
            elif governor is not None:
                passage.cue, passage.how, passage.speaker_span = (
                    governor[0].text,
                    "governor",
                    governor[1],
                )
            elif cue is not None:
                passage.cue, passage.how = cue.text, "cue-only"
            # "X said:" right before the quote.
            if (
                passage.how in {"none", "governor"}
                and first > 0
                and start - sentences[first].start_char <= 2
            ):
                prev = sentences[first - 1]
                if prev.text.rstrip().endswith(":"):
                    cue, subject = _attribution([prev], inside, -1, -1)
                    if cue is not None and subject is not None:
                        passage.cue, passage.how, passage.speaker_span = cue.text, "colon", subject
            # 'Former secretary Hillary Clinton: "We learned ..."'
            label = _COLON_SPEAKER.search(text, max(0, start - 120), max(0, start - 1))
            if (
                passage.how in {"none", "governor", "cue-only"}
                and label
                and len(label.group(1).split()) <= 8
            ):
                passage.how, passage.speaker_span = "colon", (label.start(1), label.end(1))
            # A paragraph that opens with a quote continues the last speaker.
            if passage.how == "none" and passages:
                previous = passages[-1]
                opens_paragraph = start - paragraph_starts[paragraph] <= 1
                near = (
                    opens_paragraph and paragraph - previous.paragraph <= 2
                ) or paragraph == previous.paragraph
                if near and previous.speaker_span:
                    passage.cue, passage.how = previous.cue, "continued"
                    passage.speaker_span = previous.speaker_span
        # 'Or maybe Jeb Bush, consultant Phil Musser says. "Several surveys ..."'
        if (
            passage.how in {"none", "cue-only"}
            and first > 0
            and start - sentences[first].start_char <= 2
        ):
            prev = sentences[first - 1]
            if "\n" not in text[prev.end_char : start]:
                cue, subject = _attribution([prev], inside, -1, -1)
                if cue is not None and subject is not None:
                    passage.cue, passage.how, passage.speaker_span = cue.text, "previous", subject
        passage.features = _features(text, passage, sentences[first], inside, paragraph_starts)
        passages.append(passage)
    return passages


#: "Name Surname:" right before a quote (at most eight words, after a boundary).
_COLON_SPEAKER = re.compile(
    r"(?:^|(?<=[.\n―—–-]))[ \t\u00a0]*([A-Z][^\n.:;―—–]{1,80}?)[ \t\u00a0]*:[ \t\u00a0]*[\"“]?$"
)
_DASH_SPEAKER = re.compile(r"[ \t\u00a0]*[―—–-]+[ \t\u00a0]*([A-Z][^\n,.;:()]{1,60})")


def _adjacent(
    doc: Any, text: str, inside: bytearray, start: int, end: int
) -> tuple[Any, tuple[int, int]] | None:
    """A speech verb right after or right before the quote ('"...," he said' / 'Trump said, "..."').

    ``text`` is ``doc.text``, passed in: spaCy rebuilds that string from every token on
    each access, which made quote finding quadratic in the length of an article.
    """
    body_end = text[start:end].rstrip()[-1:]
    after = doc.char_span(end, min(len(text), end + 60), alignment_mode="expand")
    for token in [t for t in after or () if not inside[t.idx]][:5]:
        between = text[end + 1 : token.idx]
        if "\n" in between:
            break
        # '"... end." Merrill says' starts a new sentence; '"...," he said' does not.
        if _is_cue(token):
            if body_end in {".", "!", "?"} and text[end + 1 : token.idx].strip()[:1].isupper():
                break
            subject = _subject(token, inside)
            if subject is not None:
                return token, subject
    before = doc.char_span(max(0, start - 60), start, alignment_mode="expand")
    for token in reversed([t for t in before or () if not inside[t.idx]][-3:]):
        if _is_cue(token):
            # 'Trump boasted, "..."' / 'He said: "..."'
            if text[token.idx + len(token.text) : start].strip(' ,:"“\u00a0') == "":
                subject = _subject(token, inside)
                if subject is not None:
                    return token, subject
    return None


#: attribute a quote inside a reported chain to its outermost speech verb; measured
#: on PolNeAR train (speaker accuracy 0.841 -> 0.845 with it).
OUTERMOST = True


def _governor(
    doc: Any, inside: bytearray, start: int, end: int, *, speech_only: bool
) -> tuple[Any, tuple[int, int]] | None:
    """The verb that governs the quote in the parse, and its subject's span.

    With ``speech_only`` only speech verbs count; otherwise the first verb up
    the tree with a subject outside the quote ("Obama condemned the test as
    "provocative"").
    """
    roots = []
    for token in doc.char_span(start, end, alignment_mode="expand") or ():
        head = token.head
        if head.i == token.i or not (start - 1 <= head.idx <= end):
            roots.append(token)
    for root in roots:
        node = root
        found = None
        for _ in range(12):
            if node.head.i == node.i:
                break
            node = node.head
            if inside[node.idx] or node.pos_ not in {"VERB", "AUX"}:
                continue
            if speech_only and node.lemma_.lower() not in SPEECH_VERBS:
                continue
            subject = _subject(node, inside)
            if subject is not None:
                found = (node, subject)
                # PolNeAR attributes a nested report to its outermost source
                # ("Israel said Clinton called on members to be "..."").
                if not (speech_only and OUTERMOST):
                    break
        if found is not None:
            return found
    return None


def _is_cue(token: Any) -> bool:
    """A speech verb, or the "according" of "according to"."""
    if token.lower_ == "according":
        return True
    return token.pos_ in {"VERB", "AUX"} and token.lemma_.lower() in SPEECH_VERBS


def _attribution(
    window: Sequence[Any], inside: bytearray, start: int, end: int
) -> tuple[Any, tuple[int, int] | None]:
    """The speech verb nearest the quote in ``window`` (outside quotes) and its subject span."""
    best = None
    for sentence in window:
        for token in sentence:
            if inside[token.idx] or not _is_cue(token):
                continue
            distance = min(abs(token.idx - start), abs(token.idx - end)) if start >= 0 else 0
            subject = _subject(token, inside)
            # A verb with a subject outranks a closer one without.
            key = (subject is None, distance)
            if best is None or key < best[0]:
                best = (key, token, subject)
    if best is None:
        return None, None
    return best[1], best[2]


def _subject(verb: Any, inside: bytearray) -> tuple[int, int] | None:
    """Char span of the speaker phrase of a speech verb, outside any quote."""
    if verb.lower_ == "according":
        for child in verb.children:
            if child.dep_ == "prep":
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj":
                        return _span(grandchild, inside)
        return None
    candidates = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
    if not candidates and verb.lemma_.lower() in {"say", "add", "write", "tell", "ask", "tweet"}:
        # '"...," said Smith': spaCy may attach the speaker as an object.
        candidates = [
            c
            for c in verb.children
            if c.dep_ in {"dobj", "attr"} and c.idx > verb.idx and c.pos_ == "PROPN"
        ]
    if not candidates and verb.dep_ == "acl" and not inside[verb.head.idx]:
        # "protesters chanting "...": the noun the participle describes.
        return _span(verb.head, inside)
    node = verb
    for _ in range(3):
        if candidates or node.head is node:
            break
        # "Sanders said, suggesting ...", "In declaring ..., the pope": the
        # subject of the verb the clause hangs on.
        node = node.head
        candidates = [
            c for c in node.children if c.dep_ in {"nsubj", "nsubjpass"} and c is not verb
        ]
    for child in candidates:
        if inside[child.idx]:
            continue
        if child.dep_ == "nsubjpass":
            # "he was quoted as saying" is fine; "it was said by X" -> the agent.
            for agent in verb.children:
                if agent.dep_ == "agent":
                    for pobj in agent.children:
                        if pobj.dep_ == "pobj":
                            return _span(pobj, inside)
        if child.lower_ in {"who", "that", "which"} and verb.dep_ == "relcl":
            return _span(verb.head, inside)
        return _span(child, inside)
    return None


def _span(token: Any, inside: bytearray) -> tuple[int, int]:
    """The phrase headed by ``token``, cut where a quote or a clause begins."""
    doc = token.doc
    left, right = token.left_edge.i, token.right_edge.i
    # Keep to the contiguous run of non-quoted words around the head.
    i = token.i
    while i > left and not inside[doc[i - 1].idx] and _wordlike(doc[i - 1]):
        i -= 1
    j = token.i
    while j < right and not inside[doc[j + 1].idx] and _wordlike(doc[j + 1]):
        if doc[j + 1].dep_ in {"relcl", "acl"}:
            break
        j += 1
    start = doc[i].idx
    # Never run over a line break: a dateline or a heading is not the speaker. The
    # phrase's own text is read (not doc.text, which spaCy rebuilds from every token).
    phrase = doc[i : j + 1].text  # the text from start to end
    head_at = token.idx - start
    first = phrase.rfind("\n", 0, head_at) + 1
    last = phrase.find("\n", head_at)
    return start + first, start + (last if last >= 0 else len(phrase))


def _wordlike(token: Any) -> bool:
    return token.pos_ != "PUNCT" and any(c.isalnum() for c in token.text)


_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "his", "her", "their", "our", "its"})


def _resolve(speaker: str, span: tuple[int, int], people: Sequence[Entity]) -> str | None:
    """The canonical name the speaker mention stands for, where the article allows."""
    inside = [p for p in people if p.start < span[1] and p.end > span[0]]
    persons = [p for p in people if p.label == "PERSON"]
    for entity in inside:
        if entity.label == "PERSON":
            return entity.canonical
    words = speaker.replace("’s", "").replace("'s", "").split()
    if not words:
        return None
    first = words[0].lower()
    if first not in PERSON_PRONOUNS and first not in _DETERMINERS:
        # A surname the tagger missed or mislabelled ("Brandt said") names a
        # person named in full earlier.
        last = words[-1].strip(".,")
        for person in persons:
            if person.canonical.split()[-1:] == [last] and person.start < span[0]:
                return person.canonical
    for entity in inside:
        if entity.label == "ORG":
            return entity.canonical
    for entity in inside:
        # "Russia said": a place or group that is the whole speaker, not part of
        # a description ("the Russian president").
        if entity.end - entity.start >= 0.6 * (span[1] - span[0]):
            return entity.canonical
    if first not in PERSON_PRONOUNS and first not in _DETERMINERS:
        return None
    # A pronoun or a description ("the Russian president") refers to the nearest
    # person named before it.
    before = [p for p in persons if p.end <= span[0]]
    if before:
        return before[-1].canonical
    return None


def _merge(passages: Sequence[_Passage], text: str) -> list[list[_Passage]]:
    """Group split quotes and consecutive passages of one speaker in one paragraph."""
    groups: list[list[_Passage]] = []
    for passage in passages:
        if groups:
            last = groups[-1][-1]
            gap = text[last.end : passage.start]
            same_speaker = (
                passage.speaker_span == last.speaker_span
                or passage.speaker_span is None
                or last.speaker_span is None
            )
            speaker_between = (
                last.speaker_span is not None and last.end <= last.speaker_span[0] < passage.start
            )
            if (
                passage.paragraph == last.paragraph
                and len(gap) <= MERGE_GAP_CHARS
                and same_speaker
                and (speaker_between or not gap.strip(' ,.;:—–-"“”'))
                # the quote restarts after the attribution, not inside a new clause
                and gap.rstrip(' "“\u00a0')[-1:] in {",", ".", ":", ";", ""}
            ):
                groups[-1].append(passage)
                continue
        groups.append([passage])
    return groups


def _bisect(starts: list[int], position: int) -> int:
    low, high = 0, len(starts)
    while low < high:
        mid = (low + high) // 2
        if starts[mid] <= position:
            low = mid + 1
        else:
            high = mid
    return low - 1


def _features(
    text: str, passage: _Passage, sentence: Any, inside: bytearray, paragraph_starts: list[int]
) -> dict[str, float]:
    """What tells a quote from a scare quote, a title or a nickname."""
    body = text[passage.start : passage.end]
    words = body.split()
    n = len(words)
    before = text[max(0, passage.start - 40) : max(0, passage.start - 1)]
    after = text[passage.end + 1 : passage.end + 30]
    para_start = paragraph_starts[passage.paragraph]
    speaker = (
        text[passage.speaker_span[0] : passage.speaker_span[1]] if passage.speaker_span else ""
    )
    features = {
        "log_words": math.log1p(n),
        "one_word": float(n == 1),
        "short": float(n <= 3),
        "has_verb_attr": float(passage.how == "sentence"),
        "governor_attr": float(passage.how == "governor"),
        "dash_attr": float(passage.how == "dash"),
        "cue_only": float(passage.how == "cue-only"),
        "colon_attr": float(passage.how == "colon"),
        "previous_attr": float(passage.how == "previous"),
        "continued": float(passage.how == "continued"),
        "no_attr": float(passage.how == "none"),
        "has_speaker": float(passage.speaker_span is not None),
        "speaker_pronoun": float(speaker.lower() in PERSON_PRONOUNS),
        "ends_punct": float(body.rstrip()[-1:] in {",", ".", "?", "!"}),
        "ends_comma": float(body.rstrip()[-1:] == ","),
        "starts_upper": float(body.lstrip()[:1].isupper()),
        "opens_paragraph": float(passage.start - para_start <= 1),
        "opens_sentence": float(passage.start - sentence.start_char <= 1),
        "title_case": float(
            n > 0 and n <= 8 and all(w[:1].isupper() for w in words if w[:1].isalpha())
        ),
        "after_called": float(
            bool(
                re.search(
                    r"(called|dubbed|named|so-called|known as|termed|titled|the)\s*$", before, re.I
                )
            )
        ),
        "after_colon": float(before.rstrip().endswith(":")),
        "after_that": float(bool(re.search(r"\b(that|to|as|of|is|was|be|are)\s*$", before, re.I))),
        "in_tweet": float("<tweet" in text[max(0, para_start - 1) : passage.start]),
        "followed_by_cue": float(
            bool(
                re.search(
                    r"^[\s,]*(he|she|they|\w+)?\s*(said|says|told|added|asked|wrote|tweeted)",
                    after,
                    re.I,
                )
            )
        ),
        "after_on": float(bool(re.search(r"\b(on|in|for|with)\s*$", before, re.I))),
    }
    return features
