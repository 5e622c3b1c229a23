#!/usr/bin/env bash
# Type-checks the openvino-node adapter against openvino-node's published .d.ts without
# installing it: `npm pack` fetches the package tarball (no install step runs, so its runtime
# download never happens) into .cache/openvino-node, and tsc resolves 'openvino-node' there.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${OPENVINO_NODE_VERSION:-2026.4.0}"
dir=".cache/openvino-node"
if [ "$(cat "$dir/.version" 2>/dev/null)" != "$version" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  tarball=$(npm pack "openvino-node@$version" --pack-destination "$dir" --silent)
  tar xzf "$dir/$tarball" -C "$dir"
  echo "$version" > "$dir/.version"
fi
npx tsc -p tsconfig.openvino-node.json
echo "openvino-node adapter type-checks against openvino-node@$version"
