"""Attacks made from bona fide frames, aimed at the kinds the models miss most (docs/accuracy.md):
printed photos, screen replays, cut-outs and masks. Physics-style synthesis in the spirit of FAS-Aug
("Towards Data-Centric Face Anti-Spoofing"): what a print or a screen does to light, then what a
camera re-capturing it adds. Deterministic: every attack is drawn from a generator seeded by the
seed and the base image's path, so the same inputs give the same files.

  print    halftone (a rotated clustered-dot screen per ink) or dither, paper white point and lifted
           blacks, a narrower gamut, a gloss highlight, the sheet bent in perspective over a blurred
           scene, re-capture blur, noise and JPEG
  replay   the image on a pixel grid of RGB sub-pixels, re-sampled by the camera at a slight angle
           and scale (moire), display gamma and colour shift, the bezel of the device in view
  cutout   the face of another bona fide frame of the same source, printed, cut out along an oval
           with a hard edge and held over this frame's face
  mask     the same printed face warped onto this frame's face by the eyes, with eye holes showing the
           wearer's real eyes

Faces come from `facelive analyze --json` (box and five landmarks). OUT/MANIFEST.tsv lists every
made attack (label spoof, attack_type its kind, source_repo the base frame's source: leaving that
source out leaves its made attacks out too); OUT/contact_KIND.png shows the first 24 of each kind.
The output is derived from the bona fide frames and keeps their licences: never committed.

usage: attacks.py --judge M[:ROOT] ... --facelive BIN --models DIR --out OUT [--per-source N] [--seed S]"""
import argparse
import csv
import hashlib
import json
import os
import random
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from crops import facelive_lines  # noqa: E402
from scores import read_rows  # noqa: E402

KINDS = ("print", "replay", "cutout", "mask")


def rng_for(seed, path, kind):
    h = hashlib.sha256(f"{seed}:{path}:{kind}".encode()).digest()
    return random.Random(int.from_bytes(h[:8], "little"))


def faces(facelive, models, paths):
    """{path: (box x, y, w, h; landmarks5 as 5x2)} of the images with exactly one main face."""
    out = {}
    for line in facelive_lines(facelive, ["analyze", "--json", "--models", models], paths):
        d = json.loads(line)
        if d.get("faces"):
            f = d["faces"][0]
            out[d["image"]] = (f["box"], np.asarray(f["landmarks5"], np.float32).reshape(5, 2))
    return out


# ---- what paper and ink do ----

def halftone(img, r):
    """A clustered-dot screen per channel at its own angle (or an ordered dither), the dots blurred
    by ink spread and mixed back with the image as the camera's resolution would."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = r.uniform(2.5, 5.0)
    out = np.empty_like(img, dtype=np.float32)
    for c, angle in enumerate(np.deg2rad([15, 75, 0]) + r.uniform(0, 0.3)):
        u = xx * np.cos(angle) + yy * np.sin(angle)
        v = -xx * np.sin(angle) + yy * np.cos(angle)
        screen = (np.cos(2 * np.pi * u / period) * np.cos(2 * np.pi * v / period) + 1) * 127.5
        out[..., c] = np.where(img[..., c].astype(np.float32) > screen, 255, 0)
    out = cv2.GaussianBlur(out, (0, 0), r.uniform(0.5, 1.0))
    mix = r.uniform(0.25, 0.6)
    return (mix * out + (1 - mix) * img).clip(0, 255)


def paper(img, r):
    """Paper's white point and lifted blacks, and the narrower gamut of ink (less saturation)."""
    img = img.astype(np.float32)
    grey = img.mean(axis=2, keepdims=True)
    img = grey + (img - grey) * r.uniform(0.55, 0.85)
    white = np.array([r.uniform(215, 245), r.uniform(220, 245), r.uniform(225, 250)], np.float32)  # BGR: warm
    black = r.uniform(15, 45)
    return black + img / 255.0 * (white - black)


