#!/usr/bin/env bash
# Make sure the browser the e2e tests drive is present: Debian's `chromium` package at
# /usr/bin/chromium (or whatever CHROMIUM_PATH names). When it is missing and we are root on
# a machine with apt-get, install it from the system's own apt sources (`apt-get update`
# first; the sources are read, never changed). Nothing is downloaded by playwright-core.
#
# Exits 0 when the browser is there (printing its version), 1 with a hint otherwise.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
say() { echo "e2e: $*" >&2; }

if [ -x "$CHROMIUM" ]; then
  say "using $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  say "no chromium at $CHROMIUM and no apt-get: install Chromium and set CHROMIUM_PATH"
  exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    say "no chromium at $CHROMIUM: run as root (or with sudo): apt-get update && apt-get install chromium"
    exit 1
  fi
fi
say "no chromium at $CHROMIUM: installing Debian's chromium package (apt-get update, apt-get install)"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q >&2
"${SUDO[@]}" apt-get install -y -q --no-install-recommends chromium >&2
[ -x "$CHROMIUM" ] || { say "apt-get installed chromium, but $CHROMIUM is still missing"; exit 1; }
say "installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
