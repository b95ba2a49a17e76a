"""Still frames of the data set's video-only sources, so that each becomes a full-frame source of the
leave-one-data-set-out yardstick. A source counts as video-only when the manifest has no image row of
it (the other sources' videos already have their frames in the data set). From each video, the
frames at the given fractions of its length are written as JPEG (quality 95) into OUT, with
OUT/MANIFEST.tsv in the data set's format plus `group` (the video). A video row's attack_type says
its label: none is bona fide, anything else an attack of that kind.

With --every-source, every video row is read (the frames of one video form a session: sessions of
train/lodo.py --sessions).

usage: video_frames.py MANIFEST OUT [--at 0.5] [--data DIR] [--every-source] (--at: comma-separated fractions)"""
import argparse
import csv
import os

import cv2


def video_only_rows(manifest, every_source=False):
    """The video rows of sources that have no image row (every_source: all video rows)."""
    with open(manifest) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    with_images = set() if every_source else {r["source_repo"] for r in rows if r["label"] != "video"}
    return [r for r in rows if r["label"] == "video" and r["source_repo"] not in with_images]


def frame_at(path, fraction):
    """The decoded frame at fraction of the video's length, or None."""
    cap = cv2.VideoCapture(path)
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    if n > 0:
        cap.set(cv2.CAP_PROP_POS_FRAMES, min(n - 1, int(fraction * n)))
    ok, img = cap.read()
    cap.release()
    return img if ok else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("out")
    ap.add_argument("--at", default="0.5")
    ap.add_argument("--data", default=None)
    ap.add_argument("--every-source", action="store_true")
    a = ap.parse_args()
    data = a.data or os.path.dirname(os.path.abspath(a.manifest))
    fractions = [float(x) for x in a.at.split(",")]
    out_rows, missing = [], 0
    for r in video_only_rows(a.manifest, a.every_source):
        for fr in fractions:
            img = frame_at(os.path.join(data, r["relative_path"]), fr)
            if img is None:
                missing += 1
                continue
            rel = os.path.splitext(r["relative_path"])[0] + f"_at{int(fr * 100):02d}.jpg"
            os.makedirs(os.path.dirname(os.path.join(a.out, rel)), exist_ok=True)
            cv2.imwrite(os.path.join(a.out, rel), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
            attack = r["attack_type"] or "none"
            out_rows.append(dict(r, relative_path=rel, label="real" if attack == "none" else "spoof",
                                 notes=f"frame at {fr:.2f} of {r['relative_path']}; " + r.get("notes", ""),
                                 group=r["relative_path"]))
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "MANIFEST.tsv"), "w") as f:
        cols = list(out_rows[0].keys()) if out_rows else ["relative_path", "label", "attack_type", "source_repo"]
        w = csv.DictWriter(f, fieldnames=cols, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(out_rows)
    print(f"{len(out_rows)} frames into {a.out} ({missing} could not be read)")


if __name__ == "__main__":
    main()
