#!/usr/bin/env bash
# PostgreSQL 15 and pgvector for the PostgreSQL gallery's tests and benchmarks, on Debian bookworm.
# Idempotent: every step runs only when its piece is missing, so a second run is a fast no-op.
#
# pgvector is not packaged for bookworm. Debian trixie's source package (pgvector 0.8.x) builds
# against bookworm's PostgreSQL 15 headers with PGXS, so we fetch that source through a PRIVATE
# apt configuration (its own sources list, lists and cache under $work): the machine's apt sources
# are never changed and no trixie binary package can ever be installed by accident.
set -euo pipefail

pg_major="${PG_MAJOR:-15}"
work="${FACE_REID_PGVECTOR_WORK:-/tmp/face-reid-pgvector}"
apt_wait=(-o DPkg::Lock::Timeout=900)   # another apt-get may hold the dpkg lock: wait for it, do not fail

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
script_start=$(now)
step_start=$script_start
step() { step_start=$(now); echo "install-postgres: $*"; }
step_done() { echo "install-postgres: $1 took $(since "$step_start") s"; }
die() { echo "install-postgres: $*" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "must run as root (or with sudo) to: $*"; fi
}

# --- 1. the server and its development files (headers + PGXS) from bookworm ----------------------
pg_config="/usr/lib/postgresql/$pg_major/bin/pg_config"
need=()
dpkg-query -W -f='${Status}' "postgresql-$pg_major" 2>/dev/null | grep -q 'ok installed' || need+=("postgresql-$pg_major" postgresql)
# pgxs.mk alone is no proof: postgresql-client ships it too. The server headers are what the build needs.
dpkg-query -W -f='${Status}' "postgresql-server-dev-$pg_major" 2>/dev/null | grep -q 'ok installed' || need+=("postgresql-server-dev-$pg_major")
# apt-get source needs dpkg-source (dpkg-dev); make and a compiler come with it (build-essential).
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
command -v make >/dev/null || need+=(make)
command -v gcc >/dev/null || need+=(gcc)
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  # A fresh machine may have empty package lists: update only when apt does not know the package.
  if ! apt-cache policy "postgresql-server-dev-$pg_major" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    as_root apt-get "${apt_wait[@]}" update -qq
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends "${need[@]}"
  step_done "apt-get install"
fi
[ -x "$pg_config" ] || die "$pg_config is missing after installing postgresql-server-dev-$pg_major"
ext_dir="$("$pg_config" --sharedir)/extension"
lib_dir="$("$pg_config" --pkglibdir)"

# --- 2. pgvector, built from trixie's source package ---------------------------------------------
if [ -f "$ext_dir/vector.control" ] && [ -f "$lib_dir/vector.so" ]; then
  echo "install-postgres: PostgreSQL $("$pg_config" --version | awk '{print $2}') with pgvector $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$ext_dir/vector.control") already installed"
else
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sources.list.d" "$work/src"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$work/sources.list"
  private_apt=(
    -o "Dir::Etc::SourceList=$work/sources.list"
    -o "Dir::Etc::SourceParts=$work/sources.list.d"   # empty: the system's sources.list.d is ignored
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o "APT::Sandbox::User=root"                      # $work belongs to root, not to _apt
  )

  step "trixie source index (private apt configuration in $work)"
  apt-get "${private_apt[@]}" update -qq
  step_done "source index"

  step "apt-get source pgvector"
  rm -rf "$work/src" && mkdir -p "$work/src"
  (cd "$work/src" && apt-get "${private_apt[@]}" source -qq pgvector)
  src_dir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -1)
  [ -n "$src_dir" ] || die "apt-get source pgvector unpacked nothing into $work/src"
  step_done "apt-get source"

  step "make ($(basename "$src_dir"), PGXS of PostgreSQL $pg_major)"
  # OPTFLAGS='': no -march=native, so the library also runs on another CPU than the builder's
  # (Debian's no-native patch does the same; this keeps it true should the patch go away).
  make -C "$src_dir" -s -j"$(nproc)" PG_CONFIG="$pg_config" OPTFLAGS=''
  step_done "make"

  step "make install"
  as_root make -C "$src_dir" -s PG_CONFIG="$pg_config" install
  step_done "make install"
  [ -f "$ext_dir/vector.control" ] && [ -f "$lib_dir/vector.so" ] || die "make install did not put vector.control into $ext_dir and vector.so into $lib_dir"
  echo "install-postgres: installed pgvector $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$ext_dir/vector.control") (source kept in $src_dir)"
fi
echo "install-postgres: done in $(since "$script_start") s"
