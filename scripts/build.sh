#!/usr/bin/env bash
# Configures and builds one flavour: `scripts/build.sh` (release, ./build),
# `scripts/build.sh sanitize` (ASan+UBSan, ./build-sanitize), or `scripts/build.sh wasm` (the
# WebAssembly module with Debian's emscripten, SIMD128 and scalar variants, into ./build-wasm/dist:
# facelive-simd.mjs/.wasm and facelive-scalar.mjs/.wasm, and the page with them in ./build-wasm/site).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_wasm() {
  # Debian's emcc needs its node modules (acorn) and /usr/bin's node and python first on PATH.
  export NODE_PATH=/usr/share/nodejs PATH=/usr/bin:$PATH
  command -v emcmake >/dev/null || { echo "build.sh: emscripten is missing (scripts/setup.sh web installs it)" >&2; exit 1; }
  mkdir -p "$root/build-wasm/dist"
  for variant in simd scalar; do
    local dir=$root/build-wasm/$variant simd=ON
    [ "$variant" = scalar ] && simd=OFF
    echo "build: wasm ($variant) in $dir"
    emcmake cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DFL_WASM_SIMD=$simd >/dev/null
    cmake --build "$dir" -j"$(nproc)" --target facelive_web
    cp "$dir/web/wasm/facelive_web.mjs" "$root/build-wasm/dist/facelive-$variant.mjs"
    cp "$dir/web/wasm/facelive_web.wasm" "$root/build-wasm/dist/facelive-$variant.wasm"
  done
  # each .mjs loads the .wasm of its own name
  sed -i 's/facelive_web\.wasm/facelive-simd.wasm/g' "$root/build-wasm/dist/facelive-simd.mjs"
  sed -i 's/facelive_web\.wasm/facelive-scalar.wasm/g' "$root/build-wasm/dist/facelive-scalar.mjs"
  # the page's folder (facelive serve's web_root): the demo, the JavaScript, the modules, the models
  local site=$root/build-wasm/site
  rm -rf "$site" && mkdir -p "$site/models"
  cp "$root"/web/demo/* "$root"/web/*.mjs "$root"/build-wasm/dist/* "$site/"
  for m in yunet_n_dynamic.onnx facemesh_468.onnx minifasnet_v2_2.7_80x80.onnx sf_apk_v1se_4.0_80x80.onnx; do
    [ -f "$root/models/$m" ] && cp "$root/models/$m" "$site/models/"
  done
  echo "build: the page is in $site (serve it with web_root; scripts/models.sh fills models/)"
}

case "${1:-release}" in
  release)  dir=$root/build;          flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  sanitize) dir=$root/build-sanitize; flags=(-DCMAKE_BUILD_TYPE=Debug -DFL_SANITIZE=ON) ;;
  wasm)     build_wasm; exit 0 ;;
  *) echo "build.sh: unknown flavour '$1' (release|sanitize|wasm)" >&2; exit 2 ;;
esac
echo "build: ${1:-release} in $dir ($(nproc) jobs)"
cmake -S "$root" -B "$dir" "${flags[@]}" -DFL_MODELS_DIR="$root/models" -DFL_DATA_DIR="$root/data" >/dev/null
cmake --build "$dir" -j"$(nproc)"
