"""Fit the pair-similarity models on SemEval-2022 Task 8 pairs with grouped cross-validation.

    PYTHONPATH=src python scripts/fit_pair_model.py [--data ../shared/data] [--cache DIR] [--write]

Each pair's raw features are :func:`storyline.cluster.similarity.pair_features` with IDF
counted over all texts of the file (as ``storyline eval pairs`` does); the target is the
human judgement ``5 - overall`` scaled to [0, 1]. The model is a logistic regression on
soft labels (cross-entropy, L2 on standardised inputs) over
:func:`~storyline.cluster.similarity.design`, each weight held to the sign
:func:`~storyline.cluster.similarity.design_signs` gives (similarities count for, mismatches
against), so the score is monotone in every similarity. Folds are grouped by article (an article in
several pairs never sits on both sides of a split); the out-of-fold Pearson correlation,
all pairs and English-English pairs, is the honest figure, reported beside the in-sample
one. The L2 strength is the grid value with the best out-of-fold all-pairs Pearson;
English-English pairs then weigh more in the loss (EN_WEIGHTS), as much as raises their
out-of-fold Pearson most without lowering the all-pairs one (see select).

With the ``semantic`` extra installed (run it from that environment), a second model
adds the embedding cosine; ``--write`` then stores both in
src/storyline/cluster/_pair_weights.py (it refuses without the extra, so the two stay
fitted on the same features).
"""

from __future__ import annotations

import argparse
import logging
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.cluster import semantic as sem  # noqa: E402
from storyline.cluster.features import DocumentFrequencies, featurize  # noqa: E402
from storyline.cluster.similarity import (  # noqa: E402
    PAIR_FEATURE_NAMES,
    design,
    design_signs,
    pair_features,
)
from storyline.evaluate import read_jsonl  # noqa: E402
from storyline.evaluate.pairs import pair_articles  # noqa: E402

FOLDS = 5
#: repeats of the shuffled fold split (the figures are their mean).
REPEATS = 3
#: L2 strengths searched (0 = none).
L2_GRID = (0.0, 0.001, 0.01, 0.1)
#: weights of English-English pairs in the loss, searched. They are 161 of 1,283 pairs, yet
#: English is most of what storyline reads and what the EN-EN bar of issue 4 measures; an
#: unweighted fit spends the model on the other nine languages' pairs.
EN_WEIGHTS = (1.0, 2.0, 3.0, 4.0, 5.0)
OUT = Path(__file__).resolve().parents[1] / "src" / "storyline" / "cluster" / "_pair_weights.py"


def load(path: Path, cache: Path | None) -> tuple[list[dict], list]:
    rows = list(read_jsonl(path))
    cached = cache / (path.stem + ".annotated.pkl") if cache else None
    if cached is not None and cached.is_file():
        return rows, pickle.loads(cached.read_bytes())
    from storyline.annotate import Annotator

    annotated = list(Annotator().annotate_many(pair_articles(rows, path)))
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(annotated))
    return rows, annotated


def embeddings(path: Path, annotated: list, cache: Path | None) -> np.ndarray | None:
    cached = cache / (path.stem + ".minilm.npy") if cache else None
    if cached is not None and cached.is_file():
        return np.load(cached)
    embedder = sem.load_embedder()
    if embedder is None:
        print(f"semantic model skipped: {sem.unavailable_reason()}")
        return None
    vectors = np.asarray(embedder.embed_articles(annotated), dtype=float)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.save(cached, vectors)
    return vectors


def groups(rows: list[dict]) -> np.ndarray:
    """Connected components of pairs that share an article (by id ``A_B``)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ends = []
    for number, row in enumerate(rows):
        parts = str(row.get("id", number)).split("_")
        a, b = (parts[0], parts[-1]) if len(parts) >= 2 else (f"{number}a", f"{number}b")
        ends.append((a, b))
        parent[find(a)] = find(b)
    roots = {r: i for i, r in enumerate(sorted({find(a) for a, _ in ends}))}
    return np.array([roots[find(a)] for a, _ in ends])


def fit(A: np.ndarray, t: np.ndarray, l2: float, signs: list[int],
        sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Sign-constrained soft-label logistic regression; weights and bias on the raw design."""
    from scipy.optimize import minimize

    mu, sd = A.mean(0), A.std(0)
    sd[sd == 0] = 1.0
    Z = (A - mu) / sd
    n, k = Z.shape
    # weights of mean 1, so that the L2 strength means the same with and without them
    sw = np.ones(n) if sample_weight is None else sample_weight / sample_weight.mean()

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        p = 1.0 / (1.0 + np.exp(-(Z @ w[:k] + w[k])))
        eps = 1e-12
        value = -np.mean(sw * (t * np.log(p + eps) + (1 - t) * np.log(1 - p + eps))) + l2 * (w[:k] @ w[:k]) / 2
        grad = np.r_[Z.T @ (sw * (p - t)) / n + l2 * w[:k], np.mean(sw * (p - t))]
        return value, grad

    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in signs]
    result = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B", bounds=[*bounds, (None, None)])
    w = result.x[:k] / sd
    return w, float(result.x[k] - np.sum(result.x[:k] * mu / sd))


