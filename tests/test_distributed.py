"""The Dask runner gives the same stories as the local pipeline (a local cluster of 2 workers)."""

from __future__ import annotations

import pytest
from test_pipeline import EXPECTED, ROOT, _grouping

from storyline.config import Settings
from storyline.store import Store

pytest.importorskip("dask.distributed", reason="the dask extra is not installed")


def test_dask_run_groups_the_examples_like_the_local_run(tmp_path):
    from storyline.distributed import DaskPipeline

    path = tmp_path / "dask.db"
    with Store(path) as store:
        summary = DaskPipeline(store, settings=Settings(db=str(path)), workers=2).run([str(ROOT / "examples")])
        assert summary.new_articles == len(EXPECTED["articles"]) and summary.skipped == []
        found = {frozenset(keys) for keys in _grouping(store).values()}
    assert found == {frozenset(story["articles"]) for story in EXPECTED["stories"].values()}
    # a second run over the same inputs adds nothing
    with Store(path) as store:
        again = DaskPipeline(store, settings=Settings(db=str(path)), workers=2).run([str(ROOT / "examples")])
    assert again.new_articles == 0 and again.unchanged == len(EXPECTED["articles"])
