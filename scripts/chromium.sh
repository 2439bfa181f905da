#!/usr/bin/env bash
# Prints the path of a usable Chromium (headless) for the tests that render the HTML bulletin to
# PNG and PDF (internal/testenv.Browser), installing Debian's `chromium` package when none is
# found. Its standard output is that path and nothing else; what it says goes to stderr.
#
#   scripts/chromium.sh          print the path (install first when missing)
#
# Settings (environment):
#   CHROMIUM=/path/to/chrome   use this browser, never install (it must run `--version`)
#   VIGIA_STATE_DIR=<repo>/.state   where the apt-get log (apt-chromium.log) and the lock go
#
# Looked for, in order: chromium, chromium-browser, google-chrome-stable, google-chrome on the
# PATH. Installing needs apt-get and root (or sudo without a password); otherwise the script says
# what to run. The Go side adds --no-sandbox when it runs as root.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/services.sh
source "$SCRIPT_DIR/services.sh"
# services.sh says things on stdout; here stdout is the path only.
say() { printf 'chromium: %s\n' "$*" >&2; }
warn() { printf 'chromium: %s\n' "$*" >&2; }

CANDIDATES="chromium chromium-browser google-chrome-stable google-chrome"
LOG=$STATE_DIR/apt-chromium.log

usable() { # path: runs and answers --version (a snap stub or a broken install does not)
  local out dir ok=0
  # A profile folder of its own: headless Chromium fails when it cannot make one under $HOME.
  dir=$(mktemp -d "${TMPDIR:-/tmp}/vigia-chromium-check.XXXXXX") || return 1
  if out=$(timeout 60 "$1" --headless --no-sandbox --user-data-dir="$dir" --version 2>/dev/null) &&
    [[ $out == *[0-9].[0-9]* ]]; then
    ok=1
  fi
  rm -rf "$dir"
  ((ok))
}

FOUND=
WARNED=" "
find_chromium() {
  local name path
  FOUND=
  for name in $CANDIDATES; do
    path=$(command -v "$name" 2>/dev/null) || continue
    if usable "$path"; then
      FOUND=$path
      return 0
    fi
    if [[ $WARNED != *" $path "* ]]; then
      warn "$path is on the PATH but '$path --headless --version' fails; skipping it"
      WARNED+="$path "
    fi
  done
  return 1
}

install_chromium() {
  if ! command -v apt-get >/dev/null 2>&1; then
    die "no usable Chromium found ($CANDIDATES) and apt-get is not available: install Chromium with your system's package manager, or set CHROMIUM=/path/to/chromium"
  fi
  if [[ $(id -u) -ne 0 ]] && ! { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; then
    die "no usable Chromium found ($CANDIDATES): install it as root with 'apt-get install -y chromium' (Debian's package), or set CHROMIUM=/path/to/chromium; this script is not root and cannot sudo without a password"
  fi
  apt_install Chromium "$LOG" chromium
}

main() {
  if [[ -n ${CHROMIUM:-} ]]; then
    local path
    path=$(command -v "$CHROMIUM" 2>/dev/null) || die "CHROMIUM=$CHROMIUM is not an executable file"
    usable "$path" || die "CHROMIUM=$CHROMIUM does not run: '$path --headless --version' fails"
    printf '%s\n' "$path"
    return 0
  fi
  if find_chromium; then
    printf '%s\n' "$FOUND"
    return 0
  fi
  mkdir -p "$STATE_DIR"
  # One install at a time: test packages run in parallel and each may ask for the browser.
  exec 8>"$STATE_DIR/chromium.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 600 8 || die "another scripts/chromium.sh is still installing Chromium (lock $STATE_DIR/chromium.lock)"
  fi
  if ! find_chromium; then
    install_chromium
    find_chromium || die "Debian's chromium package is installed but no usable chromium is on the PATH (log: $LOG)"
    say "installed $("$FOUND" --version 2>/dev/null) at $FOUND"
  fi
  printf '%s\n' "$FOUND"
}

main "$@"
