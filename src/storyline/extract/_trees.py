"""A fitted gradient-boosted tree ensemble evaluated with numpy, level by level.

Trees are stored as flat arrays padded to the same node count, so one numpy
step advances every line through every tree at once: the cost is
``depth x a few array operations`` per page, not a Python loop per node.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class TreeEnsemble:
    """Sum of regression trees plus a baseline: log-odds for each row of ``X``.

    ``spec``: {"baseline": float, "depth": int, "trees": [{"feature": [...],
    "threshold": [...], "left": [...], "right": [...], "value": [...]}, ...]};
    a node is a leaf when its ``left`` is -1. Rows go left when
    ``x[feature] <= threshold``.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        trees = spec["trees"]
        size = max(len(t["value"]) for t in trees)

        def pad(key: str, fill: float) -> np.ndarray:
            return np.array([t[key] + [fill] * (size - len(t[key])) for t in trees])

        self.baseline = float(spec["baseline"])
        self.depth = int(spec["depth"])
        self.feature = pad("feature", 0).astype(np.intp)
        self.threshold = pad("threshold", 0.0).astype(float)
        left = pad("left", -1).astype(np.intp)
        right = pad("right", -1).astype(np.intp)
        leaf = left < 0
        nodes = np.arange(size)[None, :]
        # a leaf points to itself, so extra steps past a shallow leaf are harmless
        self.left = np.where(leaf, nodes, left)
        self.right = np.where(leaf, nodes, right)
        self.value = pad("value", 0.0).astype(float)
        self._tree_index = np.arange(len(trees))[None, :]

    def decision(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        if not n:
            return np.zeros(0)
        t = self._tree_index
        node = np.zeros((n, t.shape[1]), dtype=np.intp)
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            feature = self.feature[t, node]
            go_left = x[rows, feature] <= self.threshold[t, node]
            node = np.where(go_left, self.left[t, node], self.right[t, node])
        return self.baseline + self.value[t, node].sum(axis=1)
