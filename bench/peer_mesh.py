"""The face-mesh step of the OpenCV peers: the roll-corrected 192x192 crop around the YuNet box
(cv2.getRotationMatrix2D + cv2.warpAffine) and the mesh in cv2.dnn. Shared by opencv_face.py and
opencv_silent.py."""
import math

import cv2
import numpy as np


def run(mesh, frame, box, kps):
    """box (x, y, w, h) and kps (ten numbers) in frame pixels; returns the mesh's outputs."""
    bx, by, bw, bh = box
    k = np.array(kps).reshape(5, 2)
    side = 1.5 * max(bw, bh)
    roll = math.atan2(k[1, 1] - k[0, 1], k[1, 0] - k[0, 0])
    M = cv2.getRotationMatrix2D((bx + bw / 2, by + bh / 2), math.degrees(roll), 192 / side)
    M[:, 2] += [96 - (bx + bw / 2), 96 - (by + bh / 2)]
    crop = cv2.warpAffine(frame, M, (192, 192))
    mesh.setInput(cv2.dnn.blobFromImage(crop, 1 / 255.0, swapRB=True))
    return mesh.forward(mesh.getUnconnectedOutLayersNames())
