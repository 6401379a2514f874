#!/usr/bin/env bash
# Soak natrium: mixed pub/sub, request/reply and connection churn for N seconds (default
# 600), printing the server's RSS and open fds every second, then the RSS slope after
# warm-up and the fd drift. Exit 1 if RSS keeps growing (> 1 MiB/min) or fds leak.
#   scripts/soak.sh [seconds]        NATS_SERVER_BIN=/usr/sbin/nats-server scripts/soak.sh 60
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" build
cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
cmake --build "$root/build" --target nats-server soak
exec "$root/build/tests/soak" --seconds "${1:-600}" --bin "${NATS_SERVER_BIN:-$root/build/bin/nats-server}"
