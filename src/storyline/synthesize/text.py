"""Words, stems, numbers and sentence similarity shared by the synthesis modules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*\d|\d")
_SPLIT_SENTENCES = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9])|\n+")

#: common English function words; they carry no content for alignment.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves said says say told according mr mrs ms one would could may might must
    """.split()
)

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}  # fmt: skip
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|"
    + "|".join(_NUMBER_WORDS)
    + r")(?:\s+(thousand|million|billion|trillion))?(?![\w])",
    re.IGNORECASE,
)
_SUFFIXES = ("ational", "ization", "fulness", "iveness", "ingly", "ments", "ation", "ness",
             "ment", "ings", "ing", "ied", "ies", "ed", "es", "ly", "s")  # fmt: skip


def stem(word: str) -> str:
    """A light suffix-stripping stem ("reported", "reports" -> "report")."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_stems(text: str) -> list[str]:
    """Stems of the content words of ``text`` (stopwords dropped, numbers kept)."""
    return [stem(w) for w in words(text) if w.lower() not in STOPWORDS]


def word_count(text: str) -> int:
    return len(text.split())


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Fast regex sentence spans, for text that has no spaCy annotation."""
    spans = []
    start = 0
    for match in _SPLIT_SENTENCES.finditer(text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def numbers(text: str) -> list[tuple[float, str, str]]:
    """``(value, as written, the word after it)`` for every number in ``text``."""
    found = []
    for match in _NUMBER.finditer(text):
        raw, scale = match.group(1), match.group(2)
        lowered = raw.lower()
        if lowered in _NUMBER_WORDS:
            value = float(_NUMBER_WORDS[lowered])
        else:
            try:
                value = float(raw.replace(",", ""))
            except ValueError:
                continue
        if scale:
            value *= _SCALES[scale.lower()]
        following = words(text[match.end() : match.end() + 30])
        unit = stem(following[0]) if following else ""
        found.append((value, match.group(0), unit))
    return found


def tfidf_matrix(texts: Sequence[str], *, ngram_range: tuple[int, int] = (1, 1)) -> Any:
    """L2-normalised TF-IDF rows (scipy sparse) of content stems.

    Sublinear tf and smoothed idf, as scikit-learn's TfidfVectorizer computes
    them; written out because importing scikit-learn costs seconds.
    """
    from scipy.sparse import csr_matrix

    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, text in enumerate(texts):
        counts: dict[int, int] = {}
        for gram in _ngrams(content_stems(text), ngram_range):
            column = vocabulary.setdefault(gram, len(vocabulary))
            counts[column] = counts.get(column, 0) + 1
        for column, count in counts.items():
            rows.append(row)
            cols.append(column)
            values.append(1.0 + np.log(count))
    matrix = csr_matrix((values, (rows, cols)), shape=(len(texts), max(1, len(vocabulary))))
    document_frequency = np.bincount(np.asarray(cols, dtype=np.int64), minlength=matrix.shape[1])
    idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0
    matrix = matrix.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return csr_matrix(matrix.multiply(1.0 / norms[:, None]))


def _ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams: list[str] = []
    for n in range(low, high + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def cosine_matrix(texts: Sequence[str], *, ngram_range: tuple[int, int] = (1, 1)) -> Any:
    """Dense sentence-by-sentence cosine similarity (numpy array)."""
    matrix = tfidf_matrix(texts, ngram_range=ngram_range)
    return (matrix @ matrix.T).toarray()
