"""The peer of bench_face: the same per-frame analysis written with OpenCV's Python API on the
same ONNX files, one thread: cv2.resize and zero padding to 32, cv2.dnn YuNet, numpy decoding
and cv2.dnn.NMSBoxes, cv2.warpAffine to the 192x192 mesh crop, cv2.dnn face mesh, and the
quality measures (cv2.Laplacian variance, mean and clipping of the face). cv2.FaceDetectorYN of
OpenCV 4.6 expects the older 3-output YuNet and cannot run yunet_n, hence cv2.dnn.
Prints one JSON object {"opencv_ms_640x480": p50, "opencv_ms_1280x720": p50, ...}.

usage: opencv_face.py MODELS_DIR FRAME.jpg RUNS DETECT_SIZE
"""
import json
import os
import sys
import time

import cv2
import numpy as np

import peer_mesh
import peer_yunet



def main():
    models, frame_path, runs, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    cv2.setNumThreads(1)
    src = cv2.imread(frame_path)
    mesh = cv2.dnn.readNetFromONNX(os.path.join(models, "facemesh_468.onnx"))
    result = {}
    for w, h in ((640, 480), (1280, 720)):
        frame = cv2.resize(src, (w, h), interpolation=cv2.INTER_LINEAR)
        det = peer_yunet.Detector(models, size, w, h)
        samples, found = [], 0
        for i in range(runs + 3):
            t0 = time.perf_counter()
            found_faces = det.detect(frame)
            found = len(found_faces)
            if found:
                (bx, by, bw, bh), kps = found_faces[0]
                peer_mesh.run(mesh, frame, (bx, by, bw, bh), kps)
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
