"""Fit the online clusterer's same-event decision on ECB+ with topic-wise cross-validation.

    PYTHONPATH=src python scripts/fit_cluster_model.py [--data ../shared/data] [--cache DIR] [--write]
    PYTHONPATH=src python scripts/fit_cluster_model.py --cache DIR --attach   (the fragment pass's CV)

Training pairs come from an oracle stream over ecbplus-dev.jsonl: articles arrive in file
order; each is compared with every gold story built so far (the situation the clusterer
is in when it decides), labelled 1 for its own story. A logistic regression on those
pair features is the join decision. The merge decision of refinement is a second logistic
regression on the story pairs that refinement would score after a real stream run with the
join model (fragments of one event versus stories of sibling events). Topics are split into folds: each fold's model is fitted on
the other topics and the clusterer is run on the held-out topics, so the reported
cross-validated BCubed F1 is on events the model never saw. Each fold's clusterer runs over the
whole file (so IDF statistics and competing stories are those of the real run) and is scored on
the held-out topics' articles only. The join threshold is the one
with the best pooled held-out F1. The headline-only model (feeds, aggregators: articles that
are only a headline) is fitted the same way on a real headline stream, uci-headlines.jsonl,
with a time split instead of topics: fitted on one half of the stream, scored on the other,
both ways (:func:`headline_cross_validate`). ``--write`` stores the models fitted on all the
data in src/storyline/cluster/_weights.py.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.cluster.features import (  # noqa: E402
    FEATURE_NAMES,
    ArticleVectors,
    DocumentFrequencies,
    StoryFeatures,
    compare,
    featurize,
    prune,
    semantic_cosine,
)
from storyline.cluster.online import OnlineClusterer, interactions  # noqa: E402
from storyline.cluster.refine import as_article  # noqa: E402
from storyline.evaluate._articles import article_from_row  # noqa: E402
from storyline.evaluate.clustering import bcubed  # noqa: E402

#: text floors searched (online.MIN_TEXT_COSINE: the least title, body or title-to-body
#: cosine at which two texts can be one event); 0.1 is the value set by hand before.
TEXT_FLOORS = (0.1, 0.15, 0.2, 0.25)
#: (join, merge, link, text floor) grid searched by cross-validation; merge 1.0 and link
#: 0.0 turn those refinement passes off.
THRESHOLDS = [(j, m, k, f) for j in (0.4, 0.5) for m in (0.5, 0.6, 1.0) for k in (0.3, 0.35) for f in TEXT_FLOORS]
#: the floor of the stream run that yields the merge model's training pairs (the
#: loosest of the grid, so its story pairs include those any floor would let through).
TRAIN_TEXT_FLOOR = min(TEXT_FLOORS)
FOLDS = 5
#: features the headline model must not learn. uci-headlines spans three days and every
#: one of its stories lies within one day, so a day-gap weight learned there (it came out
#: at -60: a one-day gap vetoes a join) would encode how that sample was cut, not how
#: stories run; the time-window veto still applies. entity_conflict: a headline names
#: nothing twice, so it is 0 there (and it is a merge-model feature of ECB+ stories).
HEADLINE_DROP = (FEATURE_NAMES.index("days_apart"), FEATURE_NAMES.index("entity_conflict"))
#: features only the merge model (story pairs) learns; the join and pair models get weight 0.
#: entity_conflict (features.conflict) is a story-level signal: with it, topic-wise CV F1
#: at the chosen thresholds went 0.9029 -> 0.9043 when only the merge model read it, 0.9035
#: when the join model read it too, 0.9043 when the pair model read it too (ecbplus-dev).
MERGE_ONLY = (FEATURE_NAMES.index("entity_conflict"),)
#: (join, merge, link, text floor) grid of the headline model, searched by the time-split
#: CV (merge off, join 0.4 and link off scored 0.72-0.83 in earlier runs of this grid).
HEADLINE_THRESHOLDS = [(j, m, k, f) for j in (0.5, 0.6) for m in (0.4, 0.5, 0.6) for k in (0.3, 0.4)
                       for f in TEXT_FLOORS]
#: split ratios (refine.SPLIT_RATIO) searched by the same cross-validations, at the
#: thresholds chosen with splitting off; 0 turns splitting off, and the one-SE rule
#: prefers it. On ecbplus-dev a ratio of 0.5 lifts in-sample F1 from 0.892 to 0.941 but
#: not held-out F1 (0.903 off, 0.903 / 0.900 / 0.892 at 0.4 / 0.5 / 0.6): the pair model
#: the split reads tells sibling events apart only on topics it was fitted on.
SPLIT_RATIOS = (0.0, 0.4, 0.5, 0.6, 0.7)
#: stories compared per training article, as the clusterer's retrieval would (hard negatives).
CANDIDATES = 6
#: L2 strength of the logistic regression (sklearn's C); the default, not tuned.
C = 1.0
#: the same for the pair model, over features and their pairwise products (120 inputs):
#: stronger, as there are many more inputs; one value tried (0.1) on ecbplus-dev.
PAIR_C = 0.1
#: the merge model (refinement, story pairs) is also fitted over the features and their
#: products, at PAIR_C: topic-wise CV F1 on ecbplus-dev 0.903 with the merge pass on,
#: against 0.900 for a linear merge model (C 0.03 gave 0.902). The headline merge model
#: stays linear: over products its time-split CV on uci-headlines fell (0.850 vs 0.852).
MERGE_C = PAIR_C


def load(path: Path, cache: Path | None) -> tuple[list[dict], list]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    if cache is not None:
        cached = cache / (path.stem + ".annotated.pkl")
        if cached.is_file():
            return rows, pickle.loads(cached.read_bytes())
    from storyline.annotate import Annotator

    articles = [article_from_row(r, source=f"{path}#{i}") for i, r in enumerate(rows, 1)]
    annotated = list(Annotator().annotate_many(articles))
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / (path.stem + ".annotated.pkl")).write_bytes(pickle.dumps(annotated))
    return rows, annotated


def load_features(data: Path, name: str, cache: Path | None) -> tuple[list, list[str], list[dict]]:
    """The features, gold story labels and rows of one clustering file (``name``)."""
    rows, annotated = load(data / "clustering" / name, cache)
    return [featurize(a) for a in annotated], [str(r["cluster"]) for r in rows], rows


def _compare(vec: ArticleVectors, story: StoryFeatures, df: DocumentFrequencies, drop: tuple[int, ...]) -> list[float]:
    """:func:`compare`, with the features at ``drop`` zeroed (a model that must not learn them)."""
    x = compare(vec, story, df)
    for i in drop:
        x[i] = 0.0
    return x


def oracle_pairs(feats: list, gold: list[str], drop: tuple[int, ...] = (), *,
                 semantic: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pair features (and labels) of each article against the gold stories built so far.
    ``semantic``: one more column, the embeddings' cosine (:func:`semantic_cosine`; 0 without)."""
    df = DocumentFrequencies()
    stories: dict[str, StoryFeatures] = {}
    key_sets: dict[str, set[str]] = {}
    xs, ys = [], []
    for f, g in zip(feats, gold, strict=True):
        f = prune(f, df)
        if stories:
            vec = ArticleVectors(f, df)
            # The stories the clusterer would retrieve: most shared IDF-weighted keys.
            keys = set(f.keys)
            ranked = sorted(stories, key=lambda s: -sum(df.idf(k) for k in keys & key_sets[s]))
            for sid in ranked[:CANDIDATES]:
                story = stories[sid]
                x = _compare(vec, story, df, drop)
                if semantic:
                    x.append(semantic_cosine(f, story) or 0.0)
                xs.append(x)
                ys.append(1 if sid == g else 0)
        df.add(f)
        stories.setdefault(g, StoryFeatures()).add(f)
        key_sets.setdefault(g, set()).update(f.keys)
    return np.array(xs), np.array(ys)


