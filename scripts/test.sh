#!/usr/bin/env bash
# All tests, from a fresh Debian 12 machine: packages, models, then the suite in a release
# build and again in an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/models.sh"
"$root/scripts/data.sh"
for flavour in release sanitize; do
  "$root/scripts/build.sh" "$flavour"
  dir=$root/build; [ "$flavour" = sanitize ] && dir=$root/build-sanitize
  echo "== tests ($flavour) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure
done
