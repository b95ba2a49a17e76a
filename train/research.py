"""The research model: MiniFASNet V2 (2.7 crop) fine-tuned from its published weights on every training
source (the data set's labelled frames, more Replay-Attack frames, the made attacks), judged leaving
one data set out: for each source, a model trained without it (and without the frames and made
attacks that come from it) scores that source's judged rows and made attacks in the C runtime.

Research only: Replay-Attack and CelebA-Spoof allow research use only, so the model is never a
default; its model list says so in its licence column, and OUT/provenance.json records every input.

Crops come from the score cache (train/scores.py: the runtime's own crop box for the 2.7 model), so
training sees what the runtime shows the model. Augmentation: train/finetune.py's (colour, blur,
JPEG quality, box scale and shift, screen glare).

usage: research.py --scores CACHE.json --train M[:ROOT] ... --judge M[:ROOT] ... [--made M] --facelive BIN
                   --models DIR --out OUT [--epochs N] [--seed S] [--folds all|none|SOURCE,...]
OUT/folds/N/: each left-out source's model; OUT/lodo_scores.json: every judged row's p_real from the
model that did not see its source ("research" in train/lodo.py --extra); OUT/pack/: the model trained
on every source, its model list and provenance."""
import argparse
import json
import os
import random
import sys

import cv2
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from finetune import train  # noqa: E402
import model_list  # noqa: E402
from model_list import read_list  # noqa: E402
from onnx_to_torch import OnnxModule, export  # noqa: E402
from scores import read_rows, score  # noqa: E402

BASE = "minifasnet_v2_2.7_80x80.onnx"
NAME = "research"
LICENCE = "research use only (trained on Replay-Attack and CelebA-Spoof)"


def sample_of(row, entry, margin=0.15):
    """The row's image around its 2.7 crop (a margin for the box jitter) and the box inside it."""
    if not entry.get("acquired") or BASE not in entry.get("crops", {}):
        return None
    img = cv2.imread(row["path"], cv2.IMREAD_COLOR)
    if img is None:
        return None
    x1, y1, x2, y2 = entry["crops"][BASE]
    mx, my = int((x2 - x1) * margin), int((y2 - y1) * margin)
    ox, oy = max(0, x1 - mx), max(0, y1 - my)
    sub = img[oy:min(img.shape[0], y2 + my + 1), ox:min(img.shape[1], x2 + mx + 1)].copy()
    return {"image": sub, "box": (x1 - ox, y1 - oy, x2 - ox, y2 - oy), "label": row["label"], "source": row["source"]}


def trainable(module, last):
    """The parameters to train: all (last 0), or those of the last `last` nodes that have parameters
    (the head: the rest keeps what the authors' data taught it)."""
    if not last:
        return list(module.parameters())
    keys = []
    for _, ins, _, _ in module.nodes:
        k = [module.param_of[n] for n in ins if n in module.param_of]
        if k:
            keys.append(k)
    keep = {k for ks in keys[-last:] for k in ks}
    for k, p in module.params.items():
        p.requires_grad_(k in keep)
    return [module.params[k] for k in sorted(keep)]


def train_one(samples, spec, epochs, seed):
    """finetune.py's training loop on the samples, from the published weights."""
    rng = random.Random(seed)
    torch.manual_seed(seed)
    module = OnnxModule(os.path.join(ARGS.models, BASE))
    params = trainable(module, ARGS.train_last)
    start = [p.detach().clone() for p in params]
    penalty = (lambda: ARGS.l2sp * sum(((q - q0) ** 2).sum() for q, q0 in zip(params, start))) if ARGS.l2sp else None
    train(module, samples, spec, argparse.Namespace(lr=ARGS.lr, batch=32, epochs=epochs), rng, params, penalty)
    return module


def write_pack(module, folder, spec, provenance):
    """folder: the model, a model list that names it (licence: research only), provenance.json; the
    pack's other files linked so --models folder works alone."""
    os.makedirs(folder, exist_ok=True)
    export(module, os.path.join(folder, NAME + ".onnx"), (1, 3, 80, 80))
    for f in os.listdir(ARGS.models):
        if not os.path.exists(os.path.join(folder, f)):
            os.symlink(os.path.abspath(os.path.join(ARGS.models, f)), os.path.join(folder, f))
    trained_on = "; ".join(provenance["sources"])[:250]
    with open(os.path.join(folder, "antispoof_models.tsv"), "w") as f:
        row = {"file": f"{NAME}.onnx", "input": "80x80", "colour": "bgr", "pixel_scale": 1,
               "crop_scale": spec["crop_scale"], "output": "logits", "real_class": 1, "weight": 1,
               "licence": LICENCE, "trained_on": trained_on}
        f.write(model_list.list_text([row], "The research model of train/research.py: RESEARCH USE ONLY, never a default."))
    json.dump(provenance, open(os.path.join(folder, "provenance.json"), "w"), indent=1)


