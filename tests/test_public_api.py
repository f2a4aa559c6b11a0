"""The curated public API: it must not drift by accident, and must stay importable."""

from __future__ import annotations

import subprocess
import sys

import storyline

EXPECTED = [
    "AnnotatedArticle", "Annotator", "Article", "BoilerplateModel", "DaskPipeline", "Document",
    "DuplicateIndex", "OnlineClusterer", "Pipeline", "RunSummary", "Settings", "Store", "StoryDigest",
    "StorylineError", "__version__", "create_app", "extract_article", "iter_documents", "load_settings",
    "synthesize_story",
]


def test_public_names_are_exactly_the_curated_list():
    assert storyline.__all__ == sorted(EXPECTED)


def test_every_public_name_resolves():
    for name in storyline.__all__:
        assert getattr(storyline, name) is not None, name


def test_import_and_help_stay_light():
    # Heavy libraries load only when a stage needs them.
    code = (
        "import sys, storyline, storyline.cli; "
        "heavy = [m for m in ('spacy', 'sklearn', 'dask', 'fastapi', 'trafilatura') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
