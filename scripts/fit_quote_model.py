"""Fit the quote / not-a-quote model of ``storyline.annotate.quotes`` on PolNeAR train.

Usage (from the repository root)::

    PYTHONPATH=src python scripts/fit_quote_model.py ../shared/data/quotes/polnear-train.jsonl \
        [--cache /tmp/polnear-train.spacy]

Every quoted passage the extractor finds (before the model) is labelled 1 when
at least half of it lies inside a gold *direct* attribution's content span (the
matching rule of ``storyline eval quotes``), else 0. A logistic regression on
the passage features is fitted, and the probability threshold is the one that
maximises passage F1 in 5-fold cross-validation on the same train file. The
weights go to ``src/storyline/annotate/quote_model.json``. Only train is read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from storyline.annotate.annotator import load_spacy
from storyline.annotate.quotes import find_passages

OUT = Path(__file__).resolve().parents[1] / "src" / "storyline" / "annotate" / "quote_model.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("train")
    parser.add_argument("--cache", help="spaCy DocBin of the train texts (written when missing)")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from spacy.tokens import DocBin

    rows = [json.loads(line) for line in open(args.train, encoding="utf-8") if line.strip()]
    nlp = load_spacy()
    if args.cache and Path(args.cache).exists():
        docs = list(DocBin().from_disk(args.cache).get_docs(nlp.vocab))
    else:
        docs = list(nlp.pipe((r["text"] for r in rows), batch_size=32))
        if args.cache:
            bin_ = DocBin()
            for doc in docs:
                bin_.add(doc)
            bin_.to_disk(args.cache)
    features, labels = [], []
    for row, doc in zip(rows, docs, strict=True):
        gold = [
            (a["content"]["start"], a["content"]["end"]) for a in row["attributions"] if a["direct"]
        ]
        for passage in find_passages(doc):
            length = max(1, passage.end - passage.start)
            inside = any(
                min(passage.end, e) - max(passage.start, s) >= 0.5 * length for s, e in gold
            )
            features.append(passage.features)
            labels.append(int(inside))
    names = sorted({k for f in features for k in f})
    x = np.array([[f.get(k, 0.0) for k in names] for f in features])
    y = np.array(labels)
    probabilities = np.zeros(len(y))
    for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(x, y):
        model = LogisticRegression(C=1.0, max_iter=2000).fit(x[train], y[train])
        probabilities[test] = model.predict_proba(x[test])[:, 1]
    best = (0.0, 0.5)
    for threshold in np.arange(0.05, 0.95, 0.01):
        predicted = probabilities >= threshold
        tp = float((predicted & (y == 1)).sum())
        precision = tp / max(1, predicted.sum())
        recall = tp / max(1, (y == 1).sum())
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        if f1 > best[0]:
            best = (f1, float(threshold))
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    result = {
        "fitted_on": Path(args.train).name,
        "passages": len(y),
        "positive_share": round(float(y.mean()), 4),
        "cv_passage_f1": round(best[0], 4),
        "threshold": round(best[1], 2),
        "bias": round(float(model.intercept_[0]), 5),
        "weights": {k: round(float(w), 5) for k, w in zip(names, model.coef_[0], strict=True)},
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "weights"}), file=sys.stderr)


if __name__ == "__main__":
    main()
