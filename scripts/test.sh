#!/usr/bin/env bash
# The project's one test command (README, .ci/run): set up what the tests need,
# install innostate with its test extra, then run pytest (arguments go to pytest).
#
# The browser tests drive Debian's Chromium at /usr/bin/chromium (Playwright never
# downloads a browser); when it is missing it is installed with apt-get, as root
# or through sudo. INNOSTATE_CHROMIUM names another Chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${INNOSTATE_CHROMIUM:-/usr/bin/chromium}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "scripts/test.sh: the browser tests need Chromium at $chromium, and installing it" \
      "needs root. Fix: run 'apt-get install -y chromium' as root, or run this script as" \
      "root (or with sudo installed)." >&2
    exit 1
  fi
}

if [ ! -x "$chromium" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: the browser tests need Chromium at $chromium and there is no" \
      "apt-get to install it. Fix: install Chromium and set INNOSTATE_CHROMIUM to its path." >&2
    exit 1
  fi
  echo "Installing Debian's chromium for the browser tests (apt-get)..." >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

python3 -m pip install -e ".[test]" && python3 -m pytest "$@"
