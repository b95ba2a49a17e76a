"""The crops an anti-spoof model of the default list sees, cut as the runtime cuts them
(train/crops.py), split for a calibration study: up to CALIB crops spread over every source of the
MANIFEST but one (calib_NNNN.png) and up to JUDGED of the source left out (judged_NNNN.png), 80x80,
written into OUT_DIR with a file `model` holding the model's file name and real class.

usage: held_out_crops.py ROOT OUT_DIR HELD_OUT_SOURCE [CALIB [JUDGED]]   (default 64 and 240)
"""
import os
import sys

import cv2

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
sys.path.insert(0, os.path.join(ROOT, "train"))
from crops import cut, load  # noqa: E402  (train/ is found from ROOT)
from model_list import read_list  # noqa: E402


def spread(rows, n):
    """Up to n rows taken at even steps, so every source of the list has its share."""
    return rows[::max(1, len(rows) // n)][:n] if n > 0 else []


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, held_out = sys.argv[2], sys.argv[3]
    n_calib = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    n_judged = int(sys.argv[5]) if len(sys.argv) > 5 else 240
    first = read_list()[0]
    samples, skipped = load(os.path.join(ROOT, "data/MANIFEST.tsv"), os.path.join(ROOT, "data"),
                            os.path.join(ROOT, "build/facelive"), os.path.join(ROOT, "models"))
    calib = spread([s for s in samples if s["source"] != held_out], n_calib)
    judged = spread([s for s in samples if s["source"] == held_out], n_judged)
    if not calib or not judged:
        sys.exit(f"held_out_crops: {len(calib)} calibration and {len(judged)} judged crops ({held_out!r})")
    for name, group in (("calib", calib), ("judged", judged)):
        for i, s in enumerate(group):
            cv2.imwrite(os.path.join(out, f"{name}_{i:04d}.png"), cut(s["image"], s["box"], 80))
    with open(os.path.join(out, "model"), "w") as f:
        f.write(f"{first['file']} {first['real_class']}\n")
    print(f"{first['file']}: {len(calib)} calibration crops, {len(judged)} judged ({held_out}); "
          f"{skipped} rows the runtime does not judge", file=sys.stderr)


if __name__ == "__main__":
    main()
