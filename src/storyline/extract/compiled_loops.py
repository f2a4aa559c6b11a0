"""Text mode's C loops (``storyline._speedups``) and their pure-Python references, in one
table: where each loop is held (module and name) and what runs in its place without a C
compiler. The bench (``bench/bench_extract.py``) and the tests swap them through it; the
extractor itself never imports this module.
"""

from __future__ import annotations

from . import _lines, _titles, _trees, boilerplate, html, text

#: (module, name, reference): the tree ensemble's reference is its numpy path, which runs
#: where the C loop is None
LOOPS = (
    (_lines, "split_lines", _lines._split_lines_reference),
    (text, "split_lines", _lines._split_lines_reference),
    (html, "split_lines", _lines._split_lines_reference),
    (_lines, "line_shapes", _lines._line_shapes_reference),
    (_lines, "lines_holding", _lines._lines_holding_reference),
    (_lines, "joined_samples", _lines._joined_samples_reference),
    (_lines, "line_token_sums", _lines._line_token_sums_reference),
    (_lines, "layout_columns", _lines._layout_columns_reference),
    (text, "context_features", _lines._context_features_reference),
    (boilerplate, "corpus_counts", boilerplate._corpus_counts_reference),
    (_titles, "candidate_rows", _titles._candidate_rows_reference),
    (_trees, "_compiled_decision", None),
)
#: what each place held at import: the C loops where they were compiled
COMPILED = {(module, name): getattr(module, name) for module, name, _ in LOOPS}


def compiled() -> bool:
    """Whether every place holds a C loop (not its reference)."""
    return all(COMPILED[module, name] is not reference for module, name, reference in LOOPS)


def use_references(use: bool) -> None:
    """Put the references in every place (``use``), or the loops held at import back."""
    for module, name, reference in LOOPS:
        setattr(module, name, reference if use else COMPILED[module, name])
