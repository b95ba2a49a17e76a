"""The peer of bench_silent: the same silent check written with OpenCV's Python API on the same
ONNX files, one thread, at the same sizes: cv2.resize and zero padding to 32, cv2.dnn YuNet at the
detection size, numpy decoding and cv2.dnn.NMSBoxes, the face mesh on the roll-corrected crop (the
pose gate), the same box mapping, the reference pipeline's crop rule, cv2.resize to 80x80, both
MiniFASNet models with cv2.dnn, softmax and fusion. Each detection size is measured interleaved
with the others. Prints one JSON object {"detect<SIZE>": {"samples_ms": [...], "score"}, ...}.

usage: opencv_silent.py MODELS_DIR FRAME.jpg RUNS SIZE[,SIZE...]
"""
import json
import os
import sys
import time

import cv2
import numpy as np

import peer_antispoof
import peer_mesh
import peer_yunet


class Pipeline:
    def __init__(self, models, size, W, H):
        self.det = peer_yunet.Detector(models, size, W, H)
        self.mesh = cv2.dnn.readNetFromONNX(os.path.join(models, "facemesh_468.onnx"))
        self.nets = peer_antispoof.load(models, peer_antispoof.default_models())

    def check(self, frame):
        found = self.det.detect(frame)
        if not found:
            return None
        (x, y, w, h), kps = found[0]
        peer_mesh.run(self.mesh, frame, (x, y, w, h), kps)
        xi, yi, wi, hi = int(x), int(y), int(w + 1), int(h + 1)
        cx, cy = xi + wi / 2, yi + hi / 2 + 0.061 * hi
        mw, mh = 1.165 * wi, 0.851 * hi
        return peer_antispoof.p_real(self.nets, frame, (int(cx - mw / 2), int(cy - mh / 2), int(mw), int(mh)))


def main():
    models, frame_path, runs, sizes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    cv2.setNumThreads(1)
    frame = cv2.resize(cv2.imread(frame_path), (640, 480), interpolation=cv2.INTER_LINEAR)
    pipes = {f"detect{s}": Pipeline(models, int(s), 640, 480) for s in sizes.split(",")}
    samples = {k: [] for k in pipes}
    scores = {}
    for i in range(runs + 3):
        for key, p in pipes.items():
            t0 = time.perf_counter()
            scores[key] = p.check(frame)
            if i >= 3:
                samples[key].append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({k: {"samples_ms": samples[k], "score": scores[k]} for k in pipes}))


if __name__ == "__main__":
    main()
