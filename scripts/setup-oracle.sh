#!/usr/bin/env bash
# The Python reference used by the parity tests and benchmarks: OpenVINO's Python API
# (same wheel as the runtime), numpy and OpenCV, in ./.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --disable-pip-version-check -q \
  "openvino==${OPENVINO_VERSION:-2026.4.1}" numpy opencv-python-headless
.venv/bin/python -c "import openvino, cv2, numpy; print('oracle ready: openvino', openvino.__version__, 'opencv', cv2.__version__, 'numpy', numpy.__version__)"
