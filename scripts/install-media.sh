#!/usr/bin/env bash
# Installs what the stream tests need from Debian: ffmpeg (decoding, the test video generator, the
# ffmpeg-served live source, the annotated video writer) and mosquitto (the MQTT broker the sink
# tests start). Idempotent: apt-get runs only for what is missing. Run as root.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
if [ ${#missing[@]} -eq 0 ]; then
  echo "[media] ffmpeg and mosquitto already installed"
  exit 0
fi
echo "[media] installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
# Debian starts a system-wide broker on install where an init system runs; the tests start their own.
