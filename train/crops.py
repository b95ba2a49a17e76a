"""The face crops of a labelled MANIFEST exactly as the runtime makes them: `facelive check --json`
finds each image's face and gives, per model of the list, the crop box it used; the crop is cut
from the image and resized with OpenCV (the runtime's resize is OpenCV-exact). Rows whose face the
runtime would not judge (no face, head turned too far) are left out and counted, as in `facelive eval`.

Used by finetune.py; on its own: python3 crops.py MANIFEST.tsv DATA_DIR FACELIVE MODELS_DIR [LIST]"""
import csv
import json
import os
import subprocess
import sys

import cv2
import numpy as np

LABELS = {"real": 1, "bonafide": 1, "live": 1, "spoof": 0, "attack": 0, "fake": 0}


def read_manifest(path):
    """(relative_path, label 1 real / 0 spoof, source) of every real or spoof row."""
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r.get("label") in LABELS:
                rows.append((r["relative_path"], LABELS[r["label"]], r.get("source_repo") or "all"))
    return rows


def facelive_lines(facelive, args, paths, check=False, batch=100):
    """The output lines of `facelive ARGS PATH...` over every path, in batches (command lines have a
    length limit). check: fail on a non-zero exit (a verdict command exits 3 or 4 for its verdicts)."""
    for i in range(0, len(paths), batch):
        r = subprocess.run([facelive, *args, *paths[i:i + batch]], capture_output=True, text=True, check=check)
        yield from r.stdout.splitlines()


def crop_boxes(facelive, models, model_list, paths):
    """{path: [crop box of each model] or None when the runtime does not judge that image}."""
    args = ["check", "--json", "--models", models] + (["--model-list", model_list] if model_list else [])
    boxes = {}
    for line in facelive_lines(facelive, args, paths):
        d = json.loads(line)
        f = (d.get("frames") or [{}])[0]
        boxes[d["input"]] = [m["crop"] for m in f["models"]] if f.get("used") else None
    return boxes


def cut(img, box, size):
    """The runtime's crop: the inclusive box x1, y1, x2, y2, resized to size x size (bilinear)."""
    x1, y1, x2, y2 = box
    return cv2.resize(img[y1:y2 + 1, x1:x2 + 1], (size, size), interpolation=cv2.INTER_LINEAR)


def load(manifest, data, facelive, models, model_list=None, model_index=0, limit=0):
    """Images, boxes of model_index, labels, sources; and how many rows were left out."""
    rows = read_manifest(manifest)
    if limit:
        rows = rows[:limit]
    paths = [os.path.join(data, r[0]) for r in rows]
    boxes = crop_boxes(facelive, models, model_list, paths)
    samples, skipped = [], 0
    for (rel, label, source), path in zip(rows, paths):
        b = boxes.get(path)
        img = cv2.imread(path, cv2.IMREAD_COLOR) if b else None
        if img is None:
            skipped += 1
            continue
        samples.append({"path": rel, "image": img, "box": b[model_index], "label": label, "source": source})
    return samples, skipped


def main():
    manifest, data, facelive, models = sys.argv[1:5]
    samples, skipped = load(manifest, data, facelive, models, sys.argv[5] if len(sys.argv) > 5 else None)
    x = np.stack([cut(s["image"], s["box"], 80) for s in samples])
    print(f"{len(samples)} crops {x.shape}, {skipped} rows left out; real {sum(s['label'] for s in samples)}")


if __name__ == "__main__":
    main()
