#!/usr/bin/env bash
# schemathesis (PyPI) in ./.venv for test/service-fuzz.test.js, which fuzzes the service from its
# own /openapi.json. Idempotent: pip leaves an installed matching version alone.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if ! .venv/bin/schemathesis --version 2>/dev/null | grep -q 'version 4\.'; then
  .venv/bin/python -m pip install --disable-pip-version-check -q 'schemathesis>=4,<5'
fi
.venv/bin/schemathesis --version
