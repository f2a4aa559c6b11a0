"""The clusterer's innermost loops over sparse ``term -> weight`` dicts, and its inverted
index of stories by key (:class:`KeyIndex`).

Each function here, and the index, is the reference; ``storyline._speedups`` (C, built by setup.py where
a compiler is present) computes exactly the same values faster, and is used when it
imports; ``COMPILED`` says which ran. At 10k articles the clusterer takes 0.36 of the
references' CPU time with all its C loops (these, featurize's and the scoring kernel's:
``python bench/bench_cluster.py --python-loops``).
tests/test_speedups.py holds the two to the same results, so a compiled and an
uncompiled install make the same stories.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from operator import mul


def weighted_dot(small: dict[str, float], large: dict[str, float], idf: dict[str, float]) -> float:
    """The IDF-weighted dot product of two bags, walking ``small`` (the smaller)."""
    return sum([v * large[t] * idf[t] for t, v in small.items() if t in large])


def weighted_square_sum(bag: dict[str, float], idf: dict[str, float]) -> float:
    """The squared norm of a bag once IDF-weighted."""
    # (v := ...) * v, not ** 2: float ** 2 calls the C library's pow(), which rounds the
    # other way at times; the compiled loop multiplies
    return sum([(v := w * idf[t]) * v for t, w in bag.items()])


def weighted(bag: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    """The bag with each weight times its term's IDF (same order)."""
    return {t: w * idf[t] for t, w in bag.items()}


def add_into(bag: dict[str, float], part: dict[str, float], idf: dict[str, float] | None,
             squared: float | None) -> float | None:
    """Add ``part``'s weights into ``bag``. With ``squared``, the bag's IDF-weighted squared
    norm, return it updated term by term (cheaper than recomputing it); else None."""
    if squared is None:
        for term, weight in part.items():
            bag[term] = bag.get(term, 0.0) + weight
        return None
    for term, weight in part.items():
        old = bag.get(term, 0.0)
        new = old + weight
        bag[term] = new
        # w * w, not w ** 2: float ** 2 calls the C library's pow(), which rounds the
        # other way for about 1 in 1200 weights; the compiled loop multiplies
        w = idf[term]  # type: ignore[index]
        squared += (new * new - old * old) * (w * w)
    return squared


def square_sum(vec: dict[str, float]) -> float:
    """The squared norm of a weighted vector."""
    values = vec.values()
    return sum(map(mul, values, values))


class KeyIndex:
    """The clusterer's inverted index: each key (a str) -> the stories (int ids) filed under
    it, each story under the keys of its members.

    :meth:`top` ranks stories by the summed IDF of the keys they share with an article;
    of equal sums the newer story (the higher id) comes first, so the ranking follows
    from the sums alone, whatever the order stories were filed in (the compiled index
    keeps its stories in arrays, in no set's order).
    """

    __slots__ = ("_holders",)

    def __init__(self) -> None:
        self._holders: dict[str, set[int]] = {}

    def __len__(self) -> int:
        """The keys that hold a story."""
        return len(self._holders)

    def holders(self) -> dict[str, set[int]]:
        """Each key with the stories filed under it (a copy)."""
        return {key: set(sids) for key, sids in self._holders.items()}

    def file(self, keys: Iterable[str], sid: int) -> None:
        """File story ``sid`` under each of ``keys``."""
        index = self._holders
        for key in keys:
            holders = index.get(key)
            if holders is None:
                holders = index[key] = set()
            holders.add(sid)

    def unfile(self, key_lists: Iterable[Iterable[str]], sid: int) -> None:
        """Take story ``sid`` out from under each key of ``key_lists`` (its members' keys);
        a key no story is left under leaves the index."""
        index = self._holders
        for keys in key_lists:
            for key in keys:
                holders = index.get(key)
                if holders is not None:
                    holders.discard(sid)
                    if not holders:
                        del index[key]

    def top(self, keys: Iterable[str], idf: Mapping[str, float], most: int, limit: int) -> list[int]:
        """The ``limit`` stories with the highest summed ``idf`` over the ``keys`` they are
        filed under (keys held by more than ``most`` stories are skipped), best first; of
        equal sums the higher id first."""
        if limit < 0:
            raise ValueError("KeyIndex.top: limit must not be negative")
        scores: dict[int, float] = {}
        get = scores.get
        holders_of = self._holders.get
        for key in keys:
            holders = holders_of(key)
            if not holders or len(holders) > most:
                continue
            weight = idf[key]
            if not weight >= 0:  # NaN or negative: the sums would not be ordered
                raise ValueError("KeyIndex.top: IDF weights must be numbers >= 0")
            for sid in holders:
                scores[sid] = get(sid, 0.0) + weight
        # by id, then by sum (a stable sort): of equal sums the higher id first, as a key of
        # (sum, id) would sort them, at a third of the cost
        ranked = sorted(scores, reverse=True)
        ranked.sort(key=scores.__getitem__, reverse=True)
        return ranked[:limit]


