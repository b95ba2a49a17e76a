"""YuNet decoding for the OpenCV peers of the benchmarks, written as a user of cv2 would:
numpy over the 12 raw outputs (MANIFEST.md section 3: anchors at (col*s, row*s), score = cls*obj,
boxes from (dx, dy, dw, dh)), then cv2.dnn.NMSBoxes. Shared by opencv_face.py and opencv_silent.py."""
import cv2
import numpy as np


def faces(outs, width, with_kps=False):
    """outs: output name -> array for an input `width` pixels wide (a multiple of 32).
    Returns the faces kept by NMS, best first, as (x, y, w, h) boxes in input pixels, each with its
    ten landmark coordinates when with_kps (else None)."""
    boxes, scores, kps = [], [], []
    for st in (8, 16, 32):
        gw = width // st
        score = (outs[f"cls_{st}"] * outs[f"obj_{st}"]).reshape(-1)
        keep = np.where(score >= 0.5)[0]
        ax, ay = (keep % gw) * st, (keep // gw) * st
        b = outs[f"bbox_{st}"].reshape(-1, 4)[keep]
        cx, cy = b[:, 0] * st + ax, b[:, 1] * st + ay
        bw, bh = np.exp(b[:, 2]) * st, np.exp(b[:, 3]) * st
        boxes += np.stack([cx - bw / 2, cy - bh / 2, bw, bh], 1).tolist()
        scores += score[keep].tolist()
        if with_kps:
            k = outs[f"kps_{st}"].reshape(-1, 10)[keep]
            kps += (k * st + np.tile(np.stack([ax, ay], 1), 5)).tolist()
    return [(boxes[i], kps[i] if with_kps else None) for i in cv2.dnn.NMSBoxes(boxes, scores, 0.5, 0.45)]
