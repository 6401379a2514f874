#!/usr/bin/env bash
# Installs what natrium needs from Debian's packages (and npm for the interop tests).
#   scripts/deps.sh build   compiler, CMake, Ninja, libraries
#   scripts/deps.sh test    the above, plus the reference nats-server, libnats, clang/libFuzzer,
#                           Node.js (if missing) and the npm packages of tests/interop/node
set -euo pipefail
what=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi

build_pkgs="build-essential cmake ninja-build pkg-config libjansson-dev libnats-dev libssl-dev"
test_pkgs="nats-server clang libclang-rt-14-dev openssl"

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

if [ "$what" = test ] && [ -f "$root/tests/interop/node/package-lock.json" ]; then
  if [ ! -d "$root/tests/interop/node/node_modules" ] ||
     [ "$root/tests/interop/node/package-lock.json" -nt "$root/tests/interop/node/node_modules" ]; then
    (cd "$root/tests/interop/node" && npm ci --no-fund --no-audit --loglevel=error)
  fi
fi