def add_bags(norms: dict[str, float], idf: dict[str, float] | None, names: tuple[str, ...],
             bags: tuple[dict[str, float], ...], parts: tuple[dict[str, float], ...],
             kinds: dict[str, dict[str, float]], entities: dict[str, float]) -> None:
    """Add each non-empty ``parts[i]`` into ``bags[i]``, then ``entities`` split by kind
    prefix into the bags of ``kinds``. With ``idf``, each bag's norm cached in ``norms``
    under its name (or kind) is updated as :func:`add_into` updates it; else dropped."""
    for name, bag, part in zip(names, bags, parts, strict=True):
        _add_part(norms, idf, name, bag, part)
    split: dict[str, dict[str, float]] = {}
    for term, weight in entities.items():
        split.setdefault(term[:2], {})[term] = weight
    for kind, part in split.items():
        _add_part(norms, idf, kind, kinds[kind], part)


def _add_part(norms: dict[str, float], idf: dict[str, float] | None, name: str, bag: dict[str, float],
              part: dict[str, float]) -> None:
    if not part:
        return  # a headline's body, say: bag and norm stay as they are
    norm = norms.get(name) if idf is not None else None
    if norm is not None:
        norms[name] = math.sqrt(add_into(bag, part, idf, norm * norm)) or 1.0  # type: ignore[arg-type]
    else:
        add_into(bag, part, None, None)
        norms.pop(name, None)


def count_terms(counts: Counter[str], bags: tuple[dict[str, float], ...]) -> None:
    """Count each term of the ``bags`` once in ``counts``, in the order first met."""
    seen: dict[str, float] = {}
    for bag in bags:
        seen.update(bag)
    counts.update(seen.keys())


def best_terms(bag: dict[str, float], idf: dict[str, float], keep: int) -> dict[str, float]:
    """The ``keep`` terms of ``bag`` with the highest weight * IDF, best first (ties in bag
    order), with their weights."""
    if keep < 0:
        raise ValueError("best_terms: keep must not be negative")
    scored = {term: weight * idf[term] for term, weight in bag.items()}
    return {term: bag[term] for term in sorted(scored, key=scored.__getitem__, reverse=True)[:keep]}


#: the functions and the index above by name (the tests compare the compiled ones with them)
_REFERENCE = {f.__name__: f for f in (add_into, square_sum, weighted_dot, weighted_square_sum, weighted,
                                      KeyIndex, add_bags, count_terms, best_terms)}

try:
    from .._speedups import (  # type: ignore  # noqa: F401, F811
        KeyIndex,
        add_bags,
        add_into,
        best_terms,
        count_terms,
        square_sum,
        weighted,
        weighted_dot,
        weighted_square_sum,
    )

    COMPILED = True
except ImportError:  # no compiler at install time: the references above run
    COMPILED = False
