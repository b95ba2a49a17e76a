"""The peer of bench_silent: the silent check written with OpenCV's Python API on the same ONNX
files, one thread: cv2.resize/zero padding to 32 and cv2.dnn YuNet at the same size (640 px long
side), numpy decoding and cv2.dnn.NMSBoxes, the same box mapping, the reference pipeline's crop
rule, cv2.resize to 80x80, both MiniFASNet models with cv2.dnn, softmax and fusion.
Prints one JSON object {"peer_ms_640x480": p50, ...}.

usage: opencv_silent.py MODELS_DIR FRAME.jpg RUNS
"""
import json
import os
import sys
import time

import cv2
import numpy as np

import peer_yunet
from onnx_pin import pinned



def crop_box(W, H, box, scale):  # the reference pipeline's rule (MANIFEST.md section 2)
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


def main():
    models, frame_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cv2.setNumThreads(1)
    frame = cv2.resize(cv2.imread(frame_path), (640, 480), interpolation=cv2.INTER_LINEAR)
    H, W = frame.shape[:2]
    det = cv2.dnn.readNetFromONNX(pinned(os.path.join(models, "yunet_n_dynamic.onnx"), (1, 3, 480, 640)))
    names = det.getUnconnectedOutLayersNames()
    fas = [(cv2.dnn.readNetFromONNX(os.path.join(models, f)), s)
           for f, s in (("minifasnet_v2_2.7_80x80.onnx", 2.7), ("minifasnet_v1se_4.0_80x80.onnx", 4.0))]
    samples, score = [], None
    for i in range(runs + 3):
        t0 = time.perf_counter()
        det.setInput(cv2.dnn.blobFromImage(frame))
        outs = dict(zip(names, det.forward(names)))
        found = peer_yunet.faces(outs, W)
        if found:
            x, y, w, h = found[0][0]
            xi, yi, wi, hi = int(x), int(y), int(w + 1), int(h + 1)
            cx, cy = xi + wi / 2, yi + hi / 2 + 0.061 * hi
            mw, mh = 1.165 * wi, 0.851 * hi
            box = (int(cx - mw / 2), int(cy - mh / 2), int(mw), int(mh))
            p = 0.0
            for net, s in fas:
                x1, y1, x2, y2 = crop_box(W, H, box, s)
                patch = cv2.resize(frame[y1:y2 + 1, x1:x2 + 1], (80, 80))
                net.setInput(patch.transpose(2, 0, 1)[None].astype(np.float32))
                logits = net.forward()[0]
                e = np.exp(logits - logits.max())
                p += (e / e.sum())[1] / 2
            score = float(p)
        if i >= 3:
            samples.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"peer_ms_640x480": float(np.median(samples)),
                      "peer_p99_ms_640x480": float(np.percentile(samples, 99)), "peer_score": score}))


if __name__ == "__main__":
    main()
