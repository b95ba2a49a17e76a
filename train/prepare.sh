#!/usr/bin/env bash
# train/prepare.sh WORK [SNAPSHOT]: everything the yardstick and the research training read, made
# from the data set (data/, placed by scripts/data.sh from ../shared/data) into WORK:
#   WORK/full_frames.tsv      the data set's labelled full frames (no tight crops, no video rows)
#   WORK/video_frames/        the middle frame of each video of the video-only sources (bona fide)
#   WORK/session_frames/      five frames of every video: attempts for the frame fusion
#   WORK/ra_frames/           with SNAPSHOT (a snapshot of sejong-sas/replay-attack: a checkout or the
#                             git directory `fetch` brings): 5 more frames of each Replay-Attack train
#                             and devel video; its test split is never read
#   WORK/made_attacks/        prints, replays, cut-outs and masks made from the bona fide frames
#   WORK/scores.json          every candidate model's p_real on all of them (train/scores.py)
# Steps whose output exists are skipped (delete WORK to redo). Environment: FACELIVE, FACELIVE_MODELS,
# FL_PREPARE_LIMIT (rows of each manifest, for the tests; 0 = all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: train/prepare.sh WORK [SNAPSHOT]" >&2; exit 2; }
work=$(realpath -m "$1")
snapshot=${2:-}
fl=${FACELIVE:-$root/build/facelive}
models=${FACELIVE_MODELS:-$root/models}
limit=${FL_PREPARE_LIMIT:-0}
py=/usr/bin/python3
mkdir -p "$work"
say() { echo "prepare: $*" >&2; }

# the manifest's full-frame rows (a limit keeps each source's first rows: every source stays in)
if [ ! -s "$work/full_frames.tsv" ]; then
  awk -F'\t' -v lim="$limit" 'NR == 1 { print; next }
    $1 !~ /^crops_/ && $2 != "video" { split($1, p, "/"); if (lim == 0 || n[p[1]]++ < lim) print }' \
    "$root/data/MANIFEST.tsv" > "$work/full_frames.tsv"
fi
judge=(--judge "$work/full_frames.tsv:$root/data")
[ -s "$work/video_frames/MANIFEST.tsv" ] ||
  "$py" "$root/train/video_frames.py" "$root/data/MANIFEST.tsv" "$work/video_frames" --at 0.5 >&2
judge+=(--judge "$work/video_frames/MANIFEST.tsv")
[ -s "$work/session_frames/MANIFEST.tsv" ] ||
  "$py" "$root/train/video_frames.py" "$root/data/MANIFEST.tsv" "$work/session_frames" \
    --at 0.1,0.3,0.5,0.7,0.9 --every-source >&2
manifests=("$work/full_frames.tsv:$root/data" "$work/video_frames/MANIFEST.tsv" "$work/session_frames/MANIFEST.tsv")
if [ -n "$snapshot" ]; then
  [ -s "$work/ra_frames/MANIFEST.tsv" ] ||
    "$py" "$root/train/snapshot_frames.py" "$snapshot" "$work/ra_frames" --per-video "${FL_SNAPSHOT_PER_VIDEO:-5}" >&2
  manifests+=("$work/ra_frames/MANIFEST.tsv")
fi
[ -s "$work/made_attacks/MANIFEST.tsv" ] ||
  "$py" "$root/train/attacks.py" "${judge[@]}" --facelive "$fl" --models "$models" --out "$work/made_attacks" \
    --per-source "${FL_ATTACKS_PER_SOURCE:-40}" >&2
manifests+=("$work/made_attacks/MANIFEST.tsv")
args=()
for m in "${manifests[@]}"; do args+=(--manifest "$m"); done
say "scoring every row with every candidate model (train/candidates.tsv)"
"$py" "$root/train/scores.py" "${args[@]}" --facelive "$fl" --models "$models" --out "$work/scores.json" >&2
