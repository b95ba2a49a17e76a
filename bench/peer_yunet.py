"""YuNet for the OpenCV peers of the benchmarks, written as a user of cv2 would: the frame scaled
to the detection size and zero-padded to multiples of 32, cv2.dnn on a dims-pinned copy, numpy
decoding of the 12 raw outputs (MANIFEST.md section 3: anchors at (col*s, row*s), score = cls*obj,
boxes from (dx, dy, dw, dh)), then cv2.dnn.NMSBoxes. Shared by opencv_face.py and opencv_silent.py."""
import os

import cv2
import numpy as np

from onnx_pin import pinned


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


class Detector:
    """YuNet at `size` pixels on the long side of W x H frames."""

    def __init__(self, models, size, W, H):
        s = size / max(W, H)
        self.W, self.H = W, H
        self.rw, self.rh = round(W * s), round(H * s)
        self.pw, self.ph = (self.rw + 31) // 32 * 32, (self.rh + 31) // 32 * 32
        self.net = cv2.dnn.readNetFromONNX(pinned(os.path.join(models, "yunet_n_dynamic.onnx"), (1, 3, self.ph, self.pw)))
        self.names = self.net.getUnconnectedOutLayersNames()

    def detect(self, frame):
        """The faces of the frame, best first, as ((x, y, w, h), ten landmark coordinates) in frame pixels."""
        small = cv2.resize(frame, (self.rw, self.rh), interpolation=cv2.INTER_LINEAR)
        canvas = np.zeros((self.ph, self.pw, 3), np.uint8)
        canvas[:self.rh, :self.rw] = small
        self.net.setInput(cv2.dnn.blobFromImage(canvas))
        outs = dict(zip(self.names, self.net.forward(self.names)))
        sx, sy = self.rw / self.W, self.rh / self.H
        return [((b[0] / sx, b[1] / sy, b[2] / sx, b[3] / sy), np.array(k) / np.tile([sx, sy], 5))
                for b, k in faces(outs, self.pw, with_kps=True)]
