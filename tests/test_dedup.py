from __future__ import annotations

from storyline.dedup import DuplicateIndex, shingles

ORIGINAL = (
    "The harbour bridge in Port Avery collapsed early on Tuesday, injuring fourteen people and "
    "cutting the main road to the container terminal. Mayor Elena Marsh said the city would open an "
    "inquiry into the inspection records, which showed corrosion on two of the support cables in 2024. "
    "Emergency crews pulled three cars from the water and the coast guard closed the shipping lane."
)
NEAR_COPY = "UPDATED: " + ORIGINAL.replace("early on Tuesday", "on Tuesday morning") + " More to follow."
REWRITE = (
    "Fourteen people were hurt when a bridge over the Port Avery harbour gave way on Tuesday. "
    "Officials plan to investigate how the structure was inspected, the mayor told journalists."
)


def test_exact_near_and_distinct_texts():
    index = DuplicateIndex(seed=7)
    assert index.add("orig", ORIGINAL) is None
    exact = index.add("same", ORIGINAL.upper())
    assert exact is not None and exact.kind == "exact" and exact.original_id == "orig"
    near = index.add("copy", NEAR_COPY)
    assert near is not None and near.kind == "near" and near.original_id == "orig"
    assert 0.5 <= near.similarity < 1.0
    assert index.add("rewrite", REWRITE) is None


def test_short_texts_still_get_a_shingle():
    assert shingles("Two words") == {"two words"}
    assert shingles("") == set()
