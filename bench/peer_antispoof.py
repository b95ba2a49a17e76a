"""The anti-spoof half of the OpenCV peers: the reference pipeline's crop rule (MANIFEST.md section
2), cv2.resize to 80x80 and two MiniFASNet models in cv2.dnn, softmax, and the mean of the two real
probabilities. Shared by opencv_silent.py (the models of facelive's default list, so both do the same
work) and reference_silent.py (the reference pipeline's own pair)."""
import csv
import os

import cv2
import numpy as np

REFERENCE_PAIR = (("minifasnet_v2_2.7_80x80.onnx", 2.7), ("minifasnet_v1se_4.0_80x80.onnx", 4.0))
DEFAULT_LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "config", "antispoof_models.tsv")


def default_models():
    """(file, crop scale) of each model of config/antispoof_models.tsv."""
    lines = [l for l in open(DEFAULT_LIST) if l.strip() and not l.startswith("#")]
    return tuple((r["file"], float(r["crop_scale"])) for r in csv.DictReader(lines, delimiter="\t"))


def load(models_dir, models=REFERENCE_PAIR):
    return [(cv2.dnn.readNetFromONNX(os.path.join(models_dir, f)), s) for f, s in models]


def crop_box(W, H, box, scale):
    x, y, bw, bh = box
    scale = min((H - 1) / bh, min((W - 1) / bw, scale))
    nw, nh = bw * scale, bh * scale
    cx, cy = bw / 2 + x, bh / 2 + y
    x1, y1, x2, y2 = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if x1 < 0:
        x2 -= x1
        x1 = 0
    if y1 < 0:
        y2 -= y1
        y1 = 0
    if x2 > W - 1:
        x1 -= x2 - W + 1
        x2 = W - 1
    if y2 > H - 1:
        y1 -= y2 - H + 1
        y2 = H - 1
    return int(x1), int(y1), int(x2), int(y2)


def p_real(nets, frame, box):
    """The fused real probability of the face at box = (x, y, w, h), RetinaFace convention."""
    H, W = frame.shape[:2]
    p = 0.0
    for net, s in nets:
        x1, y1, x2, y2 = crop_box(W, H, box, s)
        patch = cv2.resize(frame[y1:y2 + 1, x1:x2 + 1], (80, 80))
        net.setInput(patch.transpose(2, 0, 1)[None].astype(np.float32))
        logits = net.forward()[0]
        e = np.exp(logits - logits.max())
        p += (e / e.sum())[1] / len(nets)
    return float(p)
