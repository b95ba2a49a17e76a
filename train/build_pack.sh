#!/usr/bin/env bash
# train/build_pack.sh OUT [SNAPSHOT]: the research pack in one command, from the data set
# (../shared/data, placed in data/) and optionally a snapshot of sejong-sas/replay-attack (its folder:
# a checkout or the git directory the `fetch` tool brings; only its train and devel frames are read).
#   OUT/pack/                the research model (MiniFASNet V2 fine-tuned on every source and the made
#                            attacks), its model list (licence: research use only) and provenance.json:
#                            facelive check --models OUT/pack --model-list OUT/pack/antispoof_models.tsv
#   OUT/folds/N/             the same trained without each group of sources (leave one data set out)
#   OUT/lodo_scores.json     each judged row's p_real from the model that did not see its source
#   OUT/lodo_report.json     the yardstick (train/lodo.py): the default before, the default, the
#                            research model, every candidate; the text table on stdout
#   OUT/work/                frames, made attacks and scores (train/prepare.sh)
# RESEARCH USE ONLY: Replay-Attack and CelebA-Spoof allow research use only; the pack is never a
# default. Environment: FL_EPOCHS (2), FL_FOLDS (auto: each large source alone, the small ones
# together; each; none), FL_PREPARE_LIMIT (rows per source, for the tests), FACELIVE, FACELIVE_MODELS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: train/build_pack.sh OUT [SNAPSHOT]" >&2; exit 2; }
out=$(realpath -m "$1")
snapshot=${2:-}
[ -z "$snapshot" ] || snapshot=$(realpath "$snapshot")
start=$(date +%s)
if [ -z "${FACELIVE:-}" ]; then
  "$root/scripts/setup.sh"
  "$root/scripts/models.sh" >/dev/null
  "$root/scripts/data.sh" >/dev/null
  "$root/scripts/build.sh" release >/dev/null
fi
export FACELIVE=${FACELIVE:-$root/build/facelive} FACELIVE_MODELS=${FACELIVE_MODELS:-$root/models}
work=$out/work
"$root/train/prepare.sh" "$work" "$snapshot"
judge=(--judge "$work/full_frames.tsv:$root/data" --judge "$work/video_frames/MANIFEST.tsv")
train=()
[ -s "$work/ra_frames/MANIFEST.tsv" ] && train=(--train "$work/ra_frames/MANIFEST.tsv")
/usr/bin/python3 "$root/train/research.py" --scores "$work/scores.json" "${judge[@]}" "${train[@]}" \
  --made "$work/made_attacks/MANIFEST.tsv" --facelive "$FACELIVE" --models "$FACELIVE_MODELS" --out "$out" \
  --epochs "${FL_EPOCHS:-2}" --folds "${FL_FOLDS:-auto}" >&2
"$root/train/yardstick.sh" "$work" "$out" "$out/lodo_report.json"
echo "build_pack: done in $(( $(date +%s) - start )) s; the research pack is $out/pack (research use only)" >&2
