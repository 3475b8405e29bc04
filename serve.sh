#!/usr/bin/env bash
# Start hcr at http://127.0.0.1:8000 with the shipped model and an SQLite share store.
# The first run installs what the app needs into .venv (no TensorFlow). Options go to
# `hcr serve`, e.g. ./serve.sh --bind 0.0.0.0:8000
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  touch .venv/.installed
fi
exec .venv/bin/hcr serve "$@"
