#!/usr/bin/env bash
# Release step: builds the N-API addon for this machine's platform into
#   prebuilds/<platform>-<arch>/ov-face-reid.napi[.<libc>].node
# (prebuildify's naming), which `npm pack` ships and src/native.ts loads by literal path.
# Built with cmake-js in its own folder so a developer's build/ is left alone.
# The script prints the newest glibc and libstdc++ symbol versions the binary needs: that
# is the floor for the machines it runs on. (Linking libstdc++ statically was tried and
# raised the glibc floor from 2.35 to 2.36 through arc4random, so it stays dynamic.)
#
# --prepack (npm's prepack hook): builds as above, then insists that every prebuilt binary the
# package promises is in prebuilds/, failing loudly otherwise, because a tarball without it
# installs fine and then cannot load. With FACE_REID_PREPACK_BUILD=0 nothing is built: the
# binaries must already be there (a release that gathers them from several build machines).
set -euo pipefail
cd "$(dirname "$0")/.."

# The prebuilt binaries a published package must hold (docs/install.md lists the same).
required=(prebuilds/linux-x64/ov-face-reid.napi.glibc.node)
insist() {
  local missing=()
  for f in "${required[@]}"; do [ -s "$f" ] || missing+=("$f"); done
  if [ ${#missing[@]} -gt 0 ]; then
    {
      echo "================================================================================"
      echo "prepack: REFUSING TO PACK: the prebuilt addon is missing: ${missing[*]}"
      echo "A tarball without it installs and then fails with ADDON_NOT_FOUND on every machine."
      echo "Build it with \`npm run release:prebuild\` (scripts/prebuild.sh) on linux-x64 (glibc),"
      echo "or copy it from the release build machine, then pack again."
      echo "================================================================================"
    } >&2
    exit 1
  fi
  for f in "${required[@]}"; do echo "prepack: $f ($(wc -c <"$f") bytes)"; done
}
if [ "${1:-}" = --prepack ] && [ "${FACE_REID_PREPACK_BUILD:-1}" = 0 ]; then
  insist
  exit 0
fi
# Local Node headers (Debian's nodejs-dev / nodejs ships them) instead of a download.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi

platform=$(node -p 'process.platform')
arch=$(node -p 'process.arch')
tag=""
if [ "$platform" = linux ]; then
  # glibc and musl binaries are not interchangeable, so Linux prebuilds carry the libc in the name.
  tag=$(node -p 'process.report.getReport().header.glibcVersionRuntime ? "glibc" : "musl"')
fi
name="ov-face-reid.napi${tag:+.$tag}.node"
dest="prebuilds/$platform-$arch"
out="build-prebuild"

npx cmake-js compile --out "$out" >"$out.log" 2>&1 || { tail -40 "$out.log"; echo "prebuild: cmake-js failed (log: $out.log)" >&2; exit 1; }

mkdir -p "$dest"
rm -f "$dest"/*.node
cp "$out/Release/ov_face_reid.node" "$dest/$name"
if [ "$platform" = linux ]; then strip --strip-unneeded "$dest/$name"; fi

# The binary must load in a bare Node (no OpenVINO needed to load: it is dlopened later).
node -e "require('./$dest/$name')" || { echo "prebuild: $dest/$name does not load" >&2; exit 1; }
echo "prebuild: $dest/$name ($(wc -c <"$dest/$name") bytes)"
if [ "$platform" = linux ] && command -v objdump >/dev/null; then
  needed=$(objdump -p "$dest/$name" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')
  glibc=$(objdump -T "$dest/$name" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  glibcxx=$(objdump -T "$dest/$name" | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1)
  echo "prebuild: needs ${needed}(newest symbol versions $glibc $glibcxx)"
fi
if [ "${1:-}" = --prepack ]; then insist; fi
