"""Fine-tunes one anti-spoof model of the list on the face crops of a labelled MANIFEST, with the
augmentations that matter for this problem (colour, blur, JPEG quality, scale and shift of the face
box, screen glare), exports it to ONNX beside the rest of the pack and writes the model list that
uses it, so `facelive check/eval --models OUT --model-list OUT/antispoof_models.tsv` run it in C.

The loss is on the runtime's own score: p_real = softmax(logits)[real_class], against 1 for bona
fide and 0 for attacks (binary cross-entropy, classes weighted to balance).

usage: finetune.py --manifest M --data DIR --facelive BIN --models DIR --out DIR [--model FILE]
       [--epochs N] [--lr X] [--batch N] [--leave-out SOURCE] [--limit N] [--seed N]"""
import argparse
import json
import os
import random
import sys
import time

import cv2
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from crops import cut, load  # noqa: E402
from model_list import read_list  # noqa: E402
from onnx_to_torch import OnnxModule, export  # noqa: E402

DEFAULT_LIST = os.path.join(HERE, "..", "config", "antispoof_models.tsv")


def jitter_box(box, shape, rng):
    """The face box scaled by 0.9-1.1 and shifted by up to 5 % of its size, kept inside the image."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1 + 1, y2 - y1 + 1
    s = rng.uniform(0.9, 1.1)
    cx, cy = (x1 + x2) / 2 + rng.uniform(-0.05, 0.05) * w, (y1 + y2) / 2 + rng.uniform(-0.05, 0.05) * h
    nw, nh = min(w * s, shape[1]), min(h * s, shape[0])
    nx1 = int(round(min(max(cx - nw / 2, 0), shape[1] - nw)))
    ny1 = int(round(min(max(cy - nh / 2, 0), shape[0] - nh)))
    return nx1, ny1, nx1 + int(nw) - 1, ny1 + int(nh) - 1


def augment(sample, size, rng):
    img = cut(sample["image"], jitter_box(sample["box"], sample["image"].shape, rng), size).astype(np.float32)
    img = img * rng.uniform(0.8, 1.2) + rng.uniform(-20, 20)                         # contrast, brightness
    img = img * np.array([rng.uniform(0.95, 1.05) for _ in range(3)], np.float32)      # colour cast
    if rng.random() < 0.2:                                                             # screen glare
        yy, xx = np.mgrid[0:size, 0:size]
        cx, cy, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(size / 8, size / 3)
        img += (rng.uniform(40, 120) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:                                                             # blur
        img = cv2.GaussianBlur(img, (rng.choice([3, 5]),) * 2, 0)
    if rng.random() < 0.3:                                                             # JPEG quality
        img = cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(30, 90)])[1], 1)
    return img


def to_tensor(imgs, row):
    """uint8 HWC crops as the model's input: BGR or RGB, times pixel_scale, NCHW float32."""
    x = np.stack(imgs).astype(np.float32)
    if row["colour"] == "rgb":
        x = x[..., ::-1]
    x = x * float(row["pixel_scale"])
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def p_real(module, x, real_class):
    return torch.softmax(module(x), dim=1)[:, real_class]


def train(module, samples, row, args, rng, params=None, penalty=None):
    """args: lr, epochs, batch. params: what to train (default all); penalty(): a term added to the loss."""
    size, real_class = int(row["input"].split("x")[0]), int(row["real_class"])
    opt = torch.optim.Adam(params if params is not None else module.parameters(), lr=args.lr)
    n_real = sum(s["label"] for s in samples)
    w_real, w_spoof = len(samples) / (2 * max(n_real, 1)), len(samples) / (2 * max(len(samples) - n_real, 1))
    module.train()
    for epoch in range(args.epochs):
        order = list(range(len(samples)))
        rng.shuffle(order)
        total, t0 = 0.0, time.time()
        for b in range(0, len(order), args.batch):
            batch = [samples[i] for i in order[b:b + args.batch]]
            x = to_tensor([augment(s, size, rng) for s in batch], row)
            y = torch.tensor([float(s["label"]) for s in batch])
            w = torch.tensor([w_real if s["label"] else w_spoof for s in batch])
            p = p_real(module, x, real_class).clamp(1e-6, 1 - 1e-6)
            loss = (w * torch.nn.functional.binary_cross_entropy(p, y, reduction="none")).mean()
            if penalty:
                loss = loss + penalty()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(batch)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(samples):.4f} ({time.time() - t0:.1f} s)", flush=True)


def write_pack(args, rows, k, new_file):
    """OUT: the pack's files (linked), the new model, and the list that uses it."""
    for f in os.listdir(args.models):
        dst = os.path.join(args.out, f)
        if not os.path.exists(dst):
            os.symlink(os.path.abspath(os.path.join(args.models, f)), dst)
    header = [l for l in open(args.model_list) if l.startswith("#")]
    cols = list(rows[0].keys())
    with open(os.path.join(args.out, "antispoof_models.tsv"), "w") as f:
        f.writelines(header + ["# model %d fine-tuned by train/finetune.py on %s\n" % (k, args.manifest)])
        f.write("\t".join(cols) + "\n")
        for i, r in enumerate(rows):
            f.write("\t".join(new_file if (i == k and c == "file") else r[c] for c in cols) + "\n")


def main():
    ap = argparse.ArgumentParser()
    for name, default in (("manifest", None), ("data", None), ("facelive", None), ("models", None), ("out", None),
                          ("model", "minifasnet_v2_2.7_80x80.onnx"), ("model-list", DEFAULT_LIST),
                          ("leave-out", None)):
        ap.add_argument("--" + name, default=default, required=default is None and name != "leave-out")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    rows = read_list(args.model_list)
    k = [r["file"] for r in rows].index(args.model)
    samples, skipped = load(args.manifest, args.data, args.facelive, args.models, args.model_list, k, args.limit)
    train_set = [s for s in samples if s["source"] != args.leave_out]
    print(f"{len(samples)} crops ({skipped} rows not judged by the runtime); training on {len(train_set)}"
          + (f", leaving out {args.leave_out}" if args.leave_out else ""), flush=True)
    module = OnnxModule(os.path.join(args.models, args.model))
    train(module, train_set, rows[k], args, rng)
    os.makedirs(args.out, exist_ok=True)
    new_file = args.model.replace(".onnx", ".finetuned.onnx")
    size = int(rows[k]["input"].split("x")[0])
    export(module, os.path.join(args.out, new_file), (1, 3, size, size))
    write_pack(args, rows, k, new_file)
    json.dump({"model": args.model, "file": new_file, "trained_on": len(train_set), "left_out": args.leave_out,
               "epochs": args.epochs, "lr": args.lr, "seed": args.seed,
               "sources": sorted({s["source"] for s in train_set})},
              open(os.path.join(args.out, "training.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
