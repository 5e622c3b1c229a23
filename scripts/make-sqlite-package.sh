#!/usr/bin/env bash
# Release step: makes the npm package @ov-face-reid/better-sqlite3-linux-x64 (better-sqlite3's
# compiled binary for each Node ABI without node:sqlite) into build-packages/better-sqlite3-linux-x64/
# (generated, never committed: the template is packages/better-sqlite3-linux-x64/).
#
#   scripts/make-sqlite-package.sh                 # reuses node_modules/better-sqlite3's build when it fits, else compiles
#   scripts/make-sqlite-package.sh --rebuild       # always compiles (node-gyp, local Node headers)
#   scripts/make-sqlite-package.sh --node FILE     # the Node 20 binary to build and check with (default: `node` on PATH)
#   scripts/make-sqlite-package.sh --out DIR       # somewhere else than build-packages/better-sqlite3-linux-x64
#   scripts/make-sqlite-package.sh --pack          # also `npm pack` it into build-packages/
#
# The binary is always better-sqlite3 at the exact version package-lock.json locks:
# - reused: node_modules/better-sqlite3 (what `npm ci` installed and built, integrity-checked by npm)
#   when its version is the locked one and its binary registers the wanted ABI;
# - compiled: the locked tarball (`npm pack`, from the npm cache when it is there), its sha512
#   checked against the lock, built with node-gyp against npm_config_nodedir (/usr when Debian's
#   Node headers are installed), so no header download is needed.
# Either way the file is stripped, must register node_register_module_v<ABI>, must load in that
# Node through better-sqlite3's own JavaScript (nativeBinding) and report the SQLite version its
# sqlite3.h names, and may need nothing beyond glibc and libstdc++.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
name=better-sqlite3-linux-x64
out="$root/build-packages/$name"
pack=no
rebuild=no
nodes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --node) nodes+=("$2"); shift 2 ;;
    --rebuild) rebuild=yes; shift ;;
    --pack) pack=yes; shift ;;
    *) echo "make-sqlite-package: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
