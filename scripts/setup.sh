#!/usr/bin/env bash
# Sets up Tachyon on a fresh machine: the pinned Zig (from PyPI's ziglang), the npm packages, and
# the build (helper + TypeScript). With --test it also builds the Debian sid chroot that holds the
# CPython 3.13/3.14/3.15 builds the tests profile (scripts/setup-chroot.sh), the Debian packages the
# tests drive (chromium, strace), and the pinned py-spy and Austin the benchmark
# compares with (bench/setup-peers.sh). Safe to re-run.
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
  # Debian packages the tests drive: chromium (the HTML report tests), strace (the privileged
  # helper's tests check what it opens before dropping root), unshare/setpriv/prlimit
  # (util-linux), useradd (passwd), setcap (libcap2-bin) and gcc (a tiny C program embedding
  # Python) for the container and unprivileged-user tests.
  missing=()
  command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v strace >/dev/null || missing+=(strace)
  command -v unshare >/dev/null && command -v setpriv >/dev/null || missing+=(util-linux)
  command -v useradd >/dev/null || [ -x /usr/sbin/useradd ] || missing+=(passwd)
  command -v gcc >/dev/null && [ -e /usr/include/dlfcn.h ] || missing+=(gcc libc6-dev)
  command -v setcap >/dev/null || [ -x /usr/sbin/setcap ] || missing+=(libcap2-bin)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "setup: error: the tests need these Debian packages; install them as root: apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
    echo "setup: installing Debian packages for the tests: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "${missing[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
  fi
  # The peers npm run bench compares with (py-spy, Austin), pinned, into ~/.cache/tachyon/bench-peers.
  bash bench/setup-peers.sh
fi
echo "setup: done (tachyon: node dist/cli.js, helper: zig-out/bin/tachyon-helper)"
