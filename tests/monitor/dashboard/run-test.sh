#!/bin/sh
# Runs one dashboard test file with node --test after checking that the pinned npm packages
# are installed (scripts/deps.sh test runs `npm ci` here).
set -e
dir=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$dir/node_modules/puppeteer-core" ]; then
  echo "puppeteer-core missing: run scripts/deps.sh test (npm ci in tests/monitor/dashboard)" >&2
  exit 1
fi
cd "$dir"
exec node --test "$@"
