#!/usr/bin/env bash
# Run the conversion, parity and reliability tests under the oldest versions tfplotguard claims
# (pyproject.toml: matplotlib>=3.7, tensorflow>=2.15, ipython>=8.10), in a throwaway venv outside the repository.
#
#   bash scripts/check_oldest.sh                 # the default test selection below
#   bash scripts/check_oldest.sh tests/test_convert.py -x
#
# Environment: PYTHON (default python3.11; TensorFlow 2.15 has wheels for 3.9-3.11),
# MPL_VERSION (default 3.7.0), TF_VERSION (default 2.15.0), IPYTHON_VERSION (default 8.10.0),
# OLDEST_VENV (where the venv goes; reused when it already exists, delete it to start over).
#
# IPython is the floor itself, 8.10.0: the %%tfcheck magic needs IPython.core.magic's
# output_can_be_silenced, which 8.9 lacks. (IPython 9 would not do here anyway: matplotlib 3.7's
# pyplot imports IPython.core.pylabtools.backend2gui, which IPython 9 removed.)
#
# The package is not installed into the venv: the tests import it from this checkout through
# PYTHONPATH, so nothing is written into the repository. Entry points matplotlib 3.7 lacks (ecdf,
# grouped_bar, Axes3D.fill_between, ...) must simply be absent from guard.patch_targets(): their
# parity cases skip, and test_reliability_versions.py checks the skipping itself.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
MPL_VERSION=${MPL_VERSION:-3.7.0}
TF_VERSION=${TF_VERSION:-2.15.0}
IPYTHON_VERSION=${IPYTHON_VERSION:-8.10.0}
PY_TAG=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
OLDEST_VENV=${OLDEST_VENV:-${TMPDIR:-/tmp}/tfplotguard-oldest-py$PY_TAG-mpl$MPL_VERSION-tf$TF_VERSION-ipython$IPYTHON_VERSION}

if [ "$#" -gt 0 ]; then
    TESTS=("$@")
else
    TESTS=(tests/test_convert.py tests/test_convert_once.py tests/test_entry_points.py tests/test_extension.py
           tests/test_reliability_properties.py tests/test_reliability_failopen.py
           tests/test_reliability_versions.py tests/test_reliability_memory.py tests/test_reliability_threads.py
           tests/test_reliability_config.py)
fi

if [ ! -x "$OLDEST_VENV/bin/python" ]; then
    echo "+ creating $OLDEST_VENV (matplotlib $MPL_VERSION, tensorflow-cpu $TF_VERSION, IPython $IPYTHON_VERSION, Python $PY_TAG)"
    "$PYTHON" -m venv "$OLDEST_VENV"
    "$OLDEST_VENV/bin/python" -m pip install -q --disable-pip-version-check \
        "matplotlib==$MPL_VERSION" "tensorflow-cpu==$TF_VERSION" "numpy>=1.23,<2" \
        "ipython==$IPYTHON_VERSION" "psutil>=5.9" "pytest>=7" "hypothesis>=6" \
        || { rm -rf "$OLDEST_VENV"; echo "check_oldest.sh: installing the oldest versions failed" >&2; exit 2; }
fi

export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" MPLBACKEND=Agg TF_CPP_MIN_LOG_LEVEL=2
"$OLDEST_VENV/bin/python" - <<'EOF'
import sys, matplotlib, numpy, IPython, tensorflow as tf
import tfplotguard
from tfplotguard import guard
print(f"Python {sys.version.split()[0]}, matplotlib {matplotlib.__version__}, TensorFlow {tf.__version__}, "
      f"NumPy {numpy.__version__}, IPython {IPython.__version__}; tfplotguard from {tfplotguard.__file__}")
print(f"patch targets in this matplotlib: {len(guard.patch_targets())}")
EOF
exec "$OLDEST_VENV/bin/python" -m pytest -p no:cacheprovider -q "${TESTS[@]}"
