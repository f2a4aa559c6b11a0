"""Builds the optional C loops of storyline (storyline._speedups: the clusterer's sparse
vectors, text mode's split of a page into lines and per-line word counts).

Everything else is in pyproject.toml. Where no C compiler is found the build of the
extension fails softly (``optional=True``) and storyline uses the pure-Python references
in storyline/cluster/_sparse.py and storyline/extract/_lines.py, which give the same results.
"""

import sys
from glob import glob

from setuptools import Extension, setup

# no fused multiply-add: the C sums must round as Python's do (/fp:strict is MSVC's way)
flags = ["/fp:strict"] if sys.platform == "win32" else ["-ffp-contract=off"]
# one translation unit: _speedups.c includes the parts of src/storyline/_c/ (one per stage),
# which are never compiled on their own; listed as depends so that editing one rebuilds it
parts = sorted(glob("src/storyline/_c/*.c"))
setup(
    ext_modules=[
        Extension("storyline._speedups", ["src/storyline/_speedups.c"], depends=parts,
                  extra_compile_args=flags, optional=True),
    ],
)