die() { echo "make-sqlite-package: $*" >&2; exit 1; }
say() { echo "make-sqlite-package: $*"; }
command -v readelf >/dev/null || die "readelf (binutils) is needed to check the binary"
command -v strip >/dev/null || die "strip (binutils) is needed"
[ ${#nodes[@]} -gt 0 ] || nodes=("$(command -v node)")

# The Node ABIs (NODE_MODULE_VERSION) among the supported lines (engines) that have no node:sqlite
# and so need this package: Node 20. (Node 22.0-22.12, ABI 127, has it only behind a flag; 22.13+
# has it built in, and 22's ABI is shared by both, so it is not carried.)
abis=(115)

locked=$(node -e '
  const lock = require(process.argv[1]);
  const entry = lock.packages["node_modules/better-sqlite3"];
  if (!entry) process.exit(1);
  console.log(entry.version + " " + entry.integrity);
' "$root/package-lock.json") || die "package-lock.json locks no better-sqlite3"
version=${locked% *}
integrity=${locked#* }
package_version="${PACKAGE_VERSION:-$version}"

# The main package must pin both better-sqlite3 and this package at exactly that version.
node -e '
  const pkg = require(process.argv[1]);
  const [version, packageVersion, name] = process.argv.slice(2);
  const opt = pkg.optionalDependencies || {};
  const bad = [];
  if (opt["better-sqlite3"] !== version) bad.push(`better-sqlite3 is "${opt["better-sqlite3"]}", not "${version}"`);
  if (opt[name] !== packageVersion) bad.push(`${name} is "${opt[name]}", not "${packageVersion}"`);
  if (bad.length) { console.error(`make-sqlite-package: package.json optionalDependencies must pin the versions this binary is for: ${bad.join("; ")}`); process.exit(1); }
' "$root/package.json" "$version" "$package_version" "@ov-face-reid/$name"

installed="$root/node_modules/better-sqlite3"
installed_version=$(node -p 'require(process.argv[1]).version' "$installed/package.json" 2>/dev/null || echo none)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# better-sqlite3's sources at the locked version: the installed copy when it is that version
# (npm ci checked it against the lock), else the locked tarball, checked here.
src=""
source_dir() {
  if [ -n "$src" ]; then return; fi
  if [ "$installed_version" = "$version" ] && [ "$rebuild" = no ]; then src="$installed"; return; fi
  say "fetching better-sqlite3@$version with npm pack (the npm cache serves it when it holds it)"
  local info
  info=$(cd "$work" && npm pack "better-sqlite3@$version" --json --prefer-offline --pack-destination "$work" 2>/dev/null) || die "npm pack better-sqlite3@$version failed"
  node -e '
    const [info] = JSON.parse(process.argv[1]);
    if (info.integrity !== process.argv[2]) { console.error(`make-sqlite-package: better-sqlite3@${info.version} has integrity ${info.integrity}, the lock says ${process.argv[2]}`); process.exit(1); }
  ' "$info" "$integrity"
  mkdir -p "$work/src"
  tar -xzf "$work/better-sqlite3-$version.tgz" -C "$work/src" --strip-components=1
  src="$work/src"
}

abi_of() { readelf --dyn-syms -W "$1" | grep -o 'node_register_module_v[0-9]*' | sort -u | sed 's/node_register_module_v//'; }

rm -rf "$out"
mkdir -p "$out"
declare -A built_with
for node_bin in "${nodes[@]}"; do
  abi=$("$node_bin" -p 'process.versions.modules')
  [[ " ${abis[*]} " == *" $abi "* ]] || die "$node_bin is Node $("$node_bin" --version) (ABI $abi); this package carries ABIs ${abis[*]} (Node 20): pass one with --node"
  dest="$out/node-v$abi/better_sqlite3.node"
  mkdir -p "$(dirname "$dest")"
  candidate="$installed/build/Release/better_sqlite3.node"
  if [ "$rebuild" = no ] && [ "$installed_version" = "$version" ] && [ -f "$candidate" ] && [ "$(abi_of "$candidate")" = "$abi" ]; then
    cp "$candidate" "$dest"
    built_with[$abi]="node_modules/better-sqlite3/build/Release (npm ci's build) for $("$node_bin" --version)"
    say "ABI $abi: reusing $candidate"
  else
    source_dir
    if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
    [ -n "${npm_config_nodedir:-}" ] || die "no local Node headers (set npm_config_nodedir, or install Debian's nodejs headers): node-gyp would download them"
    build="$work/build-$abi"
    rm -rf "$build"
    cp -a "$src" "$build"
    rm -rf "$build/build"
    say "ABI $abi: compiling better-sqlite3 $version with node-gyp against $npm_config_nodedir (a few minutes)"
    (cd "$build" && PATH="$(dirname "$node_bin"):$PATH" "$node_bin" "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --release >"$work/node-gyp-$abi.log" 2>&1) ||
      { tail -30 "$work/node-gyp-$abi.log" >&2; die "node-gyp failed for ABI $abi"; }
    cp "$build/build/Release/better_sqlite3.node" "$dest"
    built_with[$abi]="node-gyp $("$node_bin" "$root/node_modules/node-gyp/bin/node-gyp.js" --version) against $npm_config_nodedir, run by $("$node_bin" --version)"
  fi
  strip --strip-unneeded "$dest"
  got=$(abi_of "$dest")
  [ "$got" = "$abi" ] || die "$dest registers ABI ${got:-none}, not $abi (headers in ${npm_config_nodedir:-?} are for another Node?)"
done
for abi in "${abis[@]}"; do [ -f "$out/node-v$abi/better_sqlite3.node" ] || die "no binary for ABI $abi: pass a Node of that ABI with --node"; done

source_dir
sqlite_version=$(sed -n 's/^#define SQLITE_VERSION  *"\(.*\)"/\1/p' "$src/deps/sqlite3/sqlite3.h")
[ -n "$sqlite_version" ] || die "no SQLITE_VERSION in $src/deps/sqlite3/sqlite3.h"

# Each binary loads in its Node through better-sqlite3's own JavaScript and runs SQL.
for node_bin in "${nodes[@]}"; do
  abi=$("$node_bin" -p 'process.versions.modules')
  "$node_bin" -e '
    const [lib, binary, sqlite] = process.argv.slice(1);
    const Database = require(lib);
    const db = new Database(":memory:", { nativeBinding: binary });
    db.exec("CREATE TABLE t (v BLOB); INSERT INTO t VALUES (x\x27010203\x27)");
    const got = db.prepare("SELECT sqlite_version() AS version, length(v) AS n FROM t").get();
    db.close();
    if (got.version !== sqlite || got.n !== 3) { console.error(`make-sqlite-package: ${binary} runs SQLite ${got.version} (want ${sqlite}), read ${got.n} bytes`); process.exit(1); }
  ' "$src" "$out/node-v$abi/better_sqlite3.node" "$sqlite_version" || die "node-v$abi/better_sqlite3.node does not work in $("$node_bin" --version)"
done

# What the binaries need from the system: glibc and libstdc++ only.
system_ok='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|ld-linux-x86-64\.so\.2|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$'
glibc_floor=""
glibcxx_floor=""
for f in "$out"/node-v*/better_sqlite3.node; do
  for need in $(readelf -d "$f" | awk '/\(NEEDED\)/ { gsub(/[][]/, "", $5); print $5 }'); do
    [[ "$need" =~ $system_ok ]] || die "$f needs $need, which is not part of the base system"
  done
  glibc_floor=$(printf '%s\n%s\n' "$glibc_floor" "$(readelf -V "$f" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)" | sort -V | tail -1)
  glibcxx_floor=$(printf '%s\n%s\n' "$glibcxx_floor" "$(readelf -V "$f" | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1)" | sort -V | tail -1)
done

cp "$src/LICENSE" "$out/LICENSE"
# SQLite has no license file to copy: its dedication is the comment atop its sources.
{
  echo "SQLite $sqlite_version, compiled into node-v*/better_sqlite3.node, is in the public domain"
  echo "(https://sqlite.org/copyright.html). The sqlite3.h it was built with (better-sqlite3 $version,"
  echo "deps/sqlite3/sqlite3.h) opens with:"
  echo
  awk 'NR > 1 && /^\*\*\*\*/ { exit } { print }' "$src/deps/sqlite3/sqlite3.h"
} >"$out/SQLITE-PUBLIC-DOMAIN.txt"
grep -q 'disclaims copyright' "$out/SQLITE-PUBLIC-DOMAIN.txt" || die "SQLite's dedication was not found atop sqlite3.h"
cp "$root/packages/$name/README.md" "$out/README.md"

binaries_json=$(cd "$out" && node -e '
  const { readdirSync } = require("node:fs");
  const map = {};
  for (const d of readdirSync(".").filter((d) => /^node-v\d+$/.test(d)).sort()) map[d.slice(6)] = `${d}/better_sqlite3.node`;
  console.log(JSON.stringify(map));
')
built_json=$(for abi in "${!built_with[@]}"; do printf '%s\t%s\n' "$abi" "${built_with[$abi]}"; done | node -e '
  const lines = require("node:fs").readFileSync(0, "utf8").trim().split("\n");
  console.log(JSON.stringify(Object.fromEntries(lines.map((l) => l.split("\t")))));
')

node - "$out" "$root/packages/$name/package.template.json" <<EOF
const { createHash } = require('node:crypto');
const { readFileSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const [out, template] = process.argv.slice(2);
const walk = (dir) => readdirSync(dir).sort().flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
const files = walk(out).map((path) => {
  const bytes = readFileSync(path);
  return { file: relative(out, path), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
});
writeFileSync(join(out, 'MANIFEST.json'), JSON.stringify({
  betterSqlite3: '$version',
  integrity: '$integrity',
  sqlite: '$sqlite_version',
  built: $built_json,
  files,
}, null, 2) + '\n');
const text = readFileSync(template, 'utf8')
  .replaceAll('@VERSION@', '$package_version')
  .replaceAll('@BETTER_SQLITE3_VERSION@', '$version')
  .replaceAll('@BETTER_SQLITE3_INTEGRITY@', '$integrity')
  .replaceAll('@SQLITE_VERSION@', '$sqlite_version')
  .replaceAll('@BINARIES@', JSON.stringify($binaries_json))
  .replaceAll('@GLIBC_FLOOR@', '${glibc_floor#GLIBC_}')
  .replaceAll('@GLIBCXX_FLOOR@', '${glibcxx_floor#GLIBCXX_}');
JSON.parse(text);
writeFileSync(join(out, 'package.json'), text);
EOF
say "$out ($(du -sb "$out" | cut -f1) bytes; better-sqlite3 $version, SQLite $sqlite_version, ABIs $(cd "$out" && ls -d node-v* | paste -sd, -); needs $glibc_floor $glibcxx_floor)"

# What npm would pack is exactly the manifest's files and package.json (a `files` pattern that
# misses the binary packs a package that installs and then has nothing to load).
packlist=$(cd "$out" && npm pack --dry-run --json 2>/dev/null)
node -e '
  const [info] = JSON.parse(process.argv[1]);
  const manifest = require(process.argv[2]);
  const packed = info.files.map((f) => f.path).sort().join(" ");
  const wanted = [...manifest.files.map((f) => f.file), "MANIFEST.json", "package.json"].sort().join(" ");
  if (packed !== wanted) { console.error(`make-sqlite-package: npm would pack [${packed}], not [${wanted}]`); process.exit(1); }
' "$packlist" "$out/MANIFEST.json"

if [ "$pack" = yes ]; then
  (cd "$out" && npm pack --pack-destination "$root/build-packages" --silent)
fi
