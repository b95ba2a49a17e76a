#!/usr/bin/env bash
# Regenerates docs/eval/: `facelive eval` on the data set (../shared/data, placed in data/) at the
# library's default detection size, with the 640-px setting (reference parity) in the same report:
#   docs/eval/            the 100 full frames (the crops_* folders hold tight crops, which the check
#                         refuses as too close: they would only add failures to acquire)
#   docs/eval/all_rows/   every labelled image, crops included
#   docs/eval/calibrated/ the threshold chosen on a dev split (--calibrate --target-apcer 0.05)
#   docs/eval/acquisition.json   the quality gates on every source's faces (train/acquisition.py)
#   docs/eval/texture/report.json the colour-texture model and every fusion, leaving one source out
#                         (train/texture.py; the fitted model and list stay in build/texture/)
#   docs/eval/lodo/       the yardstick: every candidate (model lists, fusions, thresholds, frame
#                         fusion) leaving one data set out, the made attacks per kind, and the research
#                         model when $FACELIVE_RESEARCH (default build/research_pack: the OUT of
#                         train/build_pack.sh) holds its per-source scores; more Replay-Attack frames
#                         when $FACELIVE_SNAPSHOT names a snapshot of sejong-sas/replay-attack
# Prints the text reports; docs/eval/summary.txt keeps them. The last line is the yardstick's JSON:
# {"lodo": {"default_before": {"hter", "sources", ...}, "default": {..}, "research": {..}}}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/models.sh" >/dev/null
"$root/scripts/data.sh" >/dev/null
"$root/scripts/build.sh" release >/dev/null
fl=$root/build/facelive
export FACELIVE_MODELS=$root/models
# the manifest's rows outside crops_*, written beside it so its relative paths still hold
awk -F'\t' 'NR == 1 || $1 !~ /^crops_/' "$root/data/MANIFEST.tsv" > "$root/data/full_frames.tsv"
awk -F'\t' 'NR == 1 || $1 ~ /^crops_/' "$root/data/MANIFEST.tsv" > "$root/data/crops.tsv"
cd "$root" # relative paths, so the reports name data/... and docs/... wherever the checkout is
mkdir -p docs/eval/all_rows docs/eval/calibrated
{
  echo "# facelive eval, $(date -u +%Y-%m-%d), $("$fl" --version)"
  echo "## the full frames (data/full_frames.tsv)"
  "$fl" eval data/full_frames.tsv --out docs/eval --compare-detect-size 640
  echo "## every row (data/MANIFEST.tsv)"
  "$fl" eval data/MANIFEST.tsv --out docs/eval/all_rows --compare-detect-size 640
  echo "## threshold calibrated on a dev split, every row"
  "$fl" eval data/MANIFEST.tsv --out docs/eval/calibrated --calibrate --target-apcer 0.05
  echo "## the full frames, every source left out in turn (--calibrate --target-apcer 0.05)"
  "$fl" eval data/full_frames.tsv --out build/eval_loso --calibrate --target-apcer 0.05 | sed -n '/^leave one/,$p'
  echo "## quality gates on every source (train/acquisition.py)"
  /usr/bin/python3 train/acquisition.py data/full_frames.tsv "$fl" "$FACELIVE_MODELS" docs/eval/acquisition.json
  echo "## colour texture and fusion, leaving one source out (train/texture.py; the face crops of"
  echo "## data/crops.tsv added to training: --extra)"
  mkdir -p docs/eval/texture
  /usr/bin/python3 train/texture.py --manifest data/full_frames.tsv --extra data/crops.tsv --facelive "$fl" \
    --models "$FACELIVE_MODELS" --out build/texture_crops | grep -v '^model:'
  echo "## the same without the face crops"
  /usr/bin/python3 train/texture.py --manifest data/full_frames.tsv --facelive "$fl" \
    --models "$FACELIVE_MODELS" --out build/texture | grep -v '^model:'
  cp build/texture/report.json docs/eval/texture/report.json
  cp build/texture_crops/report.json docs/eval/texture/report_with_crops.json
  echo "## leave one data set out: every candidate, the made attacks, the frame fusion (train/lodo.py)"
  rm -f build/yardstick/scores.json # scored afresh: the models or the runtime may have changed
  mkdir -p docs/eval/lodo
  train/prepare.sh build/yardstick "${FACELIVE_SNAPSHOT:-}"
  train/yardstick.sh build/yardstick "${FACELIVE_RESEARCH:-build/research_pack}" docs/eval/lodo/report.json
} 2>/dev/null | tee docs/eval/summary.txt
