#!/usr/bin/env bash
# Run the test suite. The first run installs .[train,test] into .venv (TensorFlow included)
# and Debian's chromium for the browser tests. Options go to pytest, e.g. ./test.sh -k app
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f .venv/.installed-test ] || [ pyproject.toml -nt .venv/.installed-test ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[train,test]"
  touch .venv/.installed-test
fi
if [ ! -x /usr/bin/chromium ]; then
  # Playwright's own browser download cannot work offline; Debian's chromium can.
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo "sudo")
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