def gloss(img, r):
    """A soft specular highlight, as a glossy print under a lamp shows."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = r.uniform(0.2, 0.8) * w, r.uniform(0.1, 0.6) * h
    sx, sy = r.uniform(0.08, 0.25) * w, r.uniform(0.05, 0.2) * h
    g = np.exp(-(((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2) / 2) * r.uniform(30, 110)
    return img + g[..., None]


def recapture(img, r, blur=(0.4, 1.3), noise=(1.5, 5.0)):
    """What the camera adds when it films the print or screen: blur, sensor noise, JPEG."""
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), r.uniform(*blur))
    nr = np.random.default_rng(r.randrange(1 << 30))
    img = (img + nr.normal(0, r.uniform(*noise), img.shape)).clip(0, 255).astype(np.uint8)
    q = r.randint(65, 92)
    return cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])[1], cv2.IMREAD_COLOR)


def scene(img, r):
    """A background for a held object: the frame itself, blurred, darker and shifted."""
    bg = cv2.GaussianBlur(img, (0, 0), r.uniform(8, 20)).astype(np.float32) * r.uniform(0.5, 0.9)
    return np.roll(bg, r.randint(-img.shape[1] // 4, img.shape[1] // 4), axis=1)


def place(sheet, bg, r, fill=(0.75, 0.95), tilt=0.08):
    """sheet warped in perspective (held, bent toward the camera) into the middle of bg."""
    h, w = bg.shape[:2]
    s = r.uniform(*fill)
    cw, ch = w * s, h * s
    x0, y0 = (w - cw) / 2 + r.uniform(-0.05, 0.05) * w, (h - ch) / 2 + r.uniform(-0.05, 0.05) * h
    jit = lambda: r.uniform(-tilt, tilt) * min(w, h)  # noqa: E731
    dst = np.float32([[x0 + jit(), y0 + jit()], [x0 + cw + jit(), y0 + jit()], [x0 + cw + jit(), y0 + ch + jit()],
                      [x0 + jit(), y0 + ch + jit()]])
    src = np.float32([[0, 0], [sheet.shape[1] - 1, 0], [sheet.shape[1] - 1, sheet.shape[0] - 1],
                      [0, sheet.shape[0] - 1]])
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(sheet.astype(np.float32), m, (w, h))
    mask = cv2.warpPerspective(np.ones(sheet.shape[:2], np.float32), m, (w, h))[..., None]
    return warped * mask + bg.astype(np.float32) * (1 - mask)


def make_print(img, r):
    sheet = gloss(paper(halftone(img, r), r), r)
    sheet = cv2.copyMakeBorder(sheet.clip(0, 255), *(4 * [int(0.03 * img.shape[1])]), cv2.BORDER_CONSTANT,
                               value=(235, 238, 240))  # the paper's margin
    return recapture(place(sheet, scene(img, r), r), r)


# ---- what a screen does ----

def pixel_grid(img, r):
    """The image shown on a display of coarser pixels with RGB stripes, then sampled by the camera at a
    slight rotation and scale: the beat of the two grids is the moire."""
    h, w = img.shape[:2]
    pitch = r.uniform(1.6, 3.2)  # camera pixels per display pixel
    dw, dh = max(8, int(w / pitch)), max(8, int(h / pitch))
    shown = cv2.resize(img, (dw, dh), interpolation=cv2.INTER_AREA)
    sub = 3
    big = np.repeat(np.repeat(shown, sub, axis=0), sub, axis=1).astype(np.float32)
    stripes = np.zeros((sub, sub, 3), np.float32)
    for c in range(3):  # BGR sub-pixels: R left, G middle, B right, a dark row between pixels
        stripes[: sub - 1, 2 - c, c] = 1.0
    big *= np.tile(stripes, (dh, dw, 1)) * 4.5  # each sub-pixel lit 2/9 of the area
    angle, scale = r.uniform(-4, 4), r.uniform(0.97, 1.03)
    m = cv2.getRotationMatrix2D((big.shape[1] / 2, big.shape[0] / 2), angle, scale)
    big = cv2.warpAffine(big, m, (big.shape[1], big.shape[0]), borderMode=cv2.BORDER_REFLECT)
    return cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA).clip(0, 255)


def display(img, r):
    """Display gamma, a cooler white and lower contrast."""
    x = (img / 255.0) ** r.uniform(0.75, 1.35)
    x = x * np.array([r.uniform(1.0, 1.12), r.uniform(0.97, 1.05), r.uniform(0.88, 1.0)])  # BGR: bluer
    return (x * r.uniform(0.8, 1.0) * 255 + r.uniform(5, 25)).clip(0, 255)


def make_replay(img, r):
    screen = display(pixel_grid(img, r), r)
    bezel = int(r.uniform(0.03, 0.08) * img.shape[1])
    device = cv2.copyMakeBorder(screen, bezel, bezel, bezel, bezel, cv2.BORDER_CONSTANT,
                                value=[r.uniform(5, 40)] * 3)
    return recapture(place(device, scene(img, r), r, fill=(0.8, 1.0), tilt=0.04), r, blur=(0.3, 0.9))


# ---- a face over a face ----

def similarity(src_pts, dst_pts):
    m, _ = cv2.estimateAffinePartial2D(src_pts, dst_pts)
    return m


def face_oval(shape, box, grow=1.25):
    x, y, w, h = box
    mask = np.zeros(shape[:2], np.float32)
    cv2.ellipse(mask, (int(x + w / 2), int(y + h * 0.45)), (int(w * grow / 2), int(h * grow * 0.62)), 0, 0, 360, 1, -1)
    return mask


def printed_face_on(img, face, donor, donor_face, r):
    """The donor's face, printed, warped so its eyes and mouth land on this frame's (a cut-out held over
    the face, or a mask worn): (warped printed donor, the oval mask in this frame)."""
    donor_print = gloss(paper(halftone(donor, r), r), r).clip(0, 255)
    m = similarity(donor_face[1], face[1])
    warped = cv2.warpAffine(donor_print.astype(np.float32), m, (img.shape[1], img.shape[0]),
                            borderValue=(235, 238, 240))  # past the donor's photo: blank paper
    return warped, face_oval(img.shape, face[0])


def make_cutout(img, face, donor, donor_face, r):
    warped, mask = printed_face_on(img, face, donor, donor_face, r)
    # a hard edge and a thin white paper rim where the scissors went
    rim = cv2.dilate(mask, np.ones((5, 5), np.uint8)) - mask
    out = warped * mask[..., None] + img.astype(np.float32) * (1 - mask[..., None])
    out = out * (1 - rim[..., None]) + rim[..., None] * 235
    return recapture(out, r)


def make_mask(img, face, donor, donor_face, r):
    warped, mask = printed_face_on(img, face, donor, donor_face, r)
    eye_r = max(3, int(0.09 * face[0][2]))
    for ex, ey in face[1][:2]:  # the wearer's own eyes through the holes
        cv2.ellipse(mask, (int(ex), int(ey)), (eye_r, int(eye_r * 0.6)), 0, 0, 360, 0, -1)
    out = warped * mask[..., None] + img.astype(np.float32) * (1 - mask[..., None])
    return recapture(out, r)


def contact_sheet(images, path, cols=6, size=(160, 120)):
    tiles = [cv2.resize(i, size, interpolation=cv2.INTER_AREA) for i in images[:24]]
    while len(tiles) % cols:
        tiles.append(np.zeros((size[1], size[0], 3), np.uint8))
    rows = [np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)]
    cv2.imwrite(path, np.vstack(rows))


def bases(rows, face_of, per_source, seed):
    """Up to per_source bona fide rows of each source whose face was found, drawn with the seed."""
    by = {}
    for row in rows:
        if row["label"] == 1 and row["path"] in face_of:
            by.setdefault(row["source"], []).append(row)
    out = []
    for s in sorted(by):
        pool = sorted(by[s], key=lambda x: x["path"])
        random.Random(f"{seed}:{s}").shuffle(pool)
        out += [(row, pool) for row in pool[:per_source]]
    return out


def make_all(pairs, face_of, out, seed):
    """Every kind from every base row; returns the manifest rows and the images per kind."""
    made, shown = [], {k: [] for k in KINDS}
    for row, pool in pairs:
        img = cv2.imread(row["path"], cv2.IMREAD_COLOR)
        for kind in KINDS:
            r = rng_for(seed, row["rel"], kind)
            if kind in ("cutout", "mask"):
                donors = [d for d in pool if d["path"] != row["path"]]
                if not donors:
                    continue
                d = donors[r.randrange(len(donors))]
                res = (make_cutout if kind == "cutout" else make_mask)(img, face_of[row["path"]],
                                                                     cv2.imread(d["path"], cv2.IMREAD_COLOR),
                                                                     face_of[d["path"]], r)
            else:
                res = (make_print if kind == "print" else make_replay)(img, r)
            rel = os.path.join(kind, hashlib.sha256(row["rel"].encode()).hexdigest()[:16] + ".jpg")
            os.makedirs(os.path.join(out, kind), exist_ok=True)
            cv2.imwrite(os.path.join(out, rel), res, [cv2.IMWRITE_JPEG_QUALITY, 92])
            made.append({"relative_path": rel, "label": "spoof", "attack_type": kind, "source_repo": row["source"],
                         "group": row["rel"], "notes": f"made by train/attacks.py (seed {seed}) from {row['rel']}"})
            shown[kind].append(res)
    return made, shown


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--judge", action="append", required=True)
    ap.add_argument("--facelive", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-source", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rows = [row for m in a.judge for row in read_rows(m)]
    face_of = faces(a.facelive, a.models, [row["path"] for row in rows if row["label"] == 1])
    made, shown = make_all(bases(rows, face_of, a.per_source, a.seed), face_of, a.out, a.seed)
    with open(os.path.join(a.out, "MANIFEST.tsv"), "w") as f:
        w = csv.DictWriter(f, fieldnames=["relative_path", "label", "attack_type", "source_repo", "group", "notes"],
                           delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(made)
    for kind, imgs in shown.items():
        if imgs:
            contact_sheet(imgs, os.path.join(a.out, f"contact_{kind}.png"))
    counts = {k: sum(1 for m in made if m["attack_type"] == k) for k in KINDS}
    print(f"{len(made)} attacks into {a.out}: " + ", ".join(f"{k} {n}" for k, n in counts.items()))


if __name__ == "__main__":
    main()
