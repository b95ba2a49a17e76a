#!/usr/bin/env bash
# All tests, from a fresh Debian 12 machine: packages, models and data, then the suite in a release
# build, a short fuzzing run of every parser (scripts/fuzz.sh; FL_FUZZ_SECONDS each, default 10), and
# the suite again in an AddressSanitizer + UndefinedBehaviorSanitizer build. Tests run in parallel
# on every core; each step prints its start time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS
step() { echo "== [$((SECONDS - start)) s] $* =="; }
step "packages"
"$root/scripts/setup.sh"
step "models and data (copied and checked against their sha256 lists)"
"$root/scripts/models.sh"
"$root/scripts/data.sh"
run_suite() { # run_suite FLAVOUR DIR
  step "build ($1)"
  "$root/scripts/build.sh" "$1"
  step "tests ($1)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$2" --output-on-failure -j"$(nproc)"
}
step "architecture (scripts/architecture.py: no include cycles, programs above src/app, functions <= 80 lines)"
/usr/bin/python3 "$root/scripts/architecture.py" check
step "web SDK (scripts/build.sh wasm; npm ci --prefix web: playwright-core for the browser tests, onnxruntime-web)"
"$root/scripts/build.sh" wasm
npm ci --prefix "$root/web" --no-audit --no-fund --loglevel=error
run_suite release "$root/build"
step "fuzzing every parser for ${FL_FUZZ_SECONDS:-10} s"
"$root/scripts/fuzz.sh" "${FL_FUZZ_SECONDS:-10}"
run_suite sanitize "$root/build-sanitize"
step "all tests passed"
