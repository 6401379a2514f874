#!/usr/bin/env bash
# The README's first command: install the build dependencies, build natrium (release), and
# start nats-server with sensible defaults, logging like the reference. Any extra arguments
# go to nats-server (e.g. scripts/run.sh -p 4333 -DV).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" build
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" --target nats-server
exec "$root/build/bin/nats-server" "$@"
