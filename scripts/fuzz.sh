#!/usr/bin/env bash
# Fuzzes every parser of untrusted input with libFuzzer (Debian's clang), SECONDS each (default 60):
#   image_decode  JPEG/PNG decoding      seeds: the data set's images
#   onnx_load     the ONNX model loader  seeds: the YuNet model of the pack
#   model_list    the anti-spoof list    seeds: config/antispoof_models.tsv, train/candidates.tsv (a whole-frame model)
#   texture_model a texture model file   seeds: fuzz/seeds/texture_model
#   request       the service's bodies   seeds: fuzz/seeds/request (JSON, multipart, tokens)
#   video_body    a verify video body    seeds: tiny MP4 and WebM made here, fuzz/seeds/video_body (a playlist, a concat list)
# Builds build-fuzz/ with clang (-fsanitize=fuzzer,address,undefined). A crash is copied into
# fuzz/regressions/TARGET/ (replayed by the tests from then on) and makes the script fail.
# Prints a table, then one JSON line: {"fuzz": {TARGET: {"seconds", "execs", "execs_per_s", "corpus",
# "crashes"}}}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
case "$seconds" in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;; esac
"$root/scripts/setup.sh"
"$root/scripts/models.sh" >/dev/null
"$root/scripts/data.sh" >/dev/null
dir=$root/build-fuzz
echo "fuzz: building the targets with clang in $dir" >&2
CC=clang cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFL_FUZZ=ON -DFL_WITH_XNNPACK=OFF \
  -DBUILD_TESTING=OFF -DFL_MODELS_DIR="$root/models" -DFL_DATA_DIR="$root/data" >/dev/null
cmake --build "$dir" -j"$(nproc)" --target fuzz_image_decode fuzz_onnx_load fuzz_model_list fuzz_texture_model \
  fuzz_request fuzz_video_body >/dev/null

# Seed corpora (copies: libFuzzer adds to its corpus folder).
seed() { # seed TARGET FILE...
  mkdir -p "$dir/corpus/$1"
  local t=$1; shift
  cp -n "$@" "$dir/corpus/$t/" 2>/dev/null || true
}
seed image_decode "$root"/data/silent_face_minivision/*.jpg "$root"/data/crops_apfol/real/*.png
seed image_decode $(ls "$root"/data/crops_alexcamargo/real/*.png | head -5)
seed onnx_load "$root/models/yunet_n_dynamic.onnx"
seed model_list "$root/config/antispoof_models.tsv" "$root/train/candidates.tsv"
seed texture_model "$root"/fuzz/seeds/texture_model/*
seed request "$root"/fuzz/seeds/request/*
seed video_body "$root"/fuzz/seeds/video_body/*
# tiny MP4 and WebM seeds, made here (no media file is committed); the text seeds are in the tree
/usr/bin/python3 - "$dir/corpus/video_body" <<'PY' || echo "fuzz: no video seeds made (OpenCV); text seeds only" >&2
import sys, cv2, numpy as np
# odd.mp4: rows of 99 bytes, no multiple of a vector (swscale's SIMD output)
for name, fourcc, (wd, ht) in (("tiny.mp4", "mp4v", (32, 24)), ("tiny.webm", "VP80", (32, 24)),
                               ("odd.mp4", "mp4v", (33, 25))):
    w = cv2.VideoWriter(f"{sys.argv[1]}/{name}", cv2.VideoWriter_fourcc(*fourcc), 10, (wd, ht))
    for i in range(6):
        img = np.full((ht, wd, 3), i * 40, np.uint8)
        cv2.circle(img, (wd // 2, ht // 2), 5 + i, (255, 255, 255), -1)
        w.write(img)
    w.release()
PY
printf 'file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nm.onnx\t80x80\trgb\t0.0039215686\t1.0\tprobabilities\t0\t0.5\n' \
  > "$dir/corpus/model_list/rgb_probabilities.tsv"

declare -A max_len=([image_decode]=200000 [onnx_load]=400000 [model_list]=4096 [texture_model]=16384 [request]=65536 [video_body]=65536)
json="" failed=0
printf '%-14s %8s %12s %10s %8s %8s\n' target seconds execs "execs/s" corpus crashes >&2
for t in image_decode onnx_load model_list texture_model request video_body; do
  mkdir -p "$dir/crashes/$t"
  log=$dir/fuzz_$t.log
  rc=0
  ASAN_OPTIONS=detect_leaks=1 "$dir/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="${max_len[$t]}" \
    -print_final_stats=1 -artifact_prefix="$dir/crashes/$t/" "$dir/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  corpus=$(ls "$dir/corpus/$t" | wc -l)
  crashes=$(ls "$dir/crashes/$t" | wc -l)
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed=1
    mkdir -p "$root/fuzz/regressions/$t"
    cp "$dir/crashes/$t"/* "$root/fuzz/regressions/$t/" 2>/dev/null || true
    echo "fuzz: $t FAILED (exit $rc); inputs kept in fuzz/regressions/$t; see $log" >&2
    tail -30 "$log" >&2
  fi
  printf '%-14s %8s %12s %10s %8s %8s\n' "$t" "$seconds" "$execs" "$rate" "$corpus" "$crashes" >&2
  json+="${json:+, }\"$t\": {\"seconds\": $seconds, \"execs\": ${execs:-0}, \"execs_per_s\": ${rate:-0}, \"corpus\": $corpus, \"crashes\": $crashes}"
done
echo "{\"fuzz\": {$json}}"
exit $failed
