"""facelive's image operations against OpenCV (Debian python3-opencv) on the same inputs.

usage: test_image_vs_opencv.py IMAGE_TOOL DATA_DIR

Resize and warpAffine must equal cv2 exactly (max abs diff 0; the figures are printed and
docs/image.md records them); pixel-format conversion, rotation and decoding must be identical;
every corrupt file must give its specific status. Exits non-zero when any check fails.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import cv2
import numpy as np

from checks import check, finish

TOOL, DATA = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="fl_image_test_")
rng = np.random.RandomState(1234)


def run(*args):
    out = subprocess.run([TOOL] + [str(a) for a in args], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"image_tool {' '.join(map(str, args))}: rc {out.returncode} {out.stderr}")
    return out.stdout.strip()


def raw(img):
    p = os.path.join(TMP, "in.raw")
    np.ascontiguousarray(img).tofile(p)
    return p


def load_raw(shape):
    return np.fromfile(os.path.join(TMP, "out.raw"), dtype=np.uint8).reshape(shape)


def as3(img):
    return img if img.ndim == 3 else img[:, :, None]


# ---- resize -------------------------------------------------------------------------------
def ours_resize(img, x, y, w, h, dw, dh):
    c = as3(img).shape[2]
    run("resize", raw(img), img.shape[1], img.shape[0], c, x, y, w, h, dw, dh, os.path.join(TMP, "out.raw"))
    return load_raw((dh, dw, c))


resize_max, resize_ones, resize_total = 0, 0, 0
cases = []
for c in (1, 3, 4):
    for _ in range(12):
        H, W = rng.randint(2, 300, size=2)
        img = rng.randint(0, 256, size=(H, W, c), dtype=np.uint8)
        x, y = rng.randint(0, W), rng.randint(0, H)
        w, h = rng.randint(1, W - x + 1), rng.randint(1, H - y + 1)
        dw, dh = rng.randint(1, 200, size=2)
        cases.append((img, x, y, w, h, dw, dh))
    img = rng.randint(0, 256, size=(120, 160, c), dtype=np.uint8)
    cases.append((img, 0, 0, 160, 120, 80, 60))     # exact 2x down: OpenCV switches to INTER_AREA
    cases.append((img, 10, 5, 100, 90, 80, 80))     # the anti-spoof crop size
    cases.append((img, 0, 0, 160, 120, 333, 250))   # upscale
for path in ("silent_face_minivision/image_T1.jpg", "wenhua_chen_blog/346.jpg"):
    img = cv2.imread(os.path.join(DATA, path))
    cases.append((img, 0, 7, 480, 493, 80, 80))      # the MiniFASNet crop of image_T1 (MANIFEST s2)
    cases.append((img, 0, 0, img.shape[1], img.shape[0], 320, 427))
for img, x, y, w, h, dw, dh in cases:
    want = as3(cv2.resize(np.ascontiguousarray(img[y:y + h, x:x + w]), (int(dw), int(dh)),
                          interpolation=cv2.INTER_LINEAR))
    got = ours_resize(img, x, y, w, h, dw, dh)
    d = np.abs(got.astype(int) - want.astype(int))
    resize_max = max(resize_max, int(d.max()))
    resize_ones += int((d > 0).sum())
    resize_total += d.size
    check(d.max() == 0, f"resize {img.shape} roi {x},{y},{w},{h} -> {dw}x{dh}: max diff {d.max()}")
print(f"resize: {len(cases)} cases, max |ours - cv2| = {resize_max}, "
      f"{resize_ones} of {resize_total} values differ")

# ---- warpAffine ----------------------------------------------------------------------------
warp_max, warp_diff, warp_total = 0, 0, 0
for i in range(40):
    c = (1, 3, 4)[i % 3]
    H, W = rng.randint(20, 400, size=2)
    img = rng.randint(0, 256, size=(H, W, c), dtype=np.uint8)
    ang = rng.uniform(-40, 40)
    sc = rng.uniform(0.3, 3.0)
    M = cv2.getRotationMatrix2D((rng.uniform(0, W), rng.uniform(0, H)), ang, sc)
    M[:, 2] += rng.uniform(-50, 50, size=2)
    dw, dh = rng.randint(10, 250, size=2)
    if i % 5 == 0:  # the facemesh crop: a square around a face, scaled to 192
        side = rng.uniform(50, 300)
        M = np.array([[192 / side, 0, -rng.uniform(-20, W) * 192 / side],
                      [0, 192 / side, -rng.uniform(-20, H) * 192 / side]])
        dw = dh = 192
    want = as3(cv2.warpAffine(img, M, (int(dw), int(dh)), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0))
    run("warp", raw(img), W, H, c, *["%.17g" % v for v in M.ravel()], dw, dh, os.path.join(TMP, "out.raw"))
    got = load_raw((dh, dw, c))
    d = np.abs(got.astype(int) - want.astype(int))
    warp_max = max(warp_max, int(d.max()))
    warp_diff += int((d > 0).sum())
    warp_total += d.size
    check(d.max() == 0, f"warp case {i}: max diff {d.max()}")
print(f"warpAffine: 40 cases, max |ours - cv2| = {warp_max}, {warp_diff} of {warp_total} values differ")

# ---- pixel formats and rotation ------------------------------------------------------------
bgr = cv2.imread(os.path.join(DATA, "silent_face_minivision/image_T1.jpg"))[:300, :200].copy()
H, W = bgr.shape[:2]
i420 = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)
y_plane, u, v = i420[:H], i420[H:H + H // 4].reshape(-1), i420[H + H // 4:].reshape(-1)
nv12 = np.concatenate([y_plane.reshape(-1), np.stack([u, v], 1).reshape(-1)]).reshape(H * 3 // 2, W)
nv21 = np.concatenate([y_plane.reshape(-1), np.stack([v, u], 1).reshape(-1)]).reshape(H * 3 // 2, W)
gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
views = {  # format id -> (data, expected upright BGR)
    0: (bgr, bgr),
    1: (cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), bgr),
    2: (cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA), bgr),
    3: (cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA), bgr),
    4: (gray, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)),
    5: (nv21, cv2.cvtColor(nv21, cv2.COLOR_YUV2BGR_NV21)),
    6: (nv12, cv2.cvtColor(nv12, cv2.COLOR_YUV2BGR_NV12)),
}
for fmt, (data, want) in views.items():
    for rot in (0, 90, 180, 270):
        dims = run("view", raw(data), W, H, fmt, rot, os.path.join(TMP, "out.raw")).split()
        exp = np.rot90(want, k=-rot // 90)  # clockwise
        got = load_raw((int(dims[1]), int(dims[0]), 3))
        check(got.shape == exp.shape and np.array_equal(got, exp), f"view format {fmt} rotation {rot}")
print("pixel formats: BGR RGB RGBA BGRA GRAY NV21 NV12 x rotations 0/90/180/270 compared exactly")


# ---- decoding ------------------------------------------------------------------------------
def ours_decode(path, min_side=None):
    """(pixels, "") or (status name, detail); with min_side, fl_image_load_reduced: (pixels, divisor)."""
    extra = () if min_side is None else (min_side,)
    out = run("decode", path, os.path.join(TMP, "out.raw"), *extra).split(" ", 2 if extra else 1)
    if not out[0].isdigit():
        return out[0], " ".join(out[1:])
    if extra:
        d, w, h = int(out[0]), int(out[1]), int(out[2])
        return load_raw((h, w, 3)), d
    w, h = int(out[0]), int(out[1])
    return load_raw((h, w, 3)), ""


jpegs = sorted(p for p in open(os.path.join(DATA, "MANIFEST.tsv")).read().split("\n")[1:]
               if p.split("\t")[0].endswith(".jpg"))
jpegs = [p.split("\t")[0] for p in jpegs][:40]
for p in jpegs:
    got, _ = ours_decode(os.path.join(DATA, p))
    want = cv2.imread(os.path.join(DATA, p))
    check(isinstance(got, np.ndarray) and got.shape == want.shape and np.array_equal(got, want), f"decode {p}")
pngs = [p.split("\t")[0] for p in open(os.path.join(DATA, "MANIFEST.tsv")).read().split("\n")[1:]
        if p.split("\t")[0].endswith(".png")][:20]
for p in pngs:
    got, _ = ours_decode(os.path.join(DATA, p))
    want = cv2.imread(os.path.join(DATA, p))
    check(isinstance(got, np.ndarray) and np.array_equal(got, want), f"decode {p}")
synthetic = {
    "gray.png": gray, "bgr.png": bgr, "bgra.png": cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA),
    "deep.png": (bgr.astype(np.uint16) * 257 + 3),
}
for name, img in synthetic.items():
    path = os.path.join(TMP, name)
    cv2.imwrite(path, img)
    got, _ = ours_decode(path)
    want = cv2.imread(path)
    check(isinstance(got, np.ndarray) and np.array_equal(got, want), f"decode synthetic {name}")


def with_exif(jpeg, orientation):
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + \
        struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    app1 = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


base = cv2.imencode(".jpg", bgr[:, :150])[1].tobytes()
for o in range(1, 9):
    path = os.path.join(TMP, f"exif{o}.jpg")
    open(path, "wb").write(with_exif(base, o))
    got, _ = ours_decode(path)
    want = cv2.imread(path)
    check(isinstance(got, np.ndarray) and np.array_equal(got, want), f"EXIF orientation {o}")
print(f"decoding: {len(jpegs)} JPEG and {len(pngs)} PNG files of the data set, 4 synthetic PNGs and EXIF "
      f"orientations 1-8 compared exactly with cv2.imread")

# Reduced decoding: the scaled inverse DCT is libjpeg's, as cv2.imread's IMREAD_REDUCED_COLOR_N reads;
# the divisor is the largest of 2, 4, 8 that keeps the shorter side at least min_side (sides rounded up).
REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
           8: cv2.IMREAD_REDUCED_COLOR_8}


def expected_divisor(path, min_side):
    short = min(cv2.imread(path).shape[:2])
    return max([1] + [d for d in (2, 4, 8) if min_side > 0 and -(-short // d) >= min_side])


reduced = 0
for p in jpegs[:12] + ["silent_face_minivision/image_T2.jpg", "wenhua_chen_blog/0_0_01708_3_000_scene.jpg"]:
    path = os.path.join(DATA, p)
    short = min(cv2.imread(path).shape[:2])
    for min_side in (0, short, short // 2, short // 2 + 1, short // 4, short // 8, 1):
        got, d = ours_decode(path, min_side)
        want = cv2.imread(path, REDUCED.get(d, cv2.IMREAD_COLOR)) if isinstance(d, int) else None
        check(isinstance(got, np.ndarray) and d == expected_divisor(path, min_side) and got.shape == want.shape
              and np.array_equal(got, want), f"decode {p} reduced for min_side {min_side}: divisor {d}")
        reduced += isinstance(d, int) and d > 1
for o in (1, 6, 8):  # the orientation applied after the reduction: cv2 turns its reduced read the same way
    got, d = ours_decode(os.path.join(TMP, f"exif{o}.jpg"), 60)  # 300x150: 1/2
    want = cv2.imread(os.path.join(TMP, f"exif{o}.jpg"), REDUCED.get(d, cv2.IMREAD_COLOR))
    check(d == 2 and isinstance(got, np.ndarray) and np.array_equal(got, want), f"EXIF orientation {o} reduced")
got, d = ours_decode(os.path.join(DATA, pngs[0]), 1)
check(d == 1 and np.array_equal(got, cv2.imread(os.path.join(DATA, pngs[0]))), "a PNG is decoded whole")
got, _ = ours_decode(os.path.join(DATA, jpegs[0]), -1)
check(got == "FL_E_INVALID_ARGUMENT", f"a negative min_side: {got}")
print(f"reduced decoding: {reduced} decodes at 1/2, 1/4 or 1/8 compared exactly with cv2.imread's "
      f"IMREAD_REDUCED_COLOR_N, with the divisor the rule gives; EXIF orientations; PNG whole")


# ---- corrupt files -------------------------------------------------------------------------
def status_of(data, name="bad"):
    path = os.path.join(TMP, name)
    open(path, "wb").write(data)
    got, _ = ours_decode(path)
    return got if isinstance(got, str) else "FL_OK"


jpeg = open(os.path.join(DATA, "silent_face_minivision/image_T1.jpg"), "rb").read()
png = cv2.imencode(".png", bgr)[1].tobytes()
sof = jpeg.find(b"\xff\xc0")
huge_jpeg = jpeg[:sof + 5] + struct.pack(">HH", 60000, 60000) + jpeg[sof + 9:]
ihdr = bytearray(png[:33])
ihdr[16:20] = struct.pack(">I", 100000)
ihdr[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr[12:29])))
expect = {
    "empty file": (b"", "FL_E_IMAGE_FORMAT"),
    "random bytes": (bytes(rng.randint(0, 256, 5000, dtype=np.uint8)), "FL_E_IMAGE_FORMAT"),
    "text": (b"hello, this is not an image\n", "FL_E_IMAGE_FORMAT"),
    "JPEG cut to 100 bytes": (jpeg[:100], "FL_E_IMAGE_CORRUPT"),
    "JPEG cut in half": (jpeg[:len(jpeg) // 2], "FL_E_IMAGE_CORRUPT"),
    "JPEG signature only": (jpeg[:3], "FL_E_IMAGE_CORRUPT"),
    "JPEG claiming 60000x60000": (huge_jpeg, "FL_E_TOO_LARGE"),
    "PNG cut in half": (png[:len(png) // 2], "FL_E_IMAGE_CORRUPT"),
    "PNG signature only": (png[:8], "FL_E_IMAGE_CORRUPT"),
    "PNG with a bad CRC": (png[:40] + bytes([png[40] ^ 0xFF]) + png[41:], "FL_E_IMAGE_CORRUPT"),
    "PNG claiming width 100000": (bytes(ihdr) + png[33:], "FL_E_TOO_LARGE"),
}
for what, (data, want) in expect.items():
    got = status_of(data)
    check(got == want, f"{what}: {got}, expected {want}")
    path = os.path.join(TMP, "bad")
    got_reduced, _ = ours_decode(path, 8)  # the scaled decode meets the same checks
    check(got_reduced == want, f"{what}, decoded reduced: {got_reduced}, expected {want}")
got, _ = ours_decode(TMP)
check(got == "FL_E_IO", f"a directory: {got}")
got, _ = ours_decode(os.path.join(TMP, "does-not-exist.jpg"))
check(got == "FL_E_IO", f"a missing file: {got}")
print(f"corrupt inputs: {len(expect) + 2} cases")

finish()
