"""Fit the text-mode headline ranker and write ``src/storyline/extract/_title_weights.py``.

Candidates and features: :func:`storyline.extract._titles.title_features`. A
candidate is positive when it equals the gold title after case/quote/whitespace
folding. A conditional logit (a softmax over each page's candidates) scores
candidates; a page's title is its best candidate. Reports page-level title accuracy by 5-fold CV grouped by site (no
site is in both train and test), and the ceiling (pages whose gold title is
among the candidates). Only wcxb-dev has gold titles. ``--mode html`` fits the
HTML-mode ranker over the titles the markup offers (:mod:`storyline.extract._html_titles`).

    python bench/fit_title_model.py --data ../shared/data/extraction [--mode html] [--write]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.extract._lines import split_lines  # noqa: E402
from storyline.extract._titles import TITLE_FEATURES, strip_title, title_features, title_key  # noqa: E402
from storyline.extract.boilerplate import BoilerplateModel  # noqa: E402
from storyline.extract.text import _F, KEEP_THRESHOLD, score_lines  # noqa: E402

FILE = "wcxb-dev-articles.jsonl.gz"
#: fold draws averaged in the cross-validation.
SEEDS = 6


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    model = BoilerplateModel()
    for row in rows:
        model.partial_fit([row["page_text"]], site=row.get("domain"))
    pages = []
    for row in rows:
        if not row.get("gold_title"):
            continue
        page = split_lines(row["page_text"])
        if not page.texts:
            pages.append({"site": row.get("domain"), "idx": [], "x": np.zeros((0, len(TITLE_FEATURES))), "y": np.zeros(0)})
            continue
        scores, feats = score_lines(page, boilerplate=model, site=row.get("domain"), page_text=row["page_text"])
        first = next((i for i, s in enumerate(scores) if s > KEEP_THRESHOLD), len(scores))
        idx, x = title_features(
            page, feats, scores, first, threshold=KEEP_THRESHOLD, feature_index=_F, site=row.get("domain")
        )
        gold = title_key(row["gold_title"])
        y = np.array([float(title_key(strip_title(page.texts[i])) == gold) for i in idx])
        where = [i for i, t in enumerate(page.texts) if title_key(strip_title(t)) == gold]
        pages.append({"site": row.get("domain"), "idx": idx, "x": x, "y": y, "offset": (where[0] - first) if where else None})
    return pages


def load_html(path: Path) -> list[dict]:
    import trafilatura

    from storyline.extract import _title_weights
    from storyline.extract._html_titles import HTML_TITLE_FEATURES, html_title_candidates
    from storyline.extract._render import render_text
    from storyline.extract.html import read_metadata, strip_scripts

    # read_metadata ranks with the shipped weights; a feature added since they were
    # fitted has none yet (only the candidates and features are used here)
    _title_weights.HTML_WEIGHTS = {**dict.fromkeys(HTML_TITLE_FEATURES, 0.0), **_title_weights.HTML_WEIGHTS}

    pages = []
    for line in gzip.open(path, "rt", encoding="utf-8"):
        row = json.loads(line)
        if not row.get("gold_title"):
            continue
        tree = trafilatura.load_html(strip_scripts(row["html"]))
        texts, x = [], []
        if tree is not None:
            page_text = render_text(tree)
            meta = read_metadata(tree, site=row.get("domain"), page_text=page_text)
            texts, x = html_title_candidates(meta.title_sources, site=row.get("domain"), page_text=page_text)
        gold = title_key(row["gold_title"])
        y = np.array([float(title_key(t) == gold) for t in texts])
        pages.append({"site": row.get("domain"), "x": np.array(x, dtype=float).reshape(len(texts), -1), "y": y})
    return pages


class _Logistic:
    def __init__(self, c: float) -> None:
        self.c = c

    def fit(self, pages: list[dict]) -> LogisticRegression:
        return fit(pages, self.c)


def fit(pages: list[dict], c: float) -> LogisticRegression:
    x = np.vstack([p["x"] for p in pages if len(p["x"])])
    y = np.concatenate([p["y"] for p in pages if len(p["x"])])
    # every page weighs the same whatever its number of candidates
    w = np.concatenate([np.full(len(p["x"]), 1.0 / len(p["x"])) for p in pages if len(p["x"])])
    w *= len(w) / w.sum()
    return LogisticRegression(C=c, max_iter=5000, fit_intercept=False).fit(x, y, sample_weight=w)


class Ranker:
    """Conditional logit: a softmax over each page's candidates, fitted to put the
    probability on the gold ones (L2 penalty ``1 / (2c)``). Its weights score
    candidates exactly as the logistic model's do, so either ships as a weight table."""

    def __init__(self, *, c: float = 1.0) -> None:
        self.c = c

    def fit(self, pages: list[dict]) -> Ranker:
        from scipy.optimize import minimize

        data = [(p["x"], p["y"] > 0) for p in pages if len(p["x"]) and p["y"].any()]
        x = np.vstack([d[0] for d in data])
        gold = np.concatenate([d[1] for d in data])
        sizes = np.array([len(d[0]) for d in data])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            s = x @ w
            e = np.exp(s - np.repeat(np.maximum.reduceat(s, starts), sizes))
            z = np.add.reduceat(e, starts)
            eg = np.where(gold, e, 0.0)
            zg = np.add.reduceat(eg, starts)
            p_all = e / np.repeat(z, sizes)
            p_gold = eg / np.repeat(zg, sizes)
            return float(-np.log(zg / z).sum() + w @ w / (2 * self.c)), x.T @ (p_all - p_gold) + w / self.c

        self.coef_ = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x[None, :]
        return self


