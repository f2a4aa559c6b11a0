"""Fit the text-mode line classifier and write ``src/storyline/extract/_line_weights.py``.

Two logistic regressions: stage 1 scores each line from its own features
(:func:`storyline.extract._lines.line_features`); stage 2 rescores it from the
stage-1 scores of its neighbours (:func:`context_features`), trained on
out-of-fold stage-1 scores. A line's label is whether its words appear in the
page's gold body (see :func:`label_lines`). Reports, by page-level bag-of-words
F1: train-on-one-file/test-on-the-other, and 5-fold grouped CV on both files.

    python bench/fit_line_model.py --data ../shared/data/extraction [--write]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.evaluate.extraction import bow_scores  # noqa: E402
from storyline.extract._lines import (  # noqa: E402
    CONTEXT_FEATURES,
    FEATURES,
    context_features,
    line_features,
    split_lines,
)
from storyline.extract.boilerplate import BoilerplateModel  # noqa: E402

_TOKEN = re.compile(r"\w+")
FILES = ("scrapinghub.jsonl.gz", "wcxb-dev-articles.jsonl.gz")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def label_lines(texts: list[str], gold: str | None) -> list[int]:
    """1 when a line's token sequence occurs in the gold body (short lines: as a whole gold line)."""
    gold = gold or ""
    gold_lines = {" ".join(tokens(line)) for line in gold.splitlines()}
    gold_lines.discard("")
    gold_seq = " " + " ".join(tokens(gold)) + " "
    gold_set = set(tokens(gold))
    labels = []
    for text in texts:
        toks = tokens(text)
        if not toks:
            labels.append(0)
            continue
        seq = " ".join(toks)
        if len(toks) <= 4:
            hit = seq in gold_lines or any(g.startswith(seq + " ") for g in gold_lines if len(g) < 200)
        else:
            hit = f" {seq} " in gold_seq or (
                len(toks) >= 8 and sum(t in gold_set for t in toks) / len(toks) >= 0.9
            )
        labels.append(int(hit))
    return labels


def site_of(row: dict) -> str:
    if row.get("domain"):
        return row["domain"]
    return urlsplit(row.get("url") or "").hostname or ""


def load(data: Path, name: str) -> list[dict]:
    rows = [json.loads(line) for line in gzip.open(data / name, "rt", encoding="utf-8")]
    model = BoilerplateModel()
    for row in rows:
        model.partial_fit([row["page_text"]], site=site_of(row))
    pages = []
    for row in rows:
        page = split_lines(row["page_text"])
        sites, same = model.counts(page.texts, site=site_of(row), page=row["page_text"])
        x = np.array(line_features(page, corpus_sites=sites, site_pages=same), dtype=float)
        y = np.array(label_lines(page.texts, row["gold_text"]))
        ntok = np.array([max(len(tokens(t)), 1) for t in page.texts], dtype=float)
        pages.append({"x": x, "y": y, "ntok": ntok, "texts": page.texts, "gold": row["gold_text"]})
    return pages


def stack(pages: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.vstack([p["x"] for p in pages if len(p["x"])])
    y = np.concatenate([p["y"] for p in pages])
    # each page weighs the same (the metric averages pages); within a page, lines by tokens
    w = np.concatenate([p["ntok"] / p["ntok"].sum() * len(p["ntok"]) ** 0.5 for p in pages])
    return x, y, w


def fit_lr(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=2000, fit_intercept=False)
    return model.fit(x, y, sample_weight=w)


#: stage-1 learner: "lr" (logistic regression) or "hgb" (gradient-boosted trees).
STAGE1_KIND = ["hgb"]
#: tree ensemble size; small enough to evaluate at hundreds of pages per second.
#: 2026-12-02, whole extractor held out (--cv pipeline), text scrapinghub / wcxb, HTML
#: scrapinghub / wcxb: 80 trees at rate 0.1 0.9332 / 0.9343, 0.9630 / 0.9468; 40 at 0.2
#: 0.9329 / 0.9342, 0.9655 / 0.9467 (chosen: the same text F1, and text mode 5-6% faster
#: in paired chunks); 30 at 0.25 0.9333 / 0.9327, 0.9655 / 0.9471; 120 at 0.07 0.9323 /
#: 0.9337, 0.9664 / 0.9467; 60 trees of 16 leaves 0.9313 / 0.9329; min_samples_leaf 80
#: 0.9310 / 0.9338; depth 4 (40 at 0.2) 0.9274 / 0.9334.
HGB_PARAMS = {"max_iter": 40, "max_depth": 5, "learning_rate": 0.2, "max_leaf_nodes": 24, "min_samples_leaf": 40, "random_state": 0}


def fit_stage1(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float):
    if STAGE1_KIND[0] == "lr":
        return fit_lr(x, y, w, c)
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**HGB_PARAMS).fit(x, y, sample_weight=w * len(w) / w.sum())


