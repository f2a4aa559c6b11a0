"""A fitted gradient-boosted tree ensemble, evaluated in C or with numpy.

Trees are stored as flat arrays padded to the same node count. The compiled loop
(``storyline._speedups.tree_decision``) walks each row down each tree; its reference,
where the C loops were not compiled, is numpy level by level: one step advances every
line through every tree at once (``depth x a few array operations`` per page, not a
Python loop per node). Both give the same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .._speedups import tree_decision as _compiled_decision  # type: ignore
except ImportError:  # built without a C compiler: numpy runs (same values)
    _compiled_decision = None


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
        # the C loop reads node indices as Py_ssize_t (np.intp); arange's int may differ on some platforms
        self._children = self._children.astype(np.intp)
        self._value = self.value.ravel()
        # each root's split (columns for broadcasting against a tree x line array)
        roots = np.arange(len(trees)) * size
        self._root_feature = self._feature[roots]
        self._root_threshold = self._threshold[roots][:, None]
        self._root_left = self._children[2 * roots + 1][:, None]
        self._root_right = self._children[2 * roots][:, None]

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Baseline plus the trees' leaf values for each row of ``x`` (log-odds)."""
        if _compiled_decision is None or not x.shape[0]:
            return self._decision_reference(x)
        # each row walks each tree in C (no trees x rows temporaries); the same sums
        by_feature = np.ascontiguousarray(x.T, dtype=float)  # feature-major: x[r, f] at f*n+r
        sums = _compiled_decision(by_feature, x.shape[0], self._feature, self._threshold, self._children,
                                  self._value, self.feature.shape[0], self.depth, self.baseline)
        return np.frombuffer(sums, float)

    def _decision_reference(self, x: np.ndarray) -> np.ndarray:
        """:meth:`decision` level by level in numpy (without the C loops, and their reference)."""
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
