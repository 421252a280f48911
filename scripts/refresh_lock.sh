#!/usr/bin/env bash
# Re-resolve requirements/test.lock: every package of the test environment (the runtime
# dependencies and the `test` and `browser` extras of pyproject.toml, transitive ones included)
# pinned to the newest release that fits, resolved for the Python that runs this script (the lock
# is made with Python 3.11, the development and CI machines' Python). Both extras go into the one
# lock, resolved together, so the browser tests' Jupyter servers never move a pin the notebooks'
# stored outputs depend on (tests/test_lock.py checks that every locked extra is asked for here).
#
#   bash scripts/refresh_lock.sh                    # upgrade every pin to the newest fitting release
#   bash scripts/refresh_lock.sh --upgrade-package ml-dtypes   # only this one (pip-compile's own flag)
#   bash scripts/refresh_lock.sh --no-upgrade       # keep every pin, only add what pyproject.toml gained
#
# After a refresh: reinstall (README's commands), re-execute the notebooks
# (scripts/execute_notebooks.py), run the whole suite, and read the notebooks' diff before
# committing: their stored outputs record what these versions do.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
TOOLS_VENV=${TOOLS_VENV:-${TMPDIR:-/tmp}/tfplotguard-lock-tools}
PIP_TOOLS_VERSION=7.6.2   # pinned too: another pip-tools may write the lock in another shape

if [ ! -x "$TOOLS_VENV/bin/pip-compile" ]; then
    "$PYTHON" -m venv "$TOOLS_VENV"
    "$TOOLS_VENV/bin/python" -m pip install -q --disable-pip-version-check "pip-tools==$PIP_TOOLS_VERSION"
fi

args=(--upgrade)
if [ "${1:-}" = "--no-upgrade" ]; then
    args=()
    shift
fi

# --no-emit-index-url / --no-emit-find-links: the lock names packages, never this machine's
# package sources; --allow-unsafe pins setuptools and pip-like packages too, so nothing floats.
"$TOOLS_VENV/bin/pip-compile" --quiet --extra test --extra browser --extra dev --strip-extras --allow-unsafe \
    --no-emit-index-url --no-emit-find-links "${args[@]}" "$@" \
    --output-file requirements/test.lock pyproject.toml
echo "wrote requirements/test.lock ($(grep -c '==' requirements/test.lock) pinned packages)"
