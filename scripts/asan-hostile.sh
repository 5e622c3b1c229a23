#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UBSan and runs the hostile-argument suite
# against it. Node itself is not sanitised, so the ASAN runtime is preloaded; leak
# checking is off because V8 keeps allocations alive until exit by design.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build:ts
npm run build:asan
export FACE_REID_ADDON="$PWD/build-asan/Debug/ov_face_reid.node"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
npx mocha --no-config --timeout 600000 test/align-hostile.test.js "$@"
