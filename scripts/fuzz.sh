#!/usr/bin/env bash
# Runs one libFuzzer target for as long as asked, over a scratch copy of its corpus; new
# crashes land in build-fuzz/artifacts/<target>/ (each one becomes a corpus file once fixed).
#   scripts/fuzz.sh <parser|subject|conf|connect|jwt|nkey|creds|http> [seconds=3600] [jobs=1]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/fuzz.sh <parser|subject|conf|connect|jwt|nkey|creds|http> [seconds] [jobs]}
seconds=${2:-3600}
jobs=${3:-1}
"$root/scripts/deps.sh" test
CC=clang cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNS_SANITIZE=asan -DNS_FUZZ=ON >/dev/null
cmake --build "$root/build-fuzz" --target "fuzz_$target"
work=$(mktemp -d)
mkdir -p "$root/build-fuzz/artifacts/$target"
cp -r "$root/tests/fuzz/corpus/$target/." "$work/"
dict=()
[ -f "$root/tests/fuzz/fuzz_$target.dict" ] && dict=(-dict="$root/tests/fuzz/fuzz_$target.dict")
bin=$(find "$root/build-fuzz" -type f -name "fuzz_$target" -perm -u+x | head -1)
exec "$bin" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=512 -timeout=2 \
  -jobs="$jobs" -workers="$jobs" -artifact_prefix="$root/build-fuzz/artifacts/$target/" "$work"
