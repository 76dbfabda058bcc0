#!/usr/bin/env bash
# Builds (once) and caches a Debian sid chroot holding Debian's own CPython 3.13, 3.14 and 3.15
# builds: static non-PIE executables, the PIE variant of 3.13 and the 3.15 debug build. Tests and
# benchmarks run targets with `chroot DIR pythonX.Y`, which also puts them in another mount
# namespace view, the container case. Re-running is cheap: a stamp file records what is installed.
set -euo pipefail

root="${TACHYON_CHROOT:-${TACHYON_CACHE:-$HOME/.cache/tachyon}/sid}"
packages=(python3.13 python3.13-nopie python3.14 python3.15 python3.15-dbg procps)
stamp="$root/.tachyon-stamp"
want="v1 ${packages[*]}"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "chroot ready: $root"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-chroot: error: building the chroot needs root (debootstrap, chroot)" >&2
  echo "hint: run as root, or point TACHYON_CHROOT at an existing chroot" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
mkdir -p "$root"
if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "setup-chroot: debootstrap sid into $root (about a minute)"
  debootstrap --variant=minbase sid "$root" >"$root.debootstrap.log" 2>&1 || {
    tail -20 "$root.debootstrap.log" >&2; exit 1; }
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
chroot "$root" apt-get -o Acquire::Check-Valid-Until=false update -qq
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "$want" > "$stamp"
echo "chroot ready: $root"
chroot "$root" sh -c 'for p in python3.13 python3.13-pie python3.14 python3.15 python3.15d python3.15-dbg; do command -v $p >/dev/null && echo "  $p: $($p -c "import sys; print(sys.version.split()[0])")"; done' || true