def stage1_scores(model, page: dict) -> list[float]:
    if not len(page["x"]):
        return []
    if isinstance(model, LogisticRegression):
        return list(page["x"] @ model.coef_[0])
    return list(model.decision_function(page["x"]))


def export_trees(model) -> dict:
    """The fitted HistGradientBoostingClassifier as a TreeEnsemble spec."""
    trees = []
    depth = 0
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        depth = max(depth, int(nodes["depth"].max()))
        trees.append(
            {
                "feature": [int(v) for v in nodes["feature_idx"]],
                "threshold": [float(v) for v in nodes["num_threshold"]],  # exact: x == threshold happens
                "left": [-1 if lf else int(v) for v, lf in zip(nodes["left"], leaf, strict=False)],
                "right": [-1 if lf else int(v) for v, lf in zip(nodes["right"], leaf, strict=False)],
                "value": [round(float(v), 6) if lf else 0.0 for v, lf in zip(nodes["value"], leaf, strict=False)],
            }
        )
    return {"baseline": float(np.ravel(model._baseline_prediction)[0]), "depth": depth, "trees": trees}


def fit_two_stage(pages: list[dict], *, c1: float, c2: float, folds: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pages))
    oof: list[list[float]] = [[] for _ in pages]
    for k in range(folds):
        test = set(order[k::folds].tolist())
        train = [p for i, p in enumerate(pages) if i not in test]
        m1 = fit_stage1(*stack(train), c1)
        for i in test:
            oof[i] = stage1_scores(m1, pages[i])
    m1 = fit_stage1(*stack(pages), c1)
    ctx = [dict(p, x=np.array(context_features(s)).reshape(-1, len(CONTEXT_FEATURES))) for p, s in zip(pages, oof, strict=False)]
    m2 = fit_lr(*stack(ctx), c2)
    return m1, m2


def predict(m1, m2, page: dict) -> np.ndarray:
    s = stage1_scores(m1, page)
    if not s:
        return np.array([])
    return np.array(context_features(s)) @ m2.coef_[0]


def page_f1(pages: list[dict], scores: list[np.ndarray], threshold: float) -> tuple[float, float, float]:
    outs = []
    for p, s in zip(pages, scores, strict=False):
        kept = [t for t, v in zip(p["texts"], s, strict=False) if v > threshold]
        outs.append(bow_scores(p["gold"], "\n".join(kept)))
    return tuple(float(np.mean([o[i] for o in outs])) for i in range(3))  # type: ignore[return-value]


