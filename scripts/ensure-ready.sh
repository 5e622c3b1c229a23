#!/usr/bin/env bash
# Brings a checkout to a runnable state and does nothing that is already done: dependencies,
# the project-local OpenVINO runtime, the Python oracle (tests only) and the build.
# Used by `npm test` and `npm run demo` (as their pre-step) and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
want_oracle="${1:-}"
[ -f /usr/include/node/node_api.h ] && export npm_config_nodedir="${npm_config_nodedir:-/usr}"

if [ ! -d node_modules/node-addon-api ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[ready] npm ci"
  npm ci --no-audit --no-fund
fi
if ! ls .openvino/openvino/libs/libopenvino_c.so* >/dev/null 2>&1 && [ -z "${OPENVINO_LIB_PATH:-}" ]; then
  echo "[ready] installing the OpenVINO runtime into .openvino"
  bash scripts/setup-runtime.sh
fi
if [ "$want_oracle" = "--oracle" ] && [ ! -x .venv/bin/python ] && [ -z "${FACE_REID_PYTHON:-}" ]; then
  echo "[ready] setting up the Python oracle in .venv"
  bash scripts/setup-oracle.sh
fi
if [ "$want_oracle" = "--oracle" ]; then
  # The real components the suites start themselves. Each script is a no-op when its piece is
  # there; installing needs root (apt-get), elsewhere the tests name the script that is missing.
  [ -x .venv/bin/schemathesis ] || { echo "[ready] schemathesis into .venv (service fuzz test)"; bash scripts/setup-fuzz.sh; }
  if [ "$(id -u)" -eq 0 ]; then
    bash scripts/install-postgres.sh >/dev/null
    bash scripts/install-media.sh >/dev/null
    bash scripts/install-chromium.sh >/dev/null
  fi
fi
# Rebuild when any source is newer than what was built from it.
newest_src=$(find src native CMakeLists.txt tsconfig.json -type f -newer dist/index.js 2>/dev/null | head -1 || true)
addon=build/Release/ov_face_reid.node
if [ ! -f dist/index.js ] || [ ! -f "$addon" ] || [ -n "$newest_src" ] || [ -n "$(find native CMakeLists.txt -newer "$addon" 2>/dev/null | head -1)" ]; then
  echo "[ready] building (TypeScript and addon)"
  npm run build --silent
fi
