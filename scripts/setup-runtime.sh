#!/usr/bin/env bash
# Installs the official OpenVINO runtime wheel into ./.openvino (nothing outside the project).
# The addon finds it there by itself; OPENVINO_LIB_PATH or `runtime.libraryPath` override.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${OPENVINO_VERSION:-2026.4.1}"
target=".openvino"
if ls "$target"/openvino/libs/libopenvino_c.so* >/dev/null 2>&1 && [ -f "$target/.version" ] && [ "$(cat "$target/.version")" = "$version" ]; then
  echo "OpenVINO $version already in $target/openvino/libs"
  exit 0
fi
python="${PYTHON:-python3}"
rm -rf "$target"
"$python" -m pip install --disable-pip-version-check --no-deps --target "$target" "openvino==$version"
echo "$version" > "$target/.version"
echo "OpenVINO $version installed in $target/openvino/libs"
