#!/bin/sh
# bench/run.sh [--quick] [natsbench options]: builds natrium (RelWithDebInfo) and natsbench, then runs
# every benchmark scenario against Debian's nats-server and natrium side by side (issue 3).
# Prints the table and writes bench/results/<date>.csv and .json. Full run: 3-5 minutes on a
# 2-core machine; --quick: well under a minute. Options after --quick go to natsbench, e.g.
# --compare bench/results/example.json, --only fanout, --rounds 5 (natsbench --help).
# Environment: NATS_REF_BIN (default /usr/sbin/nats-server), NATRIUM_BIN (skip the server
# build and use this binary), NS_BENCH_BUILD (build directory, default build-bench),
# NS_BENCH_BUILD_TYPE (default RelWithDebInfo, the build scripts/run.sh ships).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${NS_BENCH_BUILD:-$root/build-bench}
ref=${NATS_REF_BIN:-/usr/sbin/nats-server}
btype=${NS_BENCH_BUILD_TYPE:-RelWithDebInfo}

if [ ! -x "$ref" ]; then
    echo "run.sh: the reference $ref is missing: apt-get install nats-server" >&2
    exit 2
fi

if [ -z "${NATRIUM_BIN:-}" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$btype" >/dev/null
    ninja -C "$build" nats-server >/dev/null
    nat=$build/bin/nats-server
else
    nat=$NATRIUM_BIN
fi
cmake -S "$root/bench" -B "$build/bench" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build/bench" natsbench >/dev/null

mkdir -p "$root/bench/results"
out=$root/bench/results/$(date +%Y-%m-%d-%H%M%S)
rev=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)

# Raise the descriptor limit for the 10,000 idle connections; the servers inherit it.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

exec "$build/bench/natsbench" --ref "$ref" --nat "$nat" --out "$out" --note "natrium $rev" "$@"
