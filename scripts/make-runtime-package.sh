#!/usr/bin/env bash
# Release step: makes the npm package @ov-face-reid/openvino-linux-x64 (the OpenVINO runtime with
# its C API) from the official OpenVINO wheel, into build-packages/openvino-linux-x64/ (generated,
# never committed: the template is packages/openvino-linux-x64/).
#
#   scripts/make-runtime-package.sh                     # from .openvino/ (npm run setup:runtime: pip's install of the wheel)
#   scripts/make-runtime-package.sh --wheel openvino-2026.4.1-...-manylinux_2_28_x86_64.whl
#   scripts/make-runtime-package.sh --from DIR          # any folder holding openvino/libs and openvino-<v>.dist-info
#   scripts/make-runtime-package.sh --pack              # also `npm pack` it into build-packages/
#
# Only the files an IR needs to load and run on CPU, GPU and NPU are taken (the list below), each
# checked against the wheel's own RECORD (SHA-256), so the package holds the wheel's bytes unchanged.
# Then every library's DT_NEEDED entries must be met inside the package or by the base system
# (glibc, libstdc++, libgcc_s; libOpenCL for the GPU plugin): a missing piece fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version="${OPENVINO_VERSION:-2026.4.1}"
src=""
wheel=""
out="$root/build-packages/openvino-linux-x64"
pack=no
while [ $# -gt 0 ]; do
  case "$1" in
    --wheel) wheel="$2"; shift 2 ;;
    --from) src="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --pack) pack=yes; shift ;;
    *) echo "make-runtime-package: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
die() { echo "make-runtime-package: $*" >&2; exit 1; }
command -v readelf >/dev/null || die "readelf (binutils) is needed to check the libraries' dependencies"

if [ -n "$wheel" ]; then
  # A wheel is a zip; Python's zipfile unpacks it (the release machine has Python for pip anyway).
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  "${PYTHON:-python3}" -m zipfile -e "$wheel" "$src" || die "cannot unpack $wheel"
elif [ -z "$src" ]; then
  src="$root/.openvino"
  [ "$(cat "$src/.version" 2>/dev/null)" = "$version" ] || die "$src does not hold OpenVINO $version: run \`npm run setup:runtime\` (or pass --wheel FILE)"
fi
libs="$src/openvino/libs"
distinfo="$src/openvino-$version.dist-info"
[ -d "$libs" ] || die "no openvino/libs in $src"
[ -f "$distinfo/RECORD" ] || die "no $distinfo/RECORD: is $src the OpenVINO $version wheel?"