def judge_fold(folder, rows):
    """p_real of the fold's model on rows, from the C runtime: {path: cache entry with model NAME}."""
    cache = {}
    score([r["path"] for r in rows], ARGS.facelive, folder, os.path.join(folder, "antispoof_models.tsv"), cache)
    return {p: (dict(e, models={NAME: e["models"][NAME + ".onnx"]}) if e.get("acquired") else e)
            for p, e in cache.items()}


def provenance(train_rows, left_out, epochs, seed):
    return {"base": BASE + " (minivision-ai/Silent-Face-Anti-Spoofing, Apache-2.0)", "licence": LICENCE,
            "left_out": left_out, "epochs": epochs, "seed": seed, "lr": ARGS.lr, "train_last": ARGS.train_last,
            "l2sp": ARGS.l2sp, "rows": len(train_rows),
            "sources": sorted({r["source"] for r in train_rows}),
            "by_kind": {k: sum(1 for r in train_rows if r["kind"] == k) for k in sorted({r["kind"] for r in train_rows})}}


def fold_groups(spec, judged, large=200):
    """The groups of sources left out together. auto: each source of at least `large` judged rows alone
    and the small ones together (a model trained without the group was trained without each of them:
    stricter than one source at a time, and a fifth of the training runs); each: one per source."""
    count = {}
    for r in judged:
        count[r["source"]] = count.get(r["source"], 0) + 1
    if spec == "none":
        return []
    if spec == "each":
        return [[s] for s in sorted(count)]
    if spec == "auto":
        small = sorted(s for s, n in count.items() if n < large)
        return [[s] for s in sorted(count) if count[s] >= large] + ([small] if small else [])
    return [g.split(",") for g in spec.split(";")]


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--scores", required=True)
    ap.add_argument("--train", action="append", default=[])
    ap.add_argument("--judge", action="append", required=True)
    ap.add_argument("--made", action="append", default=[], help="made attacks: trained on and judged per fold")
    ap.add_argument("--facelive", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--folds", default="auto", help="auto, each, none, or groups: A,B;C")
    # of lr 1e-4, 1e-5 and a head-only fine-tune, 1e-5 did best left out (docs/accuracy.md)
    ap.add_argument("--lr", type=float, default=1e-5)
    ap.add_argument("--train-last", type=int, default=0, help="train only the last N nodes with parameters (0: all)")
    ap.add_argument("--l2sp", type=float, default=0.0, help="weight of the pull toward the published weights")
    ARGS = a = ap.parse_args()
    log = lambda m: print(m, flush=True)  # noqa: E731
    cache = json.load(open(a.scores))
    judged = [r for m in a.judge + a.made for r in read_rows(m)]
    extra = [r for m in a.train for r in read_rows(m)]
    spec = next(r for r in read_list(os.path.join(HERE, "candidates.tsv")) if r["file"] == BASE)
    samples = {r["path"]: s for r in judged + extra if (s := sample_of(r, cache.get(r["path"], {})))}
    log(f"{len(samples)} crops of {len(judged) + len(extra)} rows")
    folds = fold_groups(a.folds, judged)
    out_scores = {}
    for i, group in enumerate(folds):
        rows = [r for r in judged + extra if r["source"] not in group and r["path"] in samples]
        log(f"fold {i + 1}/{len(folds)}: {', '.join(group)} left out, training on {len(rows)} crops")
        module = train_one([samples[r["path"]] for r in rows], spec, a.epochs, a.seed)
        folder = os.path.join(a.out, "folds", str(i))
        write_pack(module, folder, spec, provenance(rows, group, a.epochs, a.seed))
        out_scores.update(judge_fold(folder, [r for r in judged if r["source"] in group]))
    if folds:
        json.dump(out_scores, open(os.path.join(a.out, "lodo_scores.json"), "w"))
    rows = [r for r in judged + extra if r["path"] in samples]
    log(f"the pack: training on every source, {len(rows)} crops")
    write_pack(train_one([samples[r["path"]] for r in rows], spec, a.epochs, a.seed), os.path.join(a.out, "pack"),
               spec, provenance(rows, None, a.epochs, a.seed))


if __name__ == "__main__":
    main()
