"""train/texture.py end to end, short (the first 40 rows of the full frames, leave one source out on
them): the texture model and fusion it writes load in the C runtime through the model list; on a
real image the C runtime's texture p_real equals the written model over the features of the crop cut
in Python (through `facelive texture`), and the runtime's fused score equals texture.py's fusion
(both within 2e-4: `check --json` prints 4 decimals); the report holds every fusion left one source
out, pooled, and the fusion chosen on the other sources.

usage: test_texture_train.py FACELIVE MODELS_DIR DATA_DIR"""
import json
import os
import subprocess
import sys
import tempfile

import cv2

from checks import check, finish

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "train"))
from texture import fused, p_texture, read_texture_model, texture_features  # noqa: E402

FACELIVE, MODELS, DATA = sys.argv[1:4]
out = tempfile.mkdtemp(prefix="facelive-texture-")
manifest = os.path.join(out, "full_frames.tsv")
with open(os.path.join(DATA, "MANIFEST.tsv")) as src, open(manifest, "w") as dst:
    dst.writelines(l for i, l in enumerate(src) if i == 0 or not l.startswith("crops_"))
r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "train/texture.py"), "--manifest", manifest, "--data", DATA,
                    "--facelive", FACELIVE, "--models", MODELS, "--out", out, "--limit", "40",
                    "--write-weights", "1,1,0.5"], capture_output=True, text=True, timeout=600)
check(r.returncode == 0, f"texture.py runs: {r.stderr[-800:]}")
report = json.load(open(os.path.join(out, "report.json")))
lo = report.get("leave_one_source_out", {})
check("w=1,1,0" in lo.get("pooled", {}) and "chosen_on_the_others" in lo.get("pooled", {}) and
      len(lo.get("chosen", {})) >= 2 and report.get("written_fusion") == "w=1,1,0.5",
      f"the report: every fusion pooled, the one chosen per left-out source: {sorted(lo.get('pooled', {}))[:4]}")
pack = os.path.join(out, "model")
lst = os.path.join(pack, "antispoof_models.tsv")
lines = [l.split("\t") for l in open(lst) if not l.startswith("#")]
check(len(lines) == 4 and lines[3][0] == "texture_lbp.txt" and lines[3][5] == "texture" and lines[3][7].strip() == "0.5",
      f"the list: the pack's two models and the texture model at 0.5: {lines}")

img_path = os.path.join(DATA, "silent_face_minivision/image_T1.jpg")
c = subprocess.run([FACELIVE, "check", "--json", "--models", pack, "--model-list", lst, img_path],
                   capture_output=True, text=True)
frame = json.loads(c.stdout)["frames"][0]
check(frame["used"] and len(frame["models"]) == 3, f"the C runtime judges with the texture model: {c.stdout[:300]}")
x1, y1, x2, y2 = frame["models"][2]["crop"]
with tempfile.TemporaryDirectory() as tmp:
    f = texture_features(FACELIVE, [cv2.imread(img_path)[y1:y2 + 1, x1:x2 + 1]], 64, tmp)[0]
p = float(p_texture(read_texture_model(os.path.join(pack, "texture_lbp.txt")), f))
c_p = frame["models"][2]["p_real"]
check(abs(p - c_p) <= 2e-4, f"texture p_real: Python {p:.5f}, C {c_p:.4f}")
cnn = [(m["p_real"], m["degraded"]) for m in frame["models"]]
want = fused(cnn, p, (1, 1, 0.5))
check(abs(want - frame["score"]) <= 2e-4, f"fused score: Python {want:.5f}, C {frame['score']:.4f}")
print(f"texture p_real: Python {p:.5f}, C {c_p:.4f}; fused: Python {want:.5f}, C {frame['score']:.4f}")
finish()
