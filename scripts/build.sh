#!/usr/bin/env bash
# Configures and builds one flavour: `scripts/build.sh` (release, ./build) or
# `scripts/build.sh sanitize` (ASan+UBSan, ./build-sanitize).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-release}" in
  release)  dir=$root/build;          flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  sanitize) dir=$root/build-sanitize; flags=(-DCMAKE_BUILD_TYPE=Debug -DFL_SANITIZE=ON) ;;
  *) echo "build.sh: unknown flavour '$1' (release|sanitize)" >&2; exit 2 ;;
esac
echo "build: ${1:-release} in $dir ($(nproc) jobs)"
cmake -S "$root" -B "$dir" "${flags[@]}" -DFL_MODELS_DIR="$root/models" -DFL_DATA_DIR="$root/data" >/dev/null
cmake --build "$dir" -j"$(nproc)"
