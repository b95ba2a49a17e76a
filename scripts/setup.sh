#!/usr/bin/env bash
# Installs the Debian 12 packages facelive builds, tests and benchmarks with. Idempotent.
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config
  libprotobuf-c-dev protobuf-c-compiler      # ONNX parsing
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev   # the fast backend
  libjansson-dev                             # JSON in tests (and later the server)
  libturbojpeg0-dev libspng-dev              # image decoding
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev  # video files (CLI only)
  libmicrohttpd-dev libsodium-dev libcurl4-openssl-dev liblmdb-dev libhiredis-dev  # facelive serve
  redis-server wrk python3-yaml curl         # the service's tests (a real Redis), benchmark, OpenAPI check, demo
  lmdb-utils                                 # the service's tests: a token store filled to its limit (mdb_load)
  haproxy prometheus graphviz                # scale-out: the cluster, its tests and alerts, the topology picture
  python3-torch                              # the training pipeline (train/; tools only, the runtime stays C)
  openjdk-17-jdk-headless junit5             # the Java binding (bindings/java) and its JUnit 5 tests
  python3 python3-numpy python3-opencv python3-onnx  # the OpenCV peer in benchmarks
  clang libclang-rt-14-dev                   # libFuzzer (scripts/fuzz.sh)
  nodejs                                     # the web client's tests (web/, tests/test_web_client.py)
  emscripten chromium                        # the web SDK: the WebAssembly build, its browser tests (web/)
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
