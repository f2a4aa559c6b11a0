"""The clusterer's innermost loops over sparse ``term -> weight`` dicts.

Each function here is the reference; ``storyline._speedups`` (C, built by setup.py where
a compiler is present) computes exactly the same values faster, and is used when it
imports; ``COMPILED`` says which ran. At 10k articles the clusterer takes 0.80 of the
references' CPU time with it (``python bench/bench_cluster.py --python-loops``).
tests/test_speedups.py holds the two to the same results, so a compiled and an
uncompiled install make the same stories.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import mul


def weighted_dot(small: dict[str, float], large: dict[str, float], idf: dict[str, float]) -> float:
    """The IDF-weighted dot product of two bags, walking ``small`` (the smaller)."""
    return sum([v * large[t] * idf[t] for t, v in small.items() if t in large])


def weighted_square_sum(bag: dict[str, float], idf: dict[str, float]) -> float:
    """The squared norm of a bag once IDF-weighted."""
    return sum([(w * idf[t]) ** 2 for t, w in bag.items()])


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
        squared += (new * new - old * old) * idf[term] ** 2  # type: ignore[index]
    return squared


def square_sum(vec: dict[str, float]) -> float:
    """The squared norm of a weighted vector."""
    values = vec.values()
    return sum(map(mul, values, values))


def shared_key_scores(keys: Iterable[str], index: Mapping[str, set[int]], idf: dict[str, float],
                      most: int) -> dict[int, float]:
    """Each story's summed IDF over the ``keys`` it holds in ``index``, in first-seen
    order; keys held by no story or by more than ``most`` are skipped."""
    scores: dict[int, float] = {}
    get = scores.get
    holders_of = index.get
    for key in keys:
        holders = holders_of(key)
        if not holders or len(holders) > most:
            continue
        weight = idf[key]
        for sid in holders:
            scores[sid] = get(sid, 0.0) + weight
    return scores


#: the functions above by name (the tests compare the compiled ones with them)
_REFERENCE = {f.__name__: f for f in (add_into, square_sum, weighted_dot, weighted_square_sum, weighted,
                                      shared_key_scores)}

try:
    from .._speedups import (  # type: ignore  # noqa: F401, F811
        add_into,
        shared_key_scores,
        square_sum,
        weighted,
        weighted_dot,
        weighted_square_sum,
    )

    COMPILED = True
except ImportError:  # no compiler at install time: the references above run
    COMPILED = False
