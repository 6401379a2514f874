#!/usr/bin/env bash
# The README's second command (and CI's): install the test dependencies, build everything
# under AddressSanitizer + UndefinedBehaviorSanitizer, and run every test with ctest.
# Then the threaded paths again under ThreadSanitizer. ctest's summary line closes the run.
#   scripts/test.sh            all of it
#   NS_TEST_QUICK=1 scripts/test.sh   skip the ThreadSanitizer pass
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
"$root/scripts/deps.sh" test

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

status=0
if [ -z "${NS_TEST_QUICK:-}" ]; then
  echo "== ThreadSanitizer build: unit, proto, monitor and tls tests"
  cmake -S "$root" -B "$root/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNS_SANITIZE=tsan >/dev/null
  cmake --build "$root/build-tsan" -j "$jobs"
  ctest --test-dir "$root/build-tsan" -L 'unit|proto|monitor|tls' -j "$jobs" --output-on-failure || status=1
fi

echo "== ASan+UBSan build: every test"
CC=clang cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DNS_SANITIZE=asan -DNS_FUZZ=ON >/dev/null
cmake --build "$root/build-asan" -j "$jobs"
ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure || status=1
exit $status
