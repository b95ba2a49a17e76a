"""The peer of bench_models: the same ONNX files and input shapes run by OpenCV's DNN module
(Debian python3-opencv), one thread. Prints one JSON object {"<file>": {"opencv_ms": p50, ...}}.

usage: opencv_models.py RUNS SHAPES_JSON MODEL.onnx...
SHAPES_JSON maps file name -> input dims (the shapes bench_models used). cv2.dnn 4.6 cannot
load a graph with symbolic input dims (yunet_n_dynamic), so such a file is run from a copy
with the dims pinned to the benchmarked shape, as MANIFEST.md section 3 describes.
"""
import json
import os
import sys
import time

import cv2
import numpy as np

from onnx_pin import pinned


def main():
    runs = int(sys.argv[1])
    shapes = json.loads(sys.argv[2])
    cv2.setNumThreads(1)
    result = {}
    for path in sys.argv[3:]:
        name = os.path.basename(path)
        dims = shapes[name]
        note = ""
        try:
            net = cv2.dnn.readNetFromONNX(path)
        except cv2.error:
            path = pinned(path, dims)
            net = cv2.dnn.readNetFromONNX(path)
            note = "input dims pinned in a copy (cv2.dnn 4.6 cannot load symbolic dims)"
        x = np.random.RandomState(12345).randint(0, 256, size=dims).astype(np.float32)
        outs = net.getUnconnectedOutLayersNames()
        samples = []
        for i in range(runs + 3):
            t0 = time.perf_counter()
            net.setInput(x)
            net.forward(outs)
            if i >= 3:
                samples.append((time.perf_counter() - t0) * 1e3)
        result[name] = {"opencv_ms": float(np.median(samples)),
                        "opencv_p99_ms": float(np.percentile(samples, 99))}
        if note:
            result[name]["opencv_note"] = note
    print(json.dumps(result))


if __name__ == "__main__":
    main()