def accuracy(model: LogisticRegression | Ranker, pages: list[dict]) -> float:
    right = 0
    for p in pages:
        if len(p["x"]):
            right += int(p["y"][int(np.argmax(p["x"] @ model.coef_[0]))] > 0)
    return right / len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/extraction")
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--mode", choices=("text", "html"), default="text")
    parser.add_argument("--ranker", choices=("logit", "logistic"), default="logit",
                        help="conditional logit over a page's candidates, or a logistic model per candidate")
    args = parser.parse_args()
    pages = load(args.data / FILE) if args.mode == "text" else load_html(args.data / FILE)
    offsets = sorted(p["offset"] for p in pages if p.get("offset") is not None)
    print(f"{args.mode} mode: {len(pages)} pages with a gold title; gold among candidates: "
          f"{sum(p['y'].any() for p in pages if len(p['y'])) / len(pages):.3f}")
    if offsets:
        print(f"gold line found in page text: {len(offsets) / len(pages):.3f}; offset to body start "
              f"5/50/95%: {[offsets[int(q * (len(offsets) - 1))] for q in (0.05, 0.5, 0.95)]}")
    sites = sorted({p["site"] or "" for p in pages})
    # the conditional logit in both modes: on the same features and folds it scored
    # 0.8945 against 0.8856 for a logistic model over candidates in HTML mode, and
    # 0.7775 against 0.7616 in text mode (2026-12-01; 6 fold draws, C=1); gradient-boosted
    # trees over candidates scored below both (0.874-0.878 HTML, 0.759-0.761 text).
    make = (lambda c: Ranker(c=c)) if args.ranker == "logit" else (lambda c: _Logistic(c))
    for c in (0.3, 1.0, 3.0):
        # folds drawn with several seeds: one draw moves the figure by about 0.01
        scores = []
        for seed in range(SEEDS):
            fold_of = dict(zip(sites, np.random.default_rng(seed).permutation(len(sites)) % 5, strict=True))
            right = 0.0
            for k in range(5):
                train = [p for p in pages if fold_of[p["site"] or ""] != k]
                test = [p for p in pages if fold_of[p["site"] or ""] == k]
                right += accuracy(make(c).fit(train), test) * len(test)
            scores.append(right / len(pages))
        print(f"C={c}: 5-fold site-grouped CV title accuracy {np.mean(scores):.4f} "
              f"(mean of {SEEDS} fold draws; first draw {scores[0]:.4f})")
    if args.write:
        model = make(args.c).fit(pages)
        print(f"train accuracy {accuracy(model, pages):.4f}")
        from storyline.extract import _title_weights
        from storyline.extract._html_titles import HTML_TITLE_FEATURES

        names = TITLE_FEATURES if args.mode == "text" else HTML_TITLE_FEATURES
        weights = dict(zip(names, (round(float(v), 5) for v in model.coef_[0]), strict=True))
        text_weights = weights if args.mode == "text" else _title_weights.WEIGHTS
        html_weights = weights if args.mode == "html" else _title_weights.HTML_WEIGHTS
        out = Path(__file__).resolve().parents[1] / "src/storyline/extract/_title_weights.py"
        out.write_text(
            '"""Fitted headline-ranker weights; generated by bench/fit_title_model.py, do not edit."""\n\n'
            f"WEIGHTS = {text_weights!r}\n"
            f"HTML_WEIGHTS = {html_weights!r}\n",
            encoding="utf-8",
        )
        print("wrote", out)


if __name__ == "__main__":
    main()
