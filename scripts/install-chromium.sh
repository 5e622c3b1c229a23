#!/usr/bin/env bash
# Debian's Chromium for the browser tests of the service's web page (driven by playwright-core
# with this executable; no tool ever downloads a browser of its own). Idempotent.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null | head -1)"
  exit 0
fi
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
echo "chromium: $(chromium --version 2>/dev/null | head -1) (installed in $(( $(date +%s) - start )) s)"