def fit(x: np.ndarray, y: np.ndarray, c: float = C) -> tuple[list[float], float]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(x), y)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    w = model.coef_[0] / scale
    b = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scale))
    return [float(v) for v in w], b


def make_clusterer(model: tuple, thresholds: tuple[float, ...]) -> OnlineClusterer:
    """A clusterer with the given (join w, b, merge w, b, pair w, b) model for every kind of article."""
    w, b, mw, mb, pw, pb = model
    link = thresholds[2] if len(thresholds) > 2 else 0.0
    floor = thresholds[3] if len(thresholds) > 3 else TRAIN_TEXT_FLOOR
    split = thresholds[4] if len(thresholds) > 4 else 0.0
    return OnlineClusterer(weights=w, bias=b, threshold=thresholds[0], merge_threshold=thresholds[1],
                           min_text_cosine=floor, headline_min_text_cosine=floor,
                           headline_weights=w, headline_bias=b, headline_threshold=thresholds[0],
                           headline_merge_threshold=thresholds[1], merge_weights=mw, merge_bias=mb,
                           headline_merge_weights=mw, headline_merge_bias=mb, link_threshold=link,
                           pair_weights=pw, pair_bias=pb, headline_pair_weights=pw, headline_pair_bias=pb,
                           headline_link_threshold=link, split_ratio=split, headline_split_ratio=split)


