"""The reference pipeline a user would otherwise run: the original Silent-Face code's detector
(Caffe RetinaFace from ../shared/models/reference, in cv2.dnn: the frame resized to 192*sqrt(W/H) x
192/sqrt(W/H), BGR mean subtracted, the most confident detection) and both MiniFASNet models in
cv2.dnn (MANIFEST.md section 2), one thread. Prints one JSON object
{"reference": {"samples_ms": [...], "score"}}.

usage: reference_silent.py MODELS_DIR REFERENCE_DIR FRAME.jpg RUNS
"""
import json
import math
import os
import sys
import time

import cv2
import numpy as np

import peer_antispoof


def detect(net, frame):
    H, W = frame.shape[:2]
    img = frame
    if W * H >= 192 * 192:
        img = cv2.resize(frame, (int(192 * math.sqrt(W / H)), int(192 / math.sqrt(W / H))),
                         interpolation=cv2.INTER_LINEAR)
    net.setInput(cv2.dnn.blobFromImage(img, 1, mean=(104, 117, 123)), "data")
    out = net.forward("detection_out").squeeze()
    best = out[np.argmax(out[:, 2])]
    l, t, r, b = best[3] * W, best[4] * H, best[5] * W, best[6] * H
    return int(l), int(t), int(r - l + 1), int(b - t + 1)


def main():
    models, ref, frame_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    cv2.setNumThreads(1)
    frame = cv2.resize(cv2.imread(frame_path), (640, 480), interpolation=cv2.INTER_LINEAR)
    det = cv2.dnn.readNetFromCaffe(os.path.join(ref, "retinaface_deploy.prototxt"),
                                   os.path.join(ref, "retinaface_widerface.caffemodel"))
    nets = peer_antispoof.load(models)
    samples, score = [], None
    for i in range(runs + 3):
        t0 = time.perf_counter()
        score = peer_antispoof.p_real(nets, frame, detect(det, frame))
        if i >= 3:
            samples.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"reference": {"samples_ms": samples, "score": score}}))


if __name__ == "__main__":
    main()