def predict(A: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(A @ w + b)))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def cross_validate(A: np.ndarray, gold: np.ndarray, en: np.ndarray, group: np.ndarray,
                   l2: float, signs: list[int], en_weight: float = 1.0) -> tuple[float, float]:
    from sklearn.model_selection import GroupKFold

    t = (gold - 1) / 3
    all_r, en_r = [], []
    for seed in range(REPEATS):
        # GroupKFold does not shuffle: permute group labels per repeat instead.
        relabel = np.random.default_rng(seed).permutation(group.max() + 1)[group]
        pred = np.zeros(len(t))
        for train, test in GroupKFold(FOLDS).split(A, groups=relabel):
            w, b = fit(A[train], t[train], l2, signs, np.where(en[train], en_weight, 1.0))
            pred[test] = predict(A[test], w, b)
        all_r.append(pearson(pred, gold))
        en_r.append(pearson(pred[en], gold[en]))
    return float(np.mean(all_r)), float(np.mean(en_r))


def select(name: str, A: np.ndarray, gold: np.ndarray, en: np.ndarray,
           group: np.ndarray, signs: list[int]) -> dict:
    """The (L2, English weight) setting to keep. The L2 strength is chosen as without the
    weight (best out-of-fold all-pairs Pearson, unweighted); then, at that strength, the
    English weight with the best out-of-fold EN-EN Pearson among those whose all-pairs
    Pearson is no lower than unweighted (English must not be paid for by the others)."""
    rows = []
    for en_weight in EN_WEIGHTS:
        for l2 in L2_GRID:
            oof_all, oof_en = cross_validate(A, gold, en, group, l2, signs, en_weight)
            w, b = fit(A, (gold - 1) / 3, l2, signs, np.where(en, en_weight, 1.0))
            pred = predict(A, w, b)
            row = {"l2": l2, "en_weight": en_weight, "oof_all": oof_all, "oof_en": oof_en,
                   "in_all": pearson(pred, gold), "in_en": pearson(pred[en], gold[en]), "w": w, "b": b}
            print(f"{name:9s} en-weight={en_weight:<4} l2={l2:<6} out-of-fold all {oof_all:.4f} en-en {oof_en:.4f}"
                  f" | in-sample all {row['in_all']:.4f} en-en {row['in_en']:.4f}", flush=True)
            rows.append(row)
    unweighted = max((r for r in rows if r["en_weight"] == 1.0), key=lambda r: r["oof_all"])
    best = max((r for r in rows if r["l2"] == unweighted["l2"] and r["oof_all"] >= unweighted["oof_all"]),
               key=lambda r: r["oof_en"])
    print(f"{name}: chosen l2={best['l2']} en-weight={best['en_weight']} (unweighted: "
          f"out-of-fold all {unweighted['oof_all']:.4f} en-en {unweighted['oof_en']:.4f})")
    return best


def _floats(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{float(v):.6g}" for v in values) + "]"


def write(default: dict, semantic: dict, n: int) -> None:
    text = f'''"""Fitted pair-similarity models. Generated by scripts/fit_pair_model.py; do not edit.

Soft-label logistic regressions of the human ``5 - overall`` judgement on
semeval2022-train ({n} pairs, 10 languages). Pearson, out-of-fold ({FOLDS}-fold grouped by
article, {REPEATS} repeats) / in-sample:
default:  all pairs {default["oof_all"]:.4f} / {default["in_all"]:.4f}, EN-EN {default["oof_en"]:.4f} / {default["in_en"]:.4f}
semantic: all pairs {semantic["oof_all"]:.4f} / {semantic["in_all"]:.4f}, EN-EN {semantic["oof_en"]:.4f} / {semantic["in_en"]:.4f}
"""

#: over similarity.design(PAIR_FEATURE_NAMES); L2 {default["l2"]} and English-pair weight
#: {default["en_weight"]} chosen by out-of-fold Pearson (fit_pair_model.select).
WEIGHTS = {_floats(default["w"])}
BIAS = {default["b"]:.6g}
#: over similarity.design(SEMANTIC_FEATURE_NAMES); L2 {semantic["l2"]} and English-pair
#: weight {semantic["en_weight"]} chosen the same way.
SEMANTIC_WEIGHTS = {_floats(semantic["w"])}
SEMANTIC_BIAS = {semantic["b"]:.6g}
'''
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=None, help="folder for annotations and embeddings")
    parser.add_argument("--write", action="store_true", help="store the fitted models")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    path = args.data / "pairs" / "semeval2022-train.jsonl"
    rows, annotated = load(path, args.cache)
    df = DocumentFrequencies()
    for article in annotated:
        df.add(featurize(article))
    raw = np.array([pair_features(annotated[2 * i], annotated[2 * i + 1], df=df) for i in range(len(rows))])
    gold = np.array([5.0 - float(r["overall"]) for r in rows])
    en = np.array([r.get("lang1") == "en" and r.get("lang2") == "en" for r in rows])
    group = groups(rows)
    for j, name in enumerate(PAIR_FEATURE_NAMES):
        if raw[:, j].std() > 0:
            print(f"  {name:22s} alone: all {pearson(raw[:, j], gold):+.3f}")
    A = np.array([design(x) for x in raw])
    default = select("default", A, gold, en, group, design_signs())
    vectors = embeddings(path, annotated, args.cache)
    semantic = None
    if vectors is not None:
        cosines = np.sum(vectors[0::2] * vectors[1::2], axis=1)
        print(f"  {'sem_cos':22s} alone: all {pearson(cosines, gold):+.3f} en-en {pearson(cosines[en], gold[en]):+.3f}")
        S = np.array([design([*x, c], semantic=True) for x, c in zip(raw, cosines, strict=True)])
        semantic = select("semantic", S, gold, en, group, design_signs(semantic=True))
    if args.write:
        if semantic is None:
            raise SystemExit("--write needs the semantic extra (both models are written together)")
        write(default, semantic, len(rows))


if __name__ == "__main__":
    main()
