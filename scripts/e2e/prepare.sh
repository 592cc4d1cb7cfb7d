#!/usr/bin/env bash
# Make sure the browser the e2e tests drive is present: Debian's `chromium` package at
# /usr/bin/chromium (or whatever CHROMIUM_PATH names), and the DejaVu fonts the playground
# is styled with (so screenshots show text on a machine with no fonts yet). What is missing
# is installed, when we are root (or have passwordless sudo) on a machine with apt-get, from
# the system's own apt sources (`apt-get update` first; the sources are read, never changed).
# Nothing is downloaded by playwright-core.
#
# Exits 0 when the browser is there (printing its version), 1 with a hint otherwise.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
say() { echo "e2e: $*" >&2; }

have_fonts() { command -v fc-list >/dev/null && fc-list 2>/dev/null | grep -q 'DejaVu Sans'; }

missing=()
if [ ! -x "$CHROMIUM" ]; then
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
    exit 1
  fi
  missing+=(chromium)
fi
have_fonts || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -eq 0 ]; then
  say "using $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else SUDO=(none); fi
fi
if ! command -v apt-get >/dev/null || [ "${SUDO[*]-}" = none ]; then
  if [ -x "$CHROMIUM" ]; then
    say "no DejaVu fonts (apt-get install fonts-dejavu-core): screenshots may show boxes; going on"
    exit 0
  fi
  say "no chromium at $CHROMIUM: as root, apt-get update && apt-get install chromium (or set CHROMIUM_PATH)"
  exit 1
fi

say "installing ${missing[*]} with apt-get (apt-get update first)"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q >&2
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
[ -x "$CHROMIUM" ] || { say "apt-get ran, but $CHROMIUM is still missing"; exit 1; }
say "using $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
