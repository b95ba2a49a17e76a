"""The frames the Java tests and the JNI benchmark feed: the head-turn clip and its monitor replay
(video_tranvanluyt) at 15 frames a second, as upright JPEG files (quality 90) with their times in
seconds (times.tsv: file, t). The Java side turns them into NV21 buffers as a phone's sensor delivers
them (io.facelive.examples.ClipFrames). Idempotent.

usage: java_frames.py DATA_DIR OUT_DIR"""
import os
import sys

import cv2

DATA, OUT = sys.argv[1:3]
for name in ("real", "fake"):
    d = os.path.join(OUT, name)
    if os.path.exists(os.path.join(d, "times.tsv")):
        continue
    os.makedirs(d, exist_ok=True)
    cap = cv2.VideoCapture(os.path.join(DATA, "video_tranvanluyt/videos", name + ".mp4"))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30
    rows, i, nxt = [], 0, 0.0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        t = i / fps
        i += 1
        if t + 1e-6 < nxt:
            continue
        nxt += 1 / 15
        f = f"{len(rows):04d}.jpg"
        cv2.imwrite(os.path.join(d, f), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        rows.append(f"{f}\t{t:.4f}\n")
    if not rows:
        sys.exit(f"java_frames.py: no frames read from the {name} clip")
    with open(os.path.join(d, "times.tsv.part"), "w") as f:
        f.writelines(rows)
    os.replace(os.path.join(d, "times.tsv.part"), os.path.join(d, "times.tsv"))
    print(f"{name}: {len(rows)} frames")
