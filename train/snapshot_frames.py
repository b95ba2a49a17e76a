"""More frames of the Replay-Attack train and devel videos, from a snapshot of the GitHub repository
sejong-sas/replay-attack (its folder given as an argument: a checkout, or the bare git directory the
`fetch` tool brings), into OUT with a MANIFEST.tsv in the data set's format plus a `group` column
(the video: frames of one video are never split between training and judging).

Only frames/replay_attack/train and devel are read. The repository's test split is refused and
never copied: it stays out of training and out of every choice (the issue's rule), like every other
spoof data set. Folder names give the labels: train__real__real__clientNNN_... (bona fide),
..._attack_print_... (printed photo), ..._attack_highdef_... and ..._attack_mobile_... (a photo or
video shown on a tablet or phone screen: replay). Licence: Replay-Attack allows research use only.

usage: snapshot_frames.py SNAPSHOT OUT [--per-video N] (N of each video's 20 frames, evenly; default 5)"""
import argparse
import csv
import io
import os
import subprocess
import sys
import tarfile

SPLITS = ("train", "devel")
ROOT = "frames/replay_attack"
LICENCE = "Replay-Attack (Idiap): research use only - a model trained on it is a research model"


def label_of(video):
    """(label, attack_type) from a video folder's name, or None when the name is not understood."""
    if "__real__" in video:
        return "real", "none"
    if "__attack__" not in video:
        return None
    if "_attack_print_" in video:
        return "spoof", "print"
    if "_attack_highdef_" in video or "_attack_mobile_" in video:
        return "spoof", "replay"
    return None


def members(snapshot):
    """{relative path under ROOT: bytes-reader} of the train and devel frames of a checkout or git dir."""
    if os.path.isdir(os.path.join(snapshot, ROOT)):
        out = {}
        for split in SPLITS:
            base = os.path.join(snapshot, ROOT, split)
            for video in sorted(os.listdir(base)):
                for f in sorted(os.listdir(os.path.join(base, video))):
                    out[f"{split}/{video}/{f}"] = (lambda p=os.path.join(base, video, f): open(p, "rb").read())
        return out
    tar = subprocess.run(["git", "--git-dir", snapshot, "archive", "HEAD"] + [f"{ROOT}/{s}" for s in SPLITS],
                         capture_output=True, check=True).stdout
    t = tarfile.open(fileobj=io.BytesIO(tar))
    return {m.name[len(ROOT) + 1:]: (lambda m=m: t.extractfile(m).read()) for m in t.getmembers() if m.isfile()}


def pick(frames, n):
    """n of a video's frames, evenly spaced, first included."""
    frames = sorted(frames)
    if n >= len(frames):
        return frames
    return [frames[round(i * (len(frames) - 1) / max(n - 1, 1))] for i in range(n)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("snapshot")
    ap.add_argument("out")
    ap.add_argument("--per-video", type=int, default=5)
    a = ap.parse_args()
    files = members(a.snapshot)
    if any(k.startswith("test/") for k in files):
        sys.exit("snapshot_frames: a test-split frame was read; the test split must stay out")
    videos = {}
    for k in files:
        split, video, _ = k.split("/", 2)
        videos.setdefault((split, video), []).append(k)
    os.makedirs(a.out, exist_ok=True)
    rows, skipped = [], 0
    for (split, video), frames in sorted(videos.items()):
        lab = label_of(video)
        if not lab:
            skipped += 1
            continue
        for k in pick(frames, a.per_video):
            dst = os.path.join(a.out, k)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(files[k]())
            rows.append({"relative_path": k, "label": lab[0], "attack_type": lab[1],
                         "source_repo": "sejong-sas/replay-attack", "source_path": f"{ROOT}/{k}", "licence": LICENCE,
                         "notes": f"Replay-Attack {split} split, frame of {video}", "group": f"{split}/{video}"})
    with open(os.path.join(a.out, "MANIFEST.tsv"), "w") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} frames of {len(videos) - skipped} videos into {a.out} ({skipped} folders not understood)")


if __name__ == "__main__":
    main()
