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
        # flat copies (node i of tree t at t*size+i; children point into the flat array):
        # 1-d takes are several times faster than 2-d broadcast indexing
        offset = (np.arange(len(trees)) * size)[:, None]
        self._size = size
        self._feature = self.feature.ravel()
        self._threshold = self.threshold.ravel()
        # children interleaved (right, left) so that one take by 2*node + went_left steps
        self._children = np.column_stack([(self.right + offset).ravel(), (self.left + offset).ravel()]).ravel()
        self._value = self.value.ravel()
        # each root's split (columns for broadcasting against a tree x line array)
        roots = np.arange(len(trees)) * size
        self._root_feature = self._feature[roots]
        self._root_threshold = self._threshold[roots][:, None]
        self._root_left = self._children[2 * roots + 1][:, None]
        self._root_right = self._children[2 * roots][:, None]

    def decision(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        if not n:
            return np.zeros(0)
        trees = self.feature.shape[0]
        by_feature = np.ascontiguousarray(x.T)  # feature-major: x[r, f] at f*n+r
        flat_x = by_feature.ravel()
        at = self._feature * n  # where each node's feature column starts in flat_x
        if self.depth:
            # the first step from every root at once: one row of by_feature per tree (speed)
            go_left = by_feature.take(self._root_feature, axis=0) <= self._root_threshold
            node = np.where(go_left, self._root_left, self._root_right)
        else:
            node = np.repeat((np.arange(trees) * self._size)[:, None], n, axis=1)
        columns = np.arange(n)  # added to each tree's row (trees x lines arrays throughout)
        # take(mode="clip"): every index is in range, and clipping skips the bounds
        # check that fancy indexing does (~15% of the time); in-place updates of node
        for _ in range(self.depth - 1):
            where = at.take(node, mode="clip")
            where += columns
            go_left = flat_x.take(where, mode="clip") <= self._threshold.take(node, mode="clip")
            node += node
            node += go_left
            node = self._children.take(node, mode="clip")
        return self.baseline + self._value.take(node, mode="clip").sum(axis=0)
