#!/usr/bin/env bash
# Rebuilds storyline's C loops (storyline/_speedups.c) profile-guided, in place, where GCC builds
# them (scripts/setup.sh runs it after the install):
#   1. a build whose loops count the branches they take (STORYLINE_PGO=generate:DIR, setup.py);
#   2. a training run on the bundled example corpus only (scripts/pgo_train.py): never on
#      evaluation data, so the build is the same with or without ../shared;
#   3. the build laid out for the branches taken (STORYLINE_PGO=use:DIR).
# The loops compute exactly what the plain build does (no flag that changes arithmetic); the
# clusterer runs about 7% fewer instructions. Any failed step leaves the plain build.
#   scripts/build_speedups.sh [python]     (default .venv/bin/python)
set -uo pipefail
cd "$(dirname "$0")/.."
py=${1:-.venv/bin/python}
log=$(mktemp)
profile=$(mktemp -d)
trap 'rm -rf "$profile" "$log"' EXIT

build() { STORYLINE_PGO="$1" "$py" setup.py -q build_ext --inplace --force >>"$log" 2>&1; }

if ! "$py" -c "import setuptools" 2>/dev/null; then
  "$py" -m pip --disable-pip-version-check -q install setuptools >>"$log" 2>&1
fi
if ! "$py" -c "import sysconfig, sys; sys.exit('gcc' not in (sysconfig.get_config_var('CC') or ''))" 2>/dev/null \
    || ! command -v gcc >/dev/null; then
  echo "storyline's C loops: plain build (the profile-guided build needs GCC)" >&2
  exit 0
fi
echo "building storyline's C loops profile-guided (about a minute)..."
if build "generate:$profile" && "$py" scripts/pgo_train.py >>"$log" 2>&1 && build "use:$profile" \
    && "$py" -c "import sys, storyline._speedups as s; sys.exit(not s.PROFILE_GUIDED)" 2>>"$log"; then
  echo "storyline's C loops are built profile-guided"
else
  echo "warning: the profile-guided build of storyline's C loops failed; building them plainly. Its log:" >&2
  tail -n 5 "$log" >&2
  STORYLINE_PGO= "$py" setup.py -q build_ext --inplace --force >/dev/null 2>&1 \
    || echo "warning: storyline's C loops did not build; it runs on their slower Python references" >&2
fi
