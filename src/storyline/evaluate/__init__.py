"""Evaluation harness behind ``storyline eval TASK FILE``.

Each task lives in its own module (``clustering``, ``pairs``, ``extraction``,
``quotes``, ``summaries``) exposing ``evaluate(path, **options) -> dict``.
The dict is exactly what ``--json`` prints: the headline metrics, ``n``,
``seconds`` and a ``baseline`` dict with the same metrics for the named peer
method, computed in the same run on the same items.
"""

from __future__ import annotations

import gzip
import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import EvaluationError

TASKS = ("clustering", "pairs", "extraction", "quotes", "summaries")


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the objects of a JSONL file (``.gz`` read transparently)."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"{path}: no such file")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise EvaluationError(f"{path}:{number}: not JSON ({exc.msg})") from None
    except (OSError, EOFError) as exc:
        raise EvaluationError(f"{path}: cannot read ({exc})") from None


def run_task(task: str, path: str, **options: Any) -> dict[str, Any]:
    """Run one evaluation task and return its result dict."""
    if task not in TASKS:
        raise EvaluationError(f"unknown evaluation task {task!r}; choose from {', '.join(TASKS)}")
    module = importlib.import_module(f"{__name__}.{task}")
    return module.evaluate(path, **options)  # type: ignore[no-any-return]