def article_pairs(feats: list, gold: list[str], drop: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Symmetrised pair features of every two articles that share an index key.

    These are the pairs the average-linkage pass of refinement averages over, with IDF
    from the whole stream as it has at refinement time.
    """
    df = DocumentFrequencies()
    for f in feats:
        df.add(f)
    feats = [prune(f, df) for f in feats]
    vectors = [ArticleVectors(f, df) for f in feats]
    singles = [StoryFeatures() for _ in feats]
    for s, f in zip(singles, feats, strict=True):
        s.add(f)
    keys = [set(f.keys) for f in feats]
    xs, ys = [], []
    for i in range(len(feats)):
        for j in range(i + 1, len(feats)):
            if not keys[i] & keys[j]:
                continue
            a = np.array(_compare(vectors[i], singles[j], df, drop))
            b = np.array(_compare(vectors[j], singles[i], df, drop))
            xs.append(interactions(((a + b) / 2).tolist()))
            ys.append(1 if gold[i] == gold[j] else 0)
    return np.array(xs), np.array(ys)


def stream_labels(feats: list, model: tuple, thresholds: tuple[float, ...]) -> list[int]:
    clusterer = make_clusterer(model, thresholds)
    for f in feats:
        clusterer.add_features(f)
    clusterer.refine()
    return [clusterer.labels_[f.id] for f in feats]


def merge_pairs(feats: list, gold: list[str], w: list[float], b: float, join: float,
                drop: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Story-pair features from a real stream run (no refinement), labelled by majority event.

    These are the pairs refinement scores, so the merge model learns on what it will see:
    fragments of one event versus stories of sibling events.
    """
    from collections import Counter

    clusterer = make_clusterer((w, b, w, b, interactions(w), b), (join, 1.0))
    for f in feats:
        clusterer.add_features(f)
    gold_of = {f.id: g for f, g in zip(feats, gold, strict=True)}
    major = {sid: Counter(gold_of[m.id] for m in members).most_common(1)[0][0]
             for sid, members in clusterer.members_.items()}
    df = clusterer.df_
    xs, ys = [], []
    for sid, story in clusterer.stories_.items():
        as_art = as_article(sid, story)
        vec = ArticleVectors(as_art, df)
        for other in clusterer._candidates(as_art):
            if other != sid:
                xs.append(_compare(vec, clusterer.stories_[other], df, drop))
                ys.append(1 if major[sid] == major[other] else 0)
    return np.array(xs), np.array(ys)


def fit_model(feats: list, gold: list[str], join: float, drop: tuple[int, ...] = (), *,
              merge_products: bool = True) -> tuple:
    """Join model from the oracle stream, merge model from a stream run at ``join``
    (over the features and their products when ``merge_products``), pair model (linkage)
    from article pairs; the features at ``drop`` get weight 0, those of :data:`MERGE_ONLY`
    in the join and pair models."""
    x, y = oracle_pairs(feats, gold, (*drop, *MERGE_ONLY))
    w, b = fit(x, y)
    px, py = article_pairs(feats, gold, (*drop, *MERGE_ONLY))
    pw, pb = fit(px, py, PAIR_C) if len(set(py.tolist())) == 2 else (interactions(w), b)
    mx, my = merge_pairs(feats, gold, w, b, join, drop)
    if len(set(my.tolist())) < 2:
        return w, b, w, b, pw, pb
    if merge_products:
        mw, mb = fit(np.array([interactions(row) for row in mx.tolist()]), my, MERGE_C)
    else:
        mw, mb = fit(mx, my)
    return w, b, mw, mb, pw, pb


def _split_cv(feats: list, gold: list[str], splits: list[tuple[list[int], list[int]]], grid: list, *,
              stream_all: bool, drop: tuple[int, ...] = (), merge_products: bool = True) -> tuple[dict, dict]:
    """Pooled held-out BCubed F1 of each grid setting over (train, test) index splits.

    ``stream_all``: the whole file is streamed (IDF and the competing stories are those of
    the real run) and only the test articles are scored; otherwise the test articles are
    streamed alone.
    """
    cv: dict = {t: [] for t in grid}
    for train, test in splits:
        for join in sorted({t[0] for t in grid}):
            model = fit_model([feats[i] for i in train], [gold[i] for i in train], join, drop,
                              merge_products=merge_products)
            for t in (t for t in grid if t[0] == join):
                if stream_all:
                    labels = stream_labels(feats, model, t)
                    pred = [labels[i] for i in test]
                else:
                    pred = stream_labels([feats[i] for i in test], model, t)
                cv[t].append((len(test), bcubed(pred, [gold[i] for i in test])["f1"]))
    return {t: sum(n * f for n, f in v) / sum(n for n, _ in v) for t, v in cv.items()}, cv


def headline_cross_validate(feats: list, gold: list[str], grid: list,
                            drop: tuple[int, ...] = ()) -> tuple[dict, dict]:
    """Two-fold time-split CV over a headline stream: fit on the first half, stream and
    score the second half alone, then the other way round. A stream's later stories are
    events the model has not seen, as at run time."""
    first, second = list(range(len(feats) // 2)), list(range(len(feats) // 2, len(feats)))
    return _split_cv(feats, gold, [(first, second), (second, first)], grid, stream_all=False, drop=drop,
                     merge_products=False)


def cross_validate(feats: list, gold: list[str], topics: np.ndarray, grid: list) -> tuple[dict, dict]:
    """Topic-wise k-fold CV: each fold's topics are held out of the fit."""
    fold_of = {t: i % FOLDS for i, t in enumerate(sorted(set(topics)))}
    splits = [([i for i, t in enumerate(topics) if fold_of[t] != k], [i for i, t in enumerate(topics) if fold_of[t] == k])
              for k in range(FOLDS)]
    return _split_cv(feats, gold, splits, grid, stream_all=True)


def choose(pooled: dict, folds: dict, *, simplest: bool = True,
           simpler: Callable[[tuple], bool] = lambda t: t[1] >= 1.0) -> tuple:
    """The one-standard-error rule (Breiman et al. 1984) on paired fold differences: of the
    settings whose F1 trails the best's by less than one standard error of their per-fold
    difference, the simplest (``simpler``: by default, with the merge pass off), then the best. One run's F1
    moves by a few points with the order of early decisions, so such differences are
    noise. The differences are paired (same folds) because the folds' own difficulty
    varies far more (0.79 to 0.94) than the settings do. ``simplest=False``: the best."""
    best = max(pooled, key=pooled.__getitem__)
    if not simplest:
        return best
    best_scores = np.array([f for _, f in folds[best]])

    def near(t: tuple) -> bool:
        diff = best_scores - np.array([f for _, f in folds[t]])
        se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
        return float(diff.mean()) <= se

    return max((t for t in pooled if near(t)), key=lambda t: (simpler(t), pooled[t]))


#: fragment-attach thresholds searched by --attach (0: off).
ATTACH_GRID = (0.0, 0.5, 0.6, 0.7, 0.8)


def attach_cross_validate(data: Path, cache: Path | None) -> None:
    """Pooled held-out F1 of each attach threshold (refine.attach_fragments), the other
    thresholds and the model as stored in _weights.py: topic-wise on ecbplus-dev, the
    time split on uci-headlines. The pass runs inside every held-out stream's refine()."""
    from storyline.cluster import _weights
    from storyline.cluster import refine as refine_module

    feats, gold, rows = load_features(data, "ecbplus-dev.jsonl", cache)
    topics = np.array([int(r["topic"]) for r in rows])
    main = (_weights.THRESHOLD, _weights.MERGE_THRESHOLD, _weights.LINK_THRESHOLD, _weights.TEXT_FLOOR,
            _weights.SPLIT_RATIO)
    h_feats, h_gold, _ = load_features(data, "uci-headlines.jsonl", cache)
    headline = (_weights.HEADLINE_THRESHOLD, _weights.HEADLINE_MERGE_THRESHOLD, _weights.HEADLINE_LINK_THRESHOLD,
                _weights.HEADLINE_TEXT_FLOOR, _weights.HEADLINE_SPLIT_RATIO)
    saved = refine_module.ATTACH_THRESHOLD, refine_module.HEADLINE_ATTACH_THRESHOLD
    try:
        for threshold in ATTACH_GRID:
            refine_module.ATTACH_THRESHOLD = refine_module.HEADLINE_ATTACH_THRESHOLD = threshold
            pooled, folds = cross_validate(feats, gold, topics, [main])
            h_pooled, h_folds = headline_cross_validate(h_feats, h_gold, [headline], HEADLINE_DROP)
            print(f"attach {threshold}: ecbplus topic-wise CV F1 {pooled[main]:.4f} "
                  f"(folds {', '.join(f'{f:.3f}' for _, f in folds[main])}); uci time-split CV F1 "
                  f"{h_pooled[headline]:.4f} (halves {', '.join(f'{f:.4f}' for _, f in h_folds[headline])})",
                  flush=True)
    finally:
        refine_module.ATTACH_THRESHOLD, refine_module.HEADLINE_ATTACH_THRESHOLD = saved


def _split_off(t: tuple) -> bool:
    return t[4] == 0.0


def _names(n: int) -> list[str]:
    """Names of ``n`` model weights: the features, then (for a products model) their products."""
    names = list(FEATURE_NAMES)
    if n > len(names):
        names += [f"{a}*{b}" for i, a in enumerate(FEATURE_NAMES) for b in FEATURE_NAMES[i + 1:]]
    return names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--main-only", action="store_true", help="skip the headline model (quick look; no --write)")
    parser.add_argument("--attach", action="store_true",
                        help="cross-validate the fragment-attach thresholds (refine.ATTACH_THRESHOLD, "
                             "HEADLINE_ATTACH_THRESHOLD) at the stored thresholds, and stop")
    args = parser.parse_args()
    if args.attach:
        attach_cross_validate(args.data, args.cache)
        return
    feats, gold, rows = load_features(args.data, "ecbplus-dev.jsonl", args.cache)
    topics = np.array([int(r["topic"]) for r in rows])
    pooled, folds = cross_validate(feats, gold, topics, [t + (0.0,) for t in THRESHOLDS])
    best = choose(pooled, folds)
    # The split ratio at those thresholds (the same folds; a joint grid would cost 5x).
    s_pooled, s_folds = cross_validate(feats, gold, topics, [best[:4] + (r,) for r in SPLIT_RATIOS])
    best = choose(s_pooled, s_folds, simpler=_split_off)
    pooled.update(s_pooled)
    folds.update(s_folds)
    w, b, mw, mb, pw, pb = model = fit_model(feats, gold, best[0])
    insample = bcubed(stream_labels(feats, model, best), gold)["f1"]
    if args.main_only:
        print(json.dumps({"cv_bcubed_f1_by_threshold": {"/".join(map(str, t)): round(f, 4) for t, f in pooled.items()},
                          "best": best, "cv_bcubed_f1": round(pooled[best], 4),
                          "folds": {"/".join(map(str, t)): [round(f, 3) for _, f in v] for t, v in folds.items()},
                          "in_sample_bcubed_f1": round(insample, 4)}, indent=1))
        return
    # The headline model: same features, fitted on a real headline stream. (It was fitted
    # on ECB+ articles cut to their headline: on uci-headlines' second half, streamed
    # alone, that scored BCubed F1 0.856, a model fitted on the first half 0.870-0.895.)
    h_feats, h_gold, _ = load_features(args.data, "uci-headlines.jsonl", args.cache)
    h_pooled, h_folds = headline_cross_validate(h_feats, h_gold, [t + (0.0,) for t in HEADLINE_THRESHOLDS],
                                                HEADLINE_DROP)
    # The best setting, not the one-SE simplest: the merge pass is what joins a headline
    # story's many rewordings (merge off scores ~0.72 here).
    h_best = choose(h_pooled, h_folds, simplest=False)
    hs_pooled, hs_folds = headline_cross_validate(h_feats, h_gold, [h_best[:4] + (r,) for r in SPLIT_RATIOS],
                                                  HEADLINE_DROP)
    h_best = choose(hs_pooled, hs_folds, simpler=_split_off)
    h_pooled.update(hs_pooled)
    h_folds.update(hs_folds)
    hw, hb, hmw, hmb, hpw, hpb = h_model = fit_model(h_feats, h_gold, h_best[0], HEADLINE_DROP,
                                                         merge_products=False)
    h_insample = bcubed(stream_labels(h_feats, h_model, h_best), h_gold)["f1"]
    report = {
        "cv_bcubed_f1_by_threshold": {"/".join(map(str, t)): round(f, 4) for t, f in pooled.items()},
        "threshold": best[0],
        "merge_threshold": best[1],
        "link_threshold": best[2],
        "text_floor": best[3],
        "split_ratio": best[4],
        "cv_bcubed_f1": round(pooled[best], 4),
        "cv_fold_f1": {"/".join(map(str, t)): [round(f, 3) for _, f in v] for t, v in folds.items()},
        "in_sample_bcubed_f1": round(insample, 4),
        "articles": len(feats),
        "weights": dict(zip(FEATURE_NAMES, [round(v, 4) for v in w], strict=True)),
        "merge_weights": dict(zip(_names(len(mw)), [round(v, 4) for v in mw], strict=True)),
        "bias": round(b, 4),
        "headline_threshold": h_best,
        "headline_cv_bcubed_f1_by_threshold": {"/".join(map(str, t)): round(f, 4) for t, f in h_pooled.items()},
        "headline_cv_bcubed_f1": round(h_pooled[h_best], 4),
        "headline_cv_fold_f1": [round(f, 4) for _, f in h_folds[h_best]],
        "headline_in_sample_bcubed_f1": round(h_insample, 4),
        "headline_weights": dict(zip(FEATURE_NAMES, [round(v, 4) for v in hw], strict=True)),
    }
    print(json.dumps(report, indent=1))
    if args.write:
        out = Path(__file__).resolve().parents[1] / "src" / "storyline" / "cluster" / "_weights.py"
        out.write_text(
            '"""Fitted decision of the online clusterer. Generated by scripts/fit_cluster_model.py; do not edit.\n\n'
            f"Topic-wise {FOLDS}-fold cross-validated BCubed F1 on ecbplus-dev: {pooled[best]:.4f} "
            f"(in-sample {insample:.4f}).\n\"\"\"\n\n"
            f"#: features: {', '.join(FEATURE_NAMES)}\n"
            f"WEIGHTS = {[round(v, 6) for v in w]}\n"
            f"BIAS = {round(b, 6)}\n"
            "#: the merge model (refinement), fitted on story pairs of a stream run over ECB+, over the\n"
            "#: features and their pairwise products (online.interactions).\n"
            f"MERGE_WEIGHTS = {[round(v, 6) for v in mw]}\n"
            f"MERGE_BIAS = {round(mb, 6)}\n"
            "#: join and merge thresholds by pooled held-out-topic BCubed F1 (grid and one-SE rule in the script).\n"
            f"THRESHOLD = {best[0]}\n"
            f"MERGE_THRESHOLD = {best[1]}\n"
            f"#: the headline model (articles that are only a headline), fitted on uci-headlines;\n"
            f"#: time-split 2-fold CV BCubed F1 {h_pooled[h_best]:.4f} (in-sample {h_insample:.4f}).\n"
            f"HEADLINE_WEIGHTS = {[round(v, 6) for v in hw]}\n"
            f"HEADLINE_BIAS = {round(hb, 6)}\n"
            f"HEADLINE_MERGE_WEIGHTS = {[round(v, 6) for v in hmw]}\n"
            f"HEADLINE_MERGE_BIAS = {round(hmb, 6)}\n"
            f"HEADLINE_THRESHOLD = {h_best[0]}\n"
            f"HEADLINE_MERGE_THRESHOLD = {h_best[1]}\n"
            "#: the pair model (average-linkage refinement), fitted on article pairs that share an index key.\n"
            f"PAIR_WEIGHTS = {[round(v, 6) for v in pw]}\n"
            f"PAIR_BIAS = {round(pb, 6)}\n"
            f"HEADLINE_PAIR_WEIGHTS = {[round(v, 6) for v in hpw]}\n"
            f"HEADLINE_PAIR_BIAS = {round(hpb, 6)}\n"
            "#: the linkage threshold with the best pooled held-out-topic BCubed F1 (0: off).\n"
            f"LINK_THRESHOLD = {best[2]}\n"
            f"HEADLINE_LINK_THRESHOLD = {h_best[2]}\n"
            "#: the text floors (online.MIN_TEXT_COSINE) chosen with the thresholds.\n"
            f"TEXT_FLOOR = {best[3]}\n"
            f"HEADLINE_TEXT_FLOOR = {h_best[3]}\n"
            "#: split ratios (refine.SPLIT_RATIO) by the same cross-validations (0: off).\n"
            f"SPLIT_RATIO = {best[4]}\n"
            f"HEADLINE_SPLIT_RATIO = {h_best[4]}\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
