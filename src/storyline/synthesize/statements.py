"""Statements: one thing one speaker said, with how each outlet rendered it.

Two quotes from different articles are one statement when their speakers are
compatible (the same surname, or one unknown) and either their words overlap
(``QUOTE_SIM``, or one is a partial quote of the other) or they sit in
sentences aligned as one fact, or the words around them agree
(``CONTEXT_SIM``). The last two catch translations and paraphrases whose words
differ entirely ("end the war within 24 hours" / "resolve it in one day").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import AnnotatedArticle, Quote, QuoteVariant, Statement
from .text import content_stems, cosine_matrix, words

#: cosine of the quotes' own content stems at or above which two renderings are
#: one statement; set by inspection of quote pairs in the examples/ corpus.
QUOTE_SIM = 0.5
#: cosine of the sentences around two quotes (quote words removed) at or above
#: which they report one statement; set as FACT_SIM plus a margin, because the
#: quote words, the strongest evidence, are missing from the comparison.
CONTEXT_SIM = 0.45
#: content words the context needs before it counts ("Marsh said" alone says nothing).
MIN_CONTEXT_WORDS = 4
#: a quote of at most this many content words contained in a longer one is a
#: partial rendering of it.
MIN_PARTIAL_WORDS = 2


@dataclass(frozen=True)
class QuoteRef:
    article: int
    quote: Quote
    #: index of the fact holding the quote's sentence, or -1.
    fact: int
    context: str


def speaker_key(quote: Quote) -> str:
    """Surname-level key: "Vladimir Putin", "Putin" and "Mr. Putin" match."""
    name = quote.speaker_canonical or quote.speaker or ""
    tokens = [t for t in name.replace("’s", "").replace("'s", "").split() if t[:1].isalpha()]
    if not tokens or tokens[0].lower() in {"he", "she", "they", "i", "we", "it", "you"}:
        return ""
    return tokens[-1].lower().strip(".,")


def collect(
    articles: Sequence[AnnotatedArticle], fact_of: dict[tuple[int, int], int]
) -> list[QuoteRef]:
    refs = []
    for a, annotated in enumerate(articles):
        text = annotated.article.text
        bounds = {s.index: (s.start, s.end) for s in annotated.sentences}
        for quote in annotated.quotes:
            start, end = bounds.get(quote.sentence_index, (quote.start, quote.end))
            context = (
                text[min(start, quote.start) : quote.start]
                + " "
                + text[quote.end : max(end, quote.end)]
            )
            refs.append(QuoteRef(a, quote, fact_of.get((a, quote.sentence_index), -1), context))
    return refs


def group_statements(
    articles: Sequence[AnnotatedArticle], refs: Sequence[QuoteRef]
) -> list[list[QuoteRef]]:
    """Groups of quote renderings that are one statement."""
    n = len(refs)
    if n == 0:
        return []
    quote_sim = cosine_matrix([r.quote.text for r in refs])
    context_sim = cosine_matrix([r.context for r in refs])
    stems = [set(content_stems(r.quote.text)) for r in refs]
    context_words = [len(content_stems(r.context)) for r in refs]
    keys = [speaker_key(r.quote) for r in refs]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if refs[i].article == refs[j].article:
                continue
            if keys[i] and keys[j] and keys[i] != keys[j]:
                continue
            small, large = sorted((stems[i], stems[j]), key=len)
            same = (
                quote_sim[i, j] >= QUOTE_SIM
                or (len(small) >= MIN_PARTIAL_WORDS and small <= large)
                or (refs[i].fact >= 0 and refs[i].fact == refs[j].fact)
                or (
                    bool(keys[i])
                    and keys[i] == keys[j]
                    and min(context_words[i], context_words[j]) >= MIN_CONTEXT_WORDS
                    and context_sim[i, j] >= CONTEXT_SIM
                )
            )
            if same:
                parent[find(j)] = find(i)
    groups: dict[int, list[QuoteRef]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(refs[i])
    return list(groups.values())


def build_statements(
    articles: Sequence[AnnotatedArticle], groups: Sequence[Sequence[QuoteRef]]
) -> list[tuple[Statement, list[QuoteRef]]]:
    """Statements with their quote renderings, those rendered by the most outlets first."""
    ids = [a.id for a in articles]
    statements = []
    for group in groups:
        names = [r.quote.speaker_canonical or r.quote.speaker for r in group]
        named = [x for x in names if x and x.lower() not in {"he", "she", "they", "i", "we", "it"}]
        speaker = max(named, key=len) if named else (names[0] if names[0] else "unknown")
        seen = set()
        variants = []
        for ref in sorted(group, key=lambda r: (r.article, r.quote.start)):
            key = (ref.article, ref.quote.text)
            if key in seen:
                continue
            seen.add(key)
            variants.append(QuoteVariant(article_id=ids[ref.article], text=ref.quote.text))
        outlets = len({v.article_id for v in variants})
        first = min((r.article, r.quote.start) for r in group)
        statements.append(
            (outlets, first, Statement(speaker=speaker, variants=tuple(variants)), list(group))
        )
    statements.sort(key=lambda s: (-s[0], s[1]))
    return [(s[2], s[3]) for s in statements]


def wording(text: str) -> str:
    """A rendering's words, lower-cased and space-padded: case and punctuation do not count."""
    return " " + " ".join(w.lower() for w in words(text)) + " "


def reworded(first: str, second: str) -> bool:
    """Whether two :func:`wording` forms differ beyond one being a stretch of the other's words."""
    return first not in second and second not in first


def differs(variants: Sequence[QuoteVariant]) -> bool:
    """True when two outlets word the statement differently.

    Case and punctuation do not count, nor a partial quote that is a stretch of
    the longer rendering's words.
    """
    forms = [(v.article_id, wording(v.text)) for v in variants]
    for i, (article_i, text_i) in enumerate(forms):
        for article_j, text_j in forms[i + 1 :]:
            if article_i != article_j and reworded(text_i, text_j):
                return True
    return False


def wording_difference(first: str, second: str) -> str:
    """Word-level difference of two renderings: ``[-only in first-] [+only in second+]``.

    For reports: shows how two outlets worded one statement, e.g.
    ``wording_difference("end the war within 24 hours", "end the war in one day")``
    gives ``"end the war [-within 24 hours-] [+in one day+]"``.
    """
    from difflib import SequenceMatcher

    a, b = first.split(), second.split()
    parts = []
    for op, i1, i2, j1, j2 in SequenceMatcher(
        a=[w.lower() for w in a], b=[w.lower() for w in b]
    ).get_opcodes():
        if op == "equal":
            parts.append(" ".join(a[i1:i2]))
            continue
        if i2 > i1:
            parts.append(f"[-{' '.join(a[i1:i2])}-]")
        if j2 > j1:
            parts.append(f"[+{' '.join(b[j1:j2])}+]")
    return " ".join(parts)
