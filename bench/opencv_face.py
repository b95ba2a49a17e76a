"""The peer of bench_face: the same per-frame analysis written with OpenCV's Python API on the
same ONNX files, one thread: cv2.resize and zero padding to 32, cv2.dnn YuNet, numpy decoding
and cv2.dnn.NMSBoxes, cv2.warpAffine to the 192x192 mesh crop, cv2.dnn face mesh, and the
quality measures (cv2.Laplacian variance, mean and clipping of the face). cv2.FaceDetectorYN of
OpenCV 4.6 expects the older 3-output YuNet and cannot run yunet_n, hence cv2.dnn.
Prints one JSON object {"opencv_ms_640x480": p50, "opencv_ms_1280x720": p50, ...}.

usage: opencv_face.py MODELS_DIR FRAME.jpg RUNS
"""
import json
import os
import sys
import time

import cv2
import numpy as np

import peer_mesh
import peer_yunet
from onnx_pin import pinned



def main():
    models, frame_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cv2.setNumThreads(1)
    src = cv2.imread(frame_path)
    mesh = cv2.dnn.readNetFromONNX(os.path.join(models, "facemesh_468.onnx"))
    result = {}
    for w, h in ((640, 480), (1280, 720)):
        frame = cv2.resize(src, (w, h), interpolation=cv2.INTER_LINEAR)
        s = 320 / max(w, h)
        rw, rh = round(w * s), round(h * s)
        pw, ph = (rw + 31) // 32 * 32, (rh + 31) // 32 * 32
        det = cv2.dnn.readNetFromONNX(pinned(os.path.join(models, "yunet_n_dynamic.onnx"), (1, 3, ph, pw)))
        outs_names = det.getUnconnectedOutLayersNames()
        samples, found = [], 0
        for i in range(runs + 3):
            t0 = time.perf_counter()
            small = cv2.resize(frame, (rw, rh), interpolation=cv2.INTER_LINEAR)
            canvas = np.zeros((ph, pw, 3), np.uint8)
            canvas[:rh, :rw] = small
            det.setInput(cv2.dnn.blobFromImage(canvas))
            outs = dict(zip(outs_names, det.forward(outs_names)))
            found_faces = peer_yunet.faces(outs, pw, with_kps=True)
            found = len(found_faces)
            if found:
                box, kps = found_faces[0]
                bx, by, bw, bh = np.array(box) / [rw / w, rh / h, rw / w, rh / h]
                k = np.array(kps).reshape(5, 2) / [rw / w, rh / h]
                peer_mesh.run(mesh, frame, (bx, by, bw, bh), k.reshape(-1))
                x0, y0 = max(int(bx), 0), max(int(by), 0)
                face = cv2.cvtColor(frame[y0:int(by + bh), x0:int(bx + bw)], cv2.COLOR_BGR2GRAY)
                small_face = cv2.resize(face, (112, max(8, round(face.shape[0] * 112 / face.shape[1]))))
                cv2.Laplacian(small_face, cv2.CV_32F).var()
                face.mean()
                (face >= 250).mean()
            if i >= 3:
                samples.append((time.perf_counter() - t0) * 1e3)
        result[f"opencv_ms_{w}x{h}"] = float(np.median(samples))
        result[f"opencv_p99_ms_{w}x{h}"] = float(np.percentile(samples, 99))
        result[f"opencv_faces_{w}x{h}"] = int(found)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
