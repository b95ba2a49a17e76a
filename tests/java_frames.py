"""The frames the Java tests and the JNI benchmark feed: the head-turn clip and its monitor replay
(video_tranvanluyt) at 15 frames a second, as upright JPEG files (quality 90; the service tests'
frames_of) with their times in seconds (times.tsv: file, t). The Java side turns them into NV21
buffers as a phone's sensor delivers them (io.facelive.examples.ClipFrames). Idempotent.

usage: java_frames.py DATA_DIR OUT_DIR"""
import os
import sys

from server_fixture import frames_of

DATA, OUT = sys.argv[1:3]
for name in ("real", "fake"):
    d = os.path.join(OUT, name)
    if os.path.exists(os.path.join(d, "times.tsv")):
        continue
    os.makedirs(d, exist_ok=True)
    frames = frames_of(os.path.join(DATA, "video_tranvanluyt/videos", name + ".mp4"), 0, 1e9, 15)
    if not frames:
        sys.exit(f"java_frames.py: no frames read from the {name} clip")
    rows = []
    for i, (jpg, t) in enumerate(frames):
        with open(os.path.join(d, f"{i:04d}.jpg"), "wb") as f:
            f.write(jpg)
        rows.append(f"{i:04d}.jpg\t{t:.4f}\n")
    with open(os.path.join(d, "times.tsv.part"), "w") as f:
        f.writelines(rows)
    os.replace(os.path.join(d, "times.tsv.part"), os.path.join(d, "times.tsv"))
    print(f"{name}: {len(rows)} frames")
