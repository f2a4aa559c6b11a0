"""Dedup stage: exact and near-duplicate articles.

A near-duplicate is a re-publication of the same text with small edits (a new
intro, a dropped paragraph, another byline). It is linked to the article it
copies and is not counted as independent evidence.

>>> index = DuplicateIndex(seed=1)
>>> index.add("a", "the harbour bridge in port avery collapsed on tuesday morning injuring fourteen people and closing the main road")
>>> index.add("b", "the harbour bridge in port avery collapsed on tuesday morning injuring fourteen people and closing the main road").kind
'exact'
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)

#: Jaccard similarity of word 5-shingle sets above which two articles are one
#: text. 0.5 is the usual near-duplicate bar for news (re-published wire copy
#: with new intro/outro scores 0.6-0.95; independent reports of one event < 0.2),
#: checked on the example corpus's near-copy (0.8) and rewrite (< 0.1).
NEAR_DUPLICATE_JACCARD = 0.5
SHINGLE_WORDS = 5


@dataclass(frozen=True)
class DuplicateMatch:
    """``article_id`` copies ``original_id``; ``kind`` is "exact" or "near"."""

    original_id: str
    kind: str
    similarity: float


def normalized_words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(text: str, *, size: int = SHINGLE_WORDS) -> set[str]:
    words = normalized_words(text)
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def text_fingerprint(text: str) -> str:
    """Hash of the normalised words: equal for texts differing only in case, spacing, punctuation."""
    return hashlib.sha1(" ".join(normalized_words(text)).encode()).hexdigest()


class DuplicateIndex:
    """Online exact + MinHash-LSH near-duplicate index over article texts."""

    def __init__(
        self, *, threshold: float = NEAR_DUPLICATE_JACCARD, num_perm: int = 128, seed: int = 1
    ) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.seed = seed
        self.fingerprints_: dict[str, str] = {}
        self.shingles_: dict[str, set[str]] = {}
        self._lsh: Any = None

    def _minhash(self, grams: set[str]) -> Any:
        from datasketch import MinHash

        minhash = MinHash(num_perm=self.num_perm, seed=self.seed)
        minhash.update_batch([g.encode() for g in grams])
        return minhash

    def add(self, article_id: str, text: str) -> DuplicateMatch | None:
        """Index one article; return what it duplicates, if anything."""
        from datasketch import MinHashLSH

        if self._lsh is None:
            self._lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        fingerprint = text_fingerprint(text)
        exact = self.fingerprints_.get(fingerprint)
        grams = shingles(text)
        match = None
        if exact is not None:
            match = DuplicateMatch(original_id=exact, kind="exact", similarity=1.0)
        else:
            self.fingerprints_[fingerprint] = article_id
            minhash = self._minhash(grams)
            best: tuple[float, str] | None = None
            for candidate in self._lsh.query(minhash):
                other = self.shingles_[candidate]
                jaccard = len(grams & other) / max(1, len(grams | other))
                if jaccard >= self.threshold and (best is None or jaccard > best[0]):
                    best = (jaccard, candidate)
            if best is not None:
                match = DuplicateMatch(original_id=best[1], kind="near", similarity=round(best[0], 3))
            if article_id not in self.shingles_:
                self._lsh.insert(article_id, minhash)
        self.shingles_[article_id] = grams
        return match
