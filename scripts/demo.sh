#!/usr/bin/env bash
# The README's main job: profiles the bundled demo (examples/demo.py) with Tachyon and writes a
# pstats report to demo-profile.txt, an offline HTML flamegraph to demo-flamegraph.html and
# collapsed stacks to demo-collapsed.txt. It needs a
# CPython 3.8+ to run the demo: python3 (or python3.8 … python3.15) on PATH, a pyenv build, or
# the test chroot's python3.15.
set -euo pipefail
cd "$(dirname "$0")/.."

# A usable interpreter runs and is 3.8 or newer (a pyenv shim for an inactive version is not).
usable() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidate
  for name in python3 python3.15 python3.14 python3.13 python3.12 python3.11 python3.10 python3.9 python3.8; do
    candidate="$(command -v "$name" || true)"
    if [ -n "$candidate" ] && usable "$candidate"; then echo "$candidate"; return; fi
  done
  local root
  root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for dir in "$root"/versions/3.*; do
    if [ -x "$dir/bin/python3" ] && usable "$dir/bin/python3"; then echo "$dir/bin/python3"; return; fi
  done
  local chroot="${TACHYON_CHROOT:-${TACHYON_CACHE:-$HOME/.cache/tachyon}/sid}"
  if [ -x "$chroot/usr/bin/python3.15" ]; then
    printf '#!/bin/sh\nexec chroot %s /usr/bin/python3.15 "$@"\n' "$chroot" > /tmp/tachyon-demo-python
    chmod +x /tmp/tachyon-demo-python
    echo /tmp/tachyon-demo-python
    return
  fi
  return 1
}

python="$(find_python)" || {
  echo "demo: error: no CPython 3.8+ found for the demo" >&2
  echo "hint: install python3 (3.8 or newer), or run: bash scripts/setup-chroot.sh" >&2
  exit 1
}
script=examples/demo.py
if [ "$python" = /tmp/tachyon-demo-python ]; then
  # Inside the chroot the script must be at the same path as outside.
  chroot="${TACHYON_CHROOT:-${TACHYON_CACHE:-$HOME/.cache/tachyon}/sid}"
  mkdir -p /tmp/tachyon-demo "$chroot/tmp/tachyon-demo"
  cp examples/demo.py /tmp/tachyon-demo/
  cp examples/demo.py "$chroot/tmp/tachyon-demo/"
  script=/tmp/tachyon-demo/demo.py
fi
echo "demo: profiling $script with $python"
node dist/cli.js run --python "$python" -r 1khz -o demo-collapsed.txt --collapsed "$script"
node dist/cli.js run --python "$python" -r 1khz -o demo-flamegraph.html --flamegraph "$script"
node dist/cli.js run --python "$python" -r 1khz --limit 12 "$script" > demo-profile.txt
echo "demo: wrote demo-profile.txt (pstats table), demo-flamegraph.html (open it in a browser) and demo-collapsed.txt (collapsed stacks)"
head -n 16 demo-profile.txt