def pipeline_cv(folder: Path, data: dict[str, list[dict]], *, c1: float, c2: float, dump: Path | None = None) -> None:
    """Held-out F1, title and date of the whole extractor, text and HTML mode: the same 5
    folds as the line-classifier CV; each fold's pages are extracted with a line model
    fitted on the rest (HTML mode reads the classifier too). ``dump``: one JSON line per
    page and mode (scores, extracted title and text) for error analysis."""
    from storyline.errors import StorylineError
    from storyline.evaluate.extraction import page_document, page_scores
    from storyline.extract import _line_weights

    # the fold models replace the shipped weights, which may predate a new feature
    _line_weights.FEATURES = list(FEATURES)
    from storyline.extract import extract_article, text
    from storyline.extract._trees import TreeEnsemble

    both = [(name, p) for name in FILES for p in data[name]]
    rows = [row for name in FILES for row in (json.loads(line) for line in gzip.open(folder / name, "rt", encoding="utf-8"))]
    modes = ("text", "html")
    docs = {mode: [page_document(row, mode, source=f"cv#{i}") for i, row in enumerate(rows)] for mode in modes}
    models = {(mode, name): BoilerplateModel() for mode in modes for name in FILES}
    for mode in modes:
        for (name, _), doc in zip(both, docs[mode], strict=True):
            models[mode, name].partial_fit([doc], site=doc.hints.get("site"))
    order = np.random.default_rng(1).permutation(len(both))
    results: dict[str, list] = {mode: [None] * len(both) for mode in modes}
    saved = text._STAGE1, text._W2
    dump_lines: list[dict] | None = [] if dump else None
    try:
        for k in range(5):
            test = set(order[k::5].tolist())
            m1, m2 = fit_two_stage([p for i, (_, p) in enumerate(both) if i not in test], c1=c1, c2=c2)
            text._STAGE1 = TreeEnsemble(export_trees(m1)) if STAGE1_KIND[0] == "hgb" else m1.coef_[0]
            text._W2 = m2.coef_[0]
            for i in sorted(test):
                row = rows[i]
                for mode in modes:
                    try:
                        article = extract_article(docs[mode][i], boilerplate=models[mode, both[i][0]])
                    except StorylineError:  # scored as the eval scores a refused page
                        article = None
                    results[mode][i] = page_scores(row, article)
                    if dump_lines is not None:
                        dump_lines.append({"file": both[i][0], "row": i, "mode": mode, "url": row.get("url"),
                                           "prf": results[mode][i][0], "title_ok": results[mode][i][1],
                                           "title": article.title if article else None,
                                           "gold_title": row.get("gold_title"),
                                           "text": article.text if article else "", "gold": row["gold_text"]})
            print(f"  fold {k + 1}/5 done", flush=True)
    finally:
        text._STAGE1, text._W2 = saved
    for mode in modes:
        for name in FILES:
            mine = [r for (n, _), r in zip(both, results[mode], strict=True) if n == name]
            prf = [float(np.mean([r[0][j] for r in mine])) for j in range(3)]
            titles = [r[1] for r in mine if r[1] is not None]
            days = [r[2] for r in mine if r[2] is not None]
            extra = (f" title {np.mean(titles):.4f}" if titles else "") + (f" date {np.mean(days):.4f}" if days else "")
            print(f"  {mode} {name} held-out P/R/F1 {prf[0]:.4f} {prf[1]:.4f} {prf[2]:.4f}{extra}")
    if dump and dump_lines is not None:
        dump.write_text("".join(json.dumps(line) + "\n" for line in dump_lines), encoding="utf-8")
        print("wrote", dump)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/extraction")
    parser.add_argument("--c1", type=float, default=1.0)
    parser.add_argument("--c2", type=float, default=1.0)
    parser.add_argument("--write", action="store_true", help="write the fitted weights into the package")
    parser.add_argument("--cv", choices=("all", "kfold", "pipeline", "none"), default="all",
                        help="pipeline: the whole text-mode extractor (titles, bylines, rules) on held-out folds")
    parser.add_argument("--cache", nargs="?", type=Path, const=Path("/tmp/storyline_line_data.pkl"), default=None,
                        metavar="FILE", help="keep the line features in FILE and reuse them (features unchanged)")
    parser.add_argument("--dump", type=Path, default=None, metavar="FILE",
                        help="with --cv pipeline: one JSON line per held-out page (scores, extracted text)")
    parser.add_argument("--stage1", choices=("lr", "hgb"), default="hgb")
    parser.add_argument("--trees", type=int, default=HGB_PARAMS["max_iter"], help="stage-1 trees (hgb)")
    parser.add_argument("--learning-rate", type=float, default=HGB_PARAMS["learning_rate"], help="stage-1 learning rate (hgb)")
    parser.add_argument("--hgb", nargs="*", default=[], metavar="KEY=VALUE",
                        help="other stage-1 tree settings, e.g. l2_regularization=1 min_samples_leaf=100")
    args = parser.parse_args()
    STAGE1_KIND[0] = args.stage1
    HGB_PARAMS.update(max_iter=args.trees, learning_rate=args.learning_rate)
    for setting in args.hgb:
        key, _, value = setting.partition("=")
        HGB_PARAMS[key] = float(value) if "." in value or "e" in value else int(value)
    print("stage 1:", args.stage1, HGB_PARAMS if args.stage1 == "hgb" else f"C={args.c1}")
    import pickle

    cache = args.cache
    if cache and cache.exists():
        data = pickle.loads(cache.read_bytes())
    else:
        data = {name: load(args.data, name) for name in FILES}
        if args.cache:
            cache.write_bytes(pickle.dumps(data))
    if args.cv == "pipeline":
        pipeline_cv(args.data, data, c1=args.c1, c2=args.c2, dump=args.dump)
        return
    thresholds = (-1.0, -0.5, 0.0, 0.5)
    for name in FILES:
        print(f"label ceiling {name}:", [f"{v:.4f}" for v in page_f1(data[name], [p["y"] - 0.5 for p in data[name]], 0.0)])
    print("cross-file (fit on one file, test on the other): precision recall f1")
    for train_name, test_name in ((FILES[0], FILES[1]), (FILES[1], FILES[0])) if args.cv == "all" else ():
        m1, m2 = fit_two_stage(data[train_name], c1=args.c1, c2=args.c2)
        scores = [predict(m1, m2, p) for p in data[test_name]]
        for t in thresholds:
            print(f"  {train_name} -> {test_name} t={t:+.1f}", [f"{v:.4f}" for v in page_f1(data[test_name], scores, t)])
    print("5-fold grouped CV over both files, scored per file:")
    both = [(name, p) for name in FILES for p in data[name]]
    rng = np.random.default_rng(1)
    order = rng.permutation(len(both))
    scores_cv: list[np.ndarray] = [np.array([])] * len(both)
    for k in range(5 if args.cv != "none" else 0):
        test = set(order[k::5].tolist())
        m1, m2 = fit_two_stage([p for i, (_, p) in enumerate(both) if i not in test], c1=args.c1, c2=args.c2)
        for i in test:
            scores_cv[i] = predict(m1, m2, both[i][1])
    for name in FILES if args.cv != "none" else ():
        idx = [i for i, (n, _) in enumerate(both) if n == name]
        for t in thresholds:
            print(f"  {name} t={t:+.1f}", [f"{v:.4f}" for v in page_f1([both[i][1] for i in idx], [scores_cv[i] for i in idx], t)])
    if args.write:
        m1, m2 = fit_two_stage([p for _, p in both], c1=args.c1, c2=args.c2)
        out = Path(__file__).resolve().parents[1] / "src/storyline/extract/_line_weights.py"
        if isinstance(m1, LogisticRegression):
            stage1 = dict(zip(FEATURES, (round(float(v), 5) for v in m1.coef_[0]), strict=True))
        else:
            spec = export_trees(m1)
            # self-check: the numpy evaluator reproduces sklearn's scores
            from storyline.extract._trees import TreeEnsemble

            sample = np.vstack([p["x"] for _, p in both[:50] if len(p["x"])])
            gap = np.abs(TreeEnsemble(spec).decision(sample) - m1.decision_function(sample)).max()
            assert gap < 1e-3, gap
            stage1 = spec
        stage2 = dict(zip(CONTEXT_FEATURES, (round(float(v), 5) for v in m2.coef_[0]), strict=True))
        out.write_text(
            '"""Fitted line-classifier parameters; generated by bench/fit_line_model.py, do not edit."""\n\n'
            f"FEATURES = {list(FEATURES)!r}\n"
            f"STAGE1 = {json.dumps(stage1, separators=(',', ':'))}\n"
            f"STAGE2 = {stage2!r}\n",
            encoding="utf-8",
        )
        print("wrote", out)


if __name__ == "__main__":
    main()
