"""Shared fixtures: where the development data lives, a loaded spaCy annotator."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
EXAMPLES = ROOT / "examples"


def shared_data(relative: str) -> Path:
    """A file of ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"development data not found at {path} (it sits beside the repository in development)")
    return path


@pytest.fixture(scope="session")
def annotator():
    from storyline.annotate import Annotator

    return Annotator()
