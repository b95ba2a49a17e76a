#!/usr/bin/env bash
# train/finetune.sh MANIFEST.tsv OUTDIR [EPOCHS]: fine-tunes the 2.7-scale MiniFASNet on the face
# crops of a labelled manifest (train/finetune.py), exports it, and writes OUTDIR/model (the pack with
# the new model and its model list) and the cross-source report OUTDIR/report.json: each source in
# turn left out of training and tested on (the headline), then the model trained on every source.
# Environment: FACELIVE (build/facelive), FACELIVE_MODELS (models), FL_TRAIN_DATA (the folder the
# manifest's paths are relative to: the manifest's own), FL_TRAIN_LIMIT (rows, 0 = all),
# FL_TRAIN_LOSO=0 skips the leave-one-source-out part. Python: Debian's /usr/bin/python3 with
# python3-torch, python3-onnx and python3-opencv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: train/finetune.sh MANIFEST.tsv OUTDIR [EPOCHS]" >&2; exit 2; }
manifest=$(realpath "$1")
out=$(realpath -m "$2")
epochs=${3:-8}
data=${FL_TRAIN_DATA:-$(dirname "$manifest")}
args=()
[ "${FL_TRAIN_LOSO:-1}" = 0 ] && args+=(--no-loso)
[ -n "${FL_TRAIN_LIMIT:-}" ] && args+=(--limit "$FL_TRAIN_LIMIT")
/usr/bin/python3 "$root/train/cross_source.py" "$manifest" "$data" "${FACELIVE:-$root/build/facelive}" \
  "${FACELIVE_MODELS:-$root/models}" "$out" "$epochs" "${args[@]}"
