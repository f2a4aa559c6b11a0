"""Builds the optional C loops of storyline (storyline._speedups: the clusterer's sparse
vectors, text mode's split of a page into lines and per-line word counts).

Everything else is in pyproject.toml. Where no C compiler is found the build of the
extension fails softly (``optional=True``) and storyline uses the pure-Python references
in storyline/cluster/_sparse.py and storyline/extract/_lines.py, which give the same results.
"""

import os
import sys
from glob import glob

from setuptools import Extension, setup

# no fused multiply-add: the C sums must round as Python's do (/fp:strict is MSVC's way)
flags = ["/fp:strict"] if sys.platform == "win32" else ["-ffp-contract=off"]
# the profile-guided build of scripts/build_speedups.sh (GCC): "generate:DIR" builds loops that
# record which branches they take into DIR, "use:DIR" builds them laid out for those branches
pgo_step, _, pgo_dir = os.environ.get("STORYLINE_PGO", "").partition(":")
link_flags = []
if pgo_step == "generate" and pgo_dir:
    flags += [f"-fprofile-generate={pgo_dir}", "-fprofile-update=single"]
    link_flags += [f"-fprofile-generate={pgo_dir}"]
elif pgo_step == "use" and pgo_dir:
    # code the training run never reached is optimised as without a profile, not as cold
    flags += [f"-fprofile-use={pgo_dir}", "-fprofile-partial-training", "-fprofile-correction", "-Wno-missing-profile",
              "-DSTORYLINE_PROFILE_GUIDED"]
elif pgo_step:
    sys.exit(f"STORYLINE_PGO must be generate:DIR or use:DIR, not {pgo_step!r}")
# one translation unit: _speedups.c includes the parts of src/storyline/_c/ (one per stage),
# which are never compiled on their own; listed as depends so that editing one rebuilds it
parts = sorted(glob("src/storyline/_c/*.c"))
setup(
    ext_modules=[
        Extension("storyline._speedups", ["src/storyline/_speedups.c"], depends=parts,
                  # a profile-guided step must fail loudly: its script then builds them plainly
                  extra_compile_args=flags, extra_link_args=link_flags, optional=not pgo_step),
    ],
)
