#!/usr/bin/env bash
# Fetch the newest linux-source-X.Y of Debian's trixie-backports suite and build the kernel's
# VFIO selftests (tools/testing/selftests/vfio) out of tree, into a cache.
#
# - apt runs with a PRIVATE sources list, lists dir and cache dir; the system's apt
#   configuration is read (to find this machine's Debian mirror) and never changed.
# - The newest linux-source-X.Y is resolved from the suite's index, never pinned.
# - Only what the selftests need is extracted from the source tarball (a few MB).
# - The download and the build are cached: a second run downloads and builds nothing.
#   The suite's index is refreshed at most once a day (KSELFTEST_REFRESH=1 forces it); a
#   cached build is used when the mirror cannot be reached.
# - Nothing of the kernel lands in the repository.
#
# Environment: VFIO_SIM_KSELFTEST_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/vfio-sim/kselftest),
# VFIO_SIM_DEBIAN_MIRROR (default: the mirror this machine's apt uses for its own release),
# KSELFTEST_SUITE (default trixie-backports), KSELFTEST_KEYRING (default: the system's
# debian-archive-keyring, or a newer debian-archive-keyring from the release's own suites).
# The last line printed on stdout is the directory holding the test binaries.
set -euo pipefail

SUITE="${KSELFTEST_SUITE:-trixie-backports}"
CACHE="${VFIO_SIM_KSELFTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-sim/kselftest}"
APTDIR="$CACHE/apt-$SUITE"
DEBS="$CACHE/debs"
say() { echo "kselftest: $*" >&2; }
die() { say "error: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

need_tools() {
  local t missing=()
  for t in apt-get apt-cache dpkg-deb tar xz make gcc; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (a Debian-like system with apt, xz-utils, make and gcc (the selftests' lib.mk calls gcc) is needed)"
  [ "$(uname -m)" = x86_64 ] || die "the simulator's exec runs x86-64 Linux programs only (this is $(uname -m))"
}

# uuid-dev (-luuid, <uuid/uuid.h>) is a package of the machine's own release.
need_uuid_dev() {
  [ -e /usr/include/uuid/uuid.h ] && return 0
  say "installing uuid-dev (the selftest library links -luuid)"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y -q uuid-dev >&2
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n apt-get install -y -q uuid-dev >&2
  else
    die "uuid-dev is not installed and this user cannot install it: apt-get install uuid-dev"
  fi
}

# The URI of the Debian archive this machine's apt uses for its own release (the entry
# whose suite is exactly the release codename), from one-line .list and deb822 .sources files.
system_mirror() { # [ETC_APT]
  local etc="${1:-/etc/apt}" codename files=()
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [ -n "$codename" ] || die "cannot read VERSION_CODENAME from /etc/os-release"
  [ -f "$etc/sources.list" ] && files+=("$etc/sources.list")
  for f in "$etc"/sources.list.d/*.list "$etc"/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v want="$codename" '
    function flush() {
      if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " want " ") && uri == "") {
        split(uris, u, " "); uri = u[1]
      }
      types = ""; suites = ""; uris = ""; enabled = ""
    }
    FNR == 1 { flush() }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^deb[ \t]/ {
      line = $0; sub(/\[[^]]*\]/, "", line); n = split(line, w, /[ \t]+/)
      if (n >= 3 && w[3] == want && uri == "") uri = w[2]
      next
    }
    tolower($1) == "types:"   { $1 = ""; types = $0 }
    tolower($1) == "suites:"  { $1 = ""; suites = $0 }
    tolower($1) == "uris:"    { $1 = ""; uris = $0 }
    tolower($1) == "enabled:" { enabled = tolower($2) }
    END { flush(); if (uri != "") print uri }
  ' "${files[@]}"
}

apt_private() { # DIR apt-get|apt-cache ARGS...
  local dir="$1" tool="$2"; shift 2
  local sandbox=()
  # Private dirs are not readable by the _apt sandbox user; as root apt would fall back to
  # running unsandboxed with a warning, so say it up front.
  [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
  "$tool" -q -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o Dir::State::status=/dev/null \
    "${sandbox[@]}" "$@"
}

write_sources() { # DIR KEYRING MIRROR SUITE...
  local dir="$1" keyring="$2" mirror="$3"; shift 3
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  : > "$dir/sources.list"
  for s in "$@"; do
    echo "deb [signed-by=$keyring] $mirror $s main" >> "$dir/sources.list"
  done
}

suite_fetched() { ls "$APTDIR/lists/"*"_dists_${SUITE}_InRelease" >/dev/null 2>&1; }

# 0: the index is fetched and verified; 1: apt could not verify its signature; 2: another
# failure (e.g. the mirror cannot be reached).
update_suite() { # KEYRING MIRROR
  local log="$APTDIR/update.log"
  write_sources "$APTDIR" "$1" "$2" "$SUITE"
  if apt_private "$APTDIR" apt-get update > "$log" 2>&1 && suite_fetched &&
    ! grep -qE '^(W: Failed to fetch|E: )' "$log"; then
    cat "$log" >&2
    cp "$APTDIR/sources.list" "$APTDIR/sources.list.good" && touch "$APTDIR/fresh"
    return 0
  fi
  cat "$log" >&2
  # Leave the last good configuration for the next run's apt-cache queries.
  [ ! -f "$APTDIR/sources.list.good" ] || cp "$APTDIR/sources.list.good" "$APTDIR/sources.list"
  if grep -qE 'NO_PUBKEY|is not signed|EXPKEYSIG|KEYEXPIRED|signatures were invalid' "$log"; then return 1; fi
  return 2
}

# A debian-archive-keyring newer than the system's, from the release's own suites (verified
# with the system's keyring), for a system whose keyring predates the suite's signing keys.
newer_keyring() { # MIRROR -> path of the keyring
  local mirror="$1" codename dir="$CACHE/apt-keyring"
  codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  write_sources "$dir" /usr/share/keyrings/debian-archive-keyring.gpg "$mirror" \
    "$codename" "$codename-updates" "$codename-backports"
  apt_private "$dir" apt-get update >&2
  rm -rf "$dir/pkg" && mkdir -p "$dir/pkg"
  (cd "$dir/pkg" && apt_private "$dir" apt-get download debian-archive-keyring >&2)
  dpkg-deb -x "$dir/pkg/"debian-archive-keyring_*.deb "$dir/pkg/root"
  echo "$dir/pkg/root/usr/share/keyrings/debian-archive-keyring.gpg"
}

refresh_index() {
  local mirror keyring
  mirror="${VFIO_SIM_DEBIAN_MIRROR:-$(system_mirror)}"
  [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list*; set VFIO_SIM_DEBIAN_MIRROR"
  keyring="${KSELFTEST_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
  say "index of $SUITE from $mirror (private apt dirs in $APTDIR)"
  local rc=0
  update_suite "$keyring" "$mirror" || rc=$?
  [ "$rc" -ne 2 ] || { say "could not fetch the index of $SUITE"; return 1; }
  [ "$rc" -ne 0 ] || return 0
  [ -z "${KSELFTEST_KEYRING:-}" ] || die "apt could not verify $SUITE with $keyring"
  say "the system keyring cannot verify $SUITE; fetching debian-archive-keyring from the release's own suites"
  keyring="$(newer_keyring "$mirror")"
  update_suite "$keyring" "$mirror" || die "apt could not verify $SUITE with $keyring either"
}

# A successful update touches $APTDIR/fresh; the index is refreshed once that is a day old.
index_is_fresh() {
  [ -z "${KSELFTEST_REFRESH:-}" ] && suite_fetched &&
    [ -n "$(find "$APTDIR" -maxdepth 1 -name fresh -mmin -1440)" ]
}

newest_source_package() {
  { apt_private "$APTDIR" apt-cache pkgnames linux-source- || true; } |
    { grep -E '^linux-source-[0-9]+\.[0-9]+$' || true; } | sort -V | tail -n 1
}

candidate_version() { # PACKAGE
  apt_private "$APTDIR" apt-cache policy "$1" | awk '$1 == "Candidate:" { print $2 }'
}

newest_cached_build() {
  ls -d "$CACHE"/build/*/bin 2>/dev/null | while read -r b; do
    [ -f "$(dirname "$b")/ok" ] && echo "$b"
  done | sort -V | tail -n 1
}

download() { # PACKAGE VERSION -> path of the .deb
  local pkg="$1" ver="$2" t deb
  mkdir -p "$DEBS"
  deb="$(ls "$DEBS/${pkg}_"*.deb 2>/dev/null | while read -r f; do
    [ "$(dpkg-deb -f "$f" Version)" = "$ver" ] && echo "$f"; done | head -n 1)"
  if [ -n "$deb" ]; then echo "$deb"; return 0; fi
  t="$(now)"
  rm -rf "$DEBS/partial" && mkdir -p "$DEBS/partial"
  (cd "$DEBS/partial" && apt_private "$APTDIR" apt-get download "$pkg=$ver" >&2)
  deb="$(ls "$DEBS/partial/"*.deb)"
  # Keep one source package: an older one is never needed again.
  find "$DEBS" -maxdepth 1 -name 'linux-source-*.deb' -delete
  mv "$deb" "$DEBS/" && rmdir "$DEBS/partial"
  deb="$DEBS/$(basename "$deb")"
  say "downloaded $(basename "$deb"): $(du -m "$deb" | cut -f1) MB in $(since "$t")"
  echo "$deb"
}

# Paths (inside linux-source-X.Y/) the selftests need; the drivers' headers are reached
# through symlinks in lib/drivers, checked (and fetched in a second pass) after extraction.
wanted_paths() {
  local p="$1"
  printf '%s\n' \
    "$p/tools/testing/selftests/vfio/*" "$p/tools/testing/selftests/kselftest*" \
    "$p/tools/testing/selftests/lib.mk" "$p/tools/include/*" "$p/tools/arch/x86/include/*" \
    "$p/scripts/subarch.include" "$p/include/linux/pci_ids.h" \
    "$p/drivers/dma/ioat/*.h" "$p/drivers/dma/idxd/*.h" "$p/drivers/net/ethernet/intel/igb/*.h"
  for h in $UAPI_HEADERS; do echo "$p/include/uapi/linux/$h"; done
}
# The kernel's uapi headers newer than the system's that the selftests include.
UAPI_HEADERS="vfio.h vfio_zdev.h iommufd.h stddef.h idxd.h pci_regs.h"

untar() { # DEB PACKAGE DEST PATTERN...
  local deb="$1" pkg="$2" dest="$3"; shift 3
  dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" | xz -dc |
    tar -x -C "$dest" --strip-components=1 --wildcards "$@"
}

extract() { # DEB PACKAGE DEST
  local deb="$1" pkg="$2" dest="$3" t dangling
  t="$(now)"
  rm -rf "$dest" && mkdir -p "$dest"
  mapfile -t pats < <(wanted_paths "$pkg")
  untar "$deb" "$pkg" "$dest" "${pats[@]}"
  dangling="$(cd "$dest" && find tools/testing/selftests/vfio -type l ! -exec test -e {} \; -print)"
  if [ -n "$dangling" ]; then
    mapfile -t pats < <(cd "$dest" && for l in $dangling; do
      echo "$pkg/$(realpath -m --relative-to=. "$(dirname "$l")/$(readlink "$l")")"; done)
    say "second pass for symlink targets: ${pats[*]}"
    untar "$deb" "$pkg" "$dest" "${pats[@]}"
  fi
  install_uapi_headers "$dest"
  say "extracted $(du -sm "$dest" | cut -f1) MB of $pkg in $(since "$t")"
}

# What `make headers_install` does to these headers, done with sed: drop the kernel-only
# __user annotation and the compiler_types.h include, so they compile in user space.
# They go where lib.mk looks by default ($(top_srcdir)/usr/include).
install_uapi_headers() { # SRC
  local src="$1" h
  mkdir -p "$src/usr/include/linux"
  for h in $UAPI_HEADERS; do
    sed -E -e 's/([[:space:](])__user[[:space:]]+/\1/g' \
      -e '/^#include <linux\/compiler(_types)?\.h>/d' \
      "$src/include/uapi/linux/$h" > "$src/usr/include/linux/$h"
  done
}

build() { # SRC OUT
  local src="$1" out="$2" t
  t="$(now)"
  rm -rf "$out" && mkdir -p "$out"
  make -s -C "$src/tools/testing/selftests/vfio" OUTPUT="$out" -j"$(nproc)" >&2
  say "built $(cd "$out" && ls | grep -c '_test$') test binaries in $(since "$t")"
}

main() {
  need_tools
  need_uuid_dev
  mkdir -p "$CACHE"
  if ! index_is_fresh && ! refresh_index; then
    local cached; cached="$(newest_cached_build)"
    [ -n "$cached" ] || die "could not read the $SUITE index and no build is cached"
    say "using the cached build $cached"; echo "$cached"; return 0
  fi
  local pkg ver dir deb stamp
  pkg="$(newest_source_package)"
  [ -n "$pkg" ] || die "no linux-source-X.Y package in $SUITE"
  ver="$(candidate_version "$pkg")"
  dir="$CACHE/build/$(echo "${pkg}_$ver" | tr -c 'A-Za-z0-9.+_\n-' '_')"
  # A build is reused only if this script (its extraction and build steps) is unchanged.
  stamp="$pkg $ver $(sha256sum "$0" | cut -c1-16)"
  if [ "$(cat "$dir/ok" 2>/dev/null)" = "$stamp" ]; then
    say "$pkg $ver: cached build"
  else
    say "$pkg $ver"
    deb="$(download "$pkg" "$ver")"
    extract "$deb" "$pkg" "$dir/src"
    build "$dir/src" "$dir/bin"
    echo "$stamp" > "$dir/ok"
    find "$CACHE/build" -mindepth 1 -maxdepth 1 ! -path "$dir" -exec rm -rf {} +
  fi
  echo "$dir/bin"
}

# Sourcing the file (for a test of its functions) runs nothing.
[ "${BASH_SOURCE[0]}" != "$0" ] || main "$@"
