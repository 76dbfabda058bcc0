#!/usr/bin/env bash
# Installs the peers the benchmark compares Tachyon with, py-spy and Austin (PyPI's austin-dist),
# at pinned versions into a venv in the Tachyon cache (~/.cache/tachyon/bench-peers). Quiet when
# all is there.
# Called by `npm run bench` and by `scripts/setup.sh --test`. Safe to re-run.
set -euo pipefail

PY_SPY_VERSION=0.4.3
AUSTIN_VERSION=4.0.0
cache=${TACHYON_CACHE:-$HOME/.cache/tachyon}
venv=$cache/bench-peers

version_of() {
  "$venv/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p'
}

installed() {
  [ -x "$venv/bin/py-spy" ] && [ -x "$venv/bin/austin" ] &&
    [ "$(version_of py-spy)" = "$PY_SPY_VERSION" ] &&
    [ "$(version_of austin-dist)" = "$AUSTIN_VERSION" ]
}

if ! installed; then
  echo "bench: installing py-spy==$PY_SPY_VERSION and austin-dist==$AUSTIN_VERSION into $venv" >&2
  mkdir -p "$cache"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "py-spy==$PY_SPY_VERSION" "austin-dist==$AUSTIN_VERSION"
  installed || { echo "bench: error: py-spy or austin did not install into $venv" >&2; exit 1; }
fi
