#!/usr/bin/env bash
# train/yardstick.sh WORK RESEARCH REPORT.json: train/lodo.py on what train/prepare.sh made in WORK:
# every candidate left out one data set at a time, the made attacks per kind, the frame fusion on
# attempts; the research model's per-source scores from RESEARCH/lodo_scores.json when that exists
# ("-": none). Prints the tables; the last line is the JSON summary
# {"lodo": {"default_before": .., "default": .., "research": ..}}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 3 ] || { echo "usage: train/yardstick.sh WORK RESEARCH|- REPORT.json" >&2; exit 2; }
work=$1 research=$2 report=$3
args=(--scores "$work/scores.json" --judge "$work/full_frames.tsv:$root/data"
      --judge "$work/video_frames/MANIFEST.tsv" --made "$work/made_attacks/MANIFEST.tsv"
      --sessions "$work/session_frames/MANIFEST.tsv" --out "$report"
      --name "default_before=pair (V2 2.7 + V1SE 4.0) @0.90" --name "default=V2 + APK @0.90")
if [ -s "$work/ra_frames/MANIFEST.tsv" ]; then
  args+=(--train-only "$work/ra_frames/MANIFEST.tsv" --sessions "$work/ra_frames/MANIFEST.tsv")
fi
if [ "$research" != - ] && [ -s "$research/lodo_scores.json" ]; then
  args+=(--extra "research=$research/lodo_scores.json" --name "research=research @0.90")
fi
/usr/bin/python3 "$root/train/lodo.py" "${args[@]}"
