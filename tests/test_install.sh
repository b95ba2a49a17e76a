#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then, as a user of the library would: the README's
# example (examples/check_image.c) built with `pkg-config --cflags --libs facelive` against the
# shared library and, with --static, against the static one; both run on a live face and a
# replay. The installed CLI finds the installed model pack from any folder.
# usage: test_install.sh BUILD_DIR SOURCE_DIR DATA_DIR
set -euo pipefail
build=$1 src=$2 data=$3
prefix=$(mktemp -d /tmp/fl_install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
passed=0 failed=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $what"; fi
}
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name facelive.pc | head -1)
check "facelive.pc installed" test -n "$pc"
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir facelive)
models=$(pkg-config --variable=modelsdir facelive)
for f in include/facelive/liveness.h include/facelive/version.h include/facelive/session.h bin/facelive \
         share/facelive/antispoof_models.tsv; do
  check "$f installed" test -f "$prefix/$f"
done
check "libdir inside the prefix ($libdir)" test -f "$libdir/libfacelive.a"
check "shared library with its soname link" test -L "$libdir/libfacelive.so.0"
check "model pack installed in modelsdir ($models)" test -f "$models/yunet_n_dynamic.onnx"
check "the README shows examples/check_image.c verbatim" \
  python3 -c 'import sys; sys.exit(open(sys.argv[1]).read() not in open(sys.argv[2]).read())' \
  "$src/examples/check_image.c" "$src/README.md"

work=$(mktemp -d /tmp/fl_consumer.XXXXXX)
trap 'rm -rf "$prefix" "$work"' EXIT
# shellcheck disable=SC2046
check "the example builds against the shared library" \
  cc -std=c11 -Wall -Wextra -Werror "$src/examples/check_image.c" $(pkg-config --cflags --libs facelive) -o "$work/shared"
check "it links libfacelive.so" sh -c "ldd '$work/shared' | grep -q libfacelive.so.0"
run() { LD_LIBRARY_PATH=$libdir "$@"; }
out=$(run "$work/shared" "$models" "$data/silent_face_minivision/image_T1.jpg") && rc=0 || rc=$?
check "a live face is real (exit $rc: $out)" test "$rc" = 0 -a "${out%% *}" = real
out=$(run "$work/shared" "$models" "$data/silent_face_minivision/image_F2.jpg") && rc=0 || rc=$?
check "a replay is a spoof (exit $rc: $out)" test "$rc" = 3 -a "${out%% *}" = spoof
out=$(run "$work/shared" "$models" /nonexistent.jpg 2>&1) && rc=0 || rc=$?
check "a missing image is an error (exit $rc)" test "$rc" = 1
# static: the archive itself, then the private dependencies pkg-config --static lists
static_libs=$(pkg-config --static --libs facelive | sed 's/-lfacelive//')
# shellcheck disable=SC2086
check "the example builds against the static library" \
  cc -std=c11 "$src/examples/check_image.c" $(pkg-config --cflags facelive) "$libdir/libfacelive.a" $static_libs \
  -o "$work/static"
check "the static build needs no libfacelive.so" sh -c "! ldd '$work/static' | grep -q libfacelive"
out=$("$work/static" "$models" "$data/silent_face_minivision/image_T1.jpg") && rc=0 || rc=$?
check "static: a live face is real (exit $rc)" test "$rc" = 0
# the installed CLI, run from another folder, with no --models and no FACELIVE_MODELS
out=$(cd "$work" && env -u FACELIVE_MODELS LD_LIBRARY_PATH="$libdir" "$prefix/bin/facelive" check \
      "$data/silent_face_minivision/image_T1.jpg") && rc=0 || rc=$?
check "the installed CLI finds the installed models (exit $rc: $out)" test "$rc" = 0
ver=$("$prefix/bin/facelive" --version)
check "--version matches pkg-config ($ver)" sh -c "echo '$ver' | grep -q \"facelive $(pkg-config --modversion facelive) \""
echo "$passed passed, $failed failed"
test "$failed" = 0