capi=$(cd "$libs" && ls libopenvino_c.so.* 2>/dev/null | head -1)
[ -n "$capi" ] || die "no libopenvino_c.so.* in $libs"
soversion=${capi#libopenvino_c.so.}
# The runtime: C API, core, IR frontend, device plugins, the GPU plugin's kernel tuning data,
# and oneTBB with the pieces libtbb dlopens (its allocator, its hwloc binding for NUMA and core
# types). Not taken: the other frontends, libtbbmalloc_proxy (a malloc replacement for
# LD_PRELOAD), tbb.pc, and everything Python.
files=(
  "libopenvino_c.so.$soversion"
  "libopenvino.so.$soversion"
  "libopenvino_ir_frontend.so.$soversion"
  libopenvino_intel_cpu_plugin.so
  libopenvino_intel_gpu_plugin.so
  cache.json
  libopenvino_intel_npu_plugin.so
  libopenvino_auto_plugin.so
  libopenvino_hetero_plugin.so
  libopenvino_auto_batch_plugin.so
  libtbb.so.12
  libtbbmalloc.so.2
  libtbbbind_2_5.so.3
  libhwloc.so.15
)

rm -rf "$out"
mkdir -p "$out/lib" "$out/licensing"
for f in "${files[@]}"; do
  [ -f "$libs/$f" ] || die "$f is not in $libs (has the wheel's layout changed?)"
  cp "$libs/$f" "$out/lib/$f"
done
cp "$distinfo/licenses/LICENSE" "$out/LICENSE"
cp "$distinfo/licenses/licensing/"*.txt "$out/licensing/"
cp "$root/packages/openvino-linux-x64/README.md" "$out/README.md"

# Every file against the wheel's RECORD (urlsafe base64 SHA-256 without padding), and the manifest.
node - "$out" "$distinfo/RECORD" "$version" <<'EOF'
const { createHash } = require('node:crypto');
const { readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [out, recordPath, version] = process.argv.slice(2);
const record = new Map();
for (const line of readFileSync(recordPath, 'utf8').split('\n')) {
  const [path, hash] = line.split(',');
  if (hash) record.set(path, hash.replace(/^sha256=/, ''));
}
const entries = [];
const check = (file, recordName) => {
  const bytes = readFileSync(join(out, file));
  const digest = createHash('sha256').update(bytes);
  const ours = digest.copy().digest('base64url');
  const expected = record.get(recordName);
  if (expected !== ours) {
    console.error(`make-runtime-package: ${file} differs from the wheel's RECORD entry ${recordName} (${expected ?? 'absent'} vs ${ours})`);
    process.exit(1);
  }
  entries.push({ file, bytes: bytes.length, sha256: digest.digest('hex'), from: recordName });
};
for (const f of readdirSync(join(out, 'lib')).sort()) check(`lib/${f}`, `openvino/libs/${f}`);
check('LICENSE', `openvino-${version}.dist-info/licenses/LICENSE`);
for (const f of readdirSync(join(out, 'licensing')).sort()) check(`licensing/${f}`, `openvino-${version}.dist-info/licenses/licensing/${f}`);
writeFileSync(join(out, 'MANIFEST.json'), JSON.stringify({ openvino: version, source: 'PyPI wheel openvino==' + version, files: entries }, null, 2) + '\n');
console.log(`make-runtime-package: ${entries.length} files match the wheel's RECORD`);
EOF

# Dependency closure: what each library needs is either in lib/ or part of the base system.
system_ok='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-x86-64\.so\.2|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libOpenCL\.so\.1)$'
glibc_floor=""
for f in "$out"/lib/*.so*; do
  for need in $(readelf -d "$f" | awk '/\(NEEDED\)/ { gsub(/[][]/, "", $5); print $5 }'); do
    [ -f "$out/lib/$need" ] || [[ "$need" =~ $system_ok ]] || die "$(basename "$f") needs $need, which is neither in the package nor part of the base system"
  done
  newest=$(readelf -V "$f" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  glibc_floor=$(printf '%s\n%s\n' "$glibc_floor" "$newest" | sort -V | tail -1)
done
build=$(grep -m1 '^Build:' "$distinfo/WHEEL" | awk '{print $2}' || true)

node - "$root/packages/openvino-linux-x64/package.template.json" "$out/package.json" <<EOF
const { readFileSync, writeFileSync } = require('node:fs');
const [template, target] = process.argv.slice(2);
const text = readFileSync(template, 'utf8')
  .replaceAll('@VERSION@', '${PACKAGE_VERSION:-$version}')
  .replaceAll('@OPENVINO_VERSION@', '$version')
  .replaceAll('@OPENVINO_BUILD@', '${build:-unknown}')
  .replaceAll('@C_LIBRARY@', '$capi')
  .replaceAll('@GLIBC_FLOOR@', '${glibc_floor#GLIBC_}');
JSON.parse(text);
writeFileSync(target, text);
EOF
echo "make-runtime-package: $out ($(du -sb "$out" | cut -f1) bytes, ${#files[@]} libraries and data files, needs $glibc_floor)"

if [ "$pack" = yes ]; then
  (cd "$out" && npm pack --pack-destination "$root/build-packages" --silent)
fi
