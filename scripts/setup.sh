#!/usr/bin/env bash
# Sets up Tachyon on a fresh machine: the pinned Zig (from PyPI's ziglang), the npm packages, and
# the build (helper + TypeScript). With --test it also builds the Debian sid chroot that holds the
# CPython 3.13/3.14/3.15 builds the tests profile (scripts/setup-chroot.sh) and Debian's chromium,
# the headless browser the HTML report tests drive. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

ZIG_VERSION=0.17.1
with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    *) echo "setup: error: unknown option $arg (use --test to also install the test interpreters)" >&2; exit 2 ;;
  esac
done

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: error: Node.js 20 or newer is needed" >&2
  exit 1
fi

python=python3
if [ "$($python -m ziglang version 2>/dev/null || true)" != "$ZIG_VERSION" ]; then
  echo "setup: installing ziglang==$ZIG_VERSION from PyPI"
  $python -m pip install --quiet --disable-pip-version-check "ziglang==$ZIG_VERSION"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: building the helper (zig $ZIG_VERSION) and the TypeScript"
npm run --silent build

if [ "$with_test" = 1 ]; then
  bash scripts/setup-chroot.sh
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "setup: error: the browser tests need Debian's chromium; install it as root: apt-get install -y chromium" >&2
      exit 1
    fi
    echo "setup: installing Debian's chromium (for the browser tests of the HTML reports)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
  fi
fi
echo "setup: done (tachyon: node dist/cli.js, helper: zig-out/bin/tachyon-helper)"
