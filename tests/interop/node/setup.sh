#!/bin/sh
# Installs the nats.js packages pinned in package-lock.json (nats 2.29.3 and
# @nats-io/transport-node 3.4.0) into tests/interop/node/node_modules for the
# interop tests. No package has an install script; about 7 packages, a few seconds.
set -eu
cd "$(dirname "$0")"
exec npm ci --no-fund --no-audit
