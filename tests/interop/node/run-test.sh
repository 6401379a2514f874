#!/bin/sh
# Runs nats.js interop test files with `node --test` (CTest calls it once per
# *.test.mjs). Fails with a clear message when node or the pinned npm packages are
# missing: tests/interop/node/setup.sh installs them (npm ci).
cd "$(dirname "$0")" || exit 1
if ! command -v node >/dev/null 2>&1; then
    echo "interop: node is not installed (Node.js 20+ is needed for the nats.js tests)" >&2
    exit 1
fi
if [ ! -f node_modules/nats/package.json ] || [ ! -f node_modules/@nats-io/transport-node/package.json ]; then
    echo "interop: nats.js packages are missing in $(pwd)/node_modules;" \
        "run tests/interop/node/setup.sh (npm ci) first" >&2
    exit 1
fi
exec node --test --test-timeout=30000 "$@"
