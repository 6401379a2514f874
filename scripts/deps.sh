#!/usr/bin/env bash
# Installs what natrium needs from Debian's packages (and npm for the interop tests).
#   scripts/deps.sh build   compiler, CMake, Ninja, libraries
#   scripts/deps.sh test    the above, plus the reference nats-server, libnats, clang/libFuzzer,
#                           chromium (the dashboard test), Node.js (if missing) and the npm
#                           packages of tests/interop/node and tests/monitor/dashboard
set -euo pipefail
what=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi

build_pkgs="build-essential cmake ninja-build pkg-config libjansson-dev libnats-dev libssl-dev
  libcrypt-dev"
test_pkgs="nats-server clang libclang-rt-14-dev chromium openssl"

missing=()
want="$build_pkgs"
[ "$what" = test ] && want="$build_pkgs $test_pkgs"
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$what" = test ] && ! command -v node >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm folders with their own lock: the interop clients, the dashboard's headless browser driver
for d in tests/interop/node tests/monitor/dashboard; do
  if [ "$what" = test ] && [ -f "$root/$d/package-lock.json" ]; then
    if [ ! -d "$root/$d/node_modules" ] ||
       [ "$root/$d/package-lock.json" -nt "$root/$d/node_modules" ]; then
      (cd "$root/$d" && npm ci --no-fund --no-audit --loglevel=error)
    fi
  fi
done
