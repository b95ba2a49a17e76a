"""train/finetune.sh end to end, short (one epoch on a dozen rows, no leave-one-source-out): the
model pack it writes loads in the C runtime through its model list; on a real image the C runtime's
crop, cut again in Python (train/crops.py) and run through the exported model in PyTorch, gives the
C runtime's p_real within 2e-4 (its JSON has 4 decimals); the report has the pack's and the
fine-tuned model's rates.

usage: test_finetune.py FACELIVE MODELS_DIR DATA_DIR"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import torch

from checks import check, finish

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "train"))
from crops import cut  # noqa: E402
from model_list import read_list  # noqa: E402
from finetune import to_tensor  # noqa: E402
from onnx_to_torch import OnnxModule  # noqa: E402

FACELIVE, MODELS, DATA = sys.argv[1:4]
out = tempfile.mkdtemp(prefix="facelive-finetune-")
env = dict(os.environ, FACELIVE=FACELIVE, FACELIVE_MODELS=MODELS, FL_TRAIN_DATA=DATA, FL_TRAIN_LOSO="0",
           FL_TRAIN_LIMIT="12")
# the full frames of the data set (the crops_ folders hold faces already cut, not frames)
manifest = os.path.join(out, "full_frames.tsv")
with open(os.path.join(DATA, "MANIFEST.tsv")) as src, open(manifest, "w") as dst:
    dst.writelines(l for i, l in enumerate(src) if i == 0 or not l.startswith("crops_"))
r = subprocess.run(["bash", os.path.join(ROOT, "train/finetune.sh"), manifest, out, "1"],
                   capture_output=True, text=True, env=env, timeout=600)
check(r.returncode == 0, f"finetune.sh runs: {r.stderr[-500:]}")
pack = os.path.join(out, "model")
lst = os.path.join(pack, "antispoof_models.tsv")
rows = read_list(lst)
check(rows[0]["file"] == "minifasnet_v2_2.7_80x80.finetuned.onnx" and os.path.exists(os.path.join(pack, rows[0]["file"])),
      f"the list names the fine-tuned model: {rows[0]}")
report = json.load(open(os.path.join(out, "report.json")))
a = report["all_rows"]
check(a["pack"]["hter"] is not None and a["finetuned_on_these_rows"]["hter"] is not None,
      f"the report has both models' rates: {a}")

img_path = os.path.join(DATA, "silent_face_minivision/image_T1.jpg")
c = subprocess.run([FACELIVE, "check", "--json", "--models", pack, "--model-list", lst, img_path],
                   capture_output=True, text=True)
d = json.loads(c.stdout)
frame = d["frames"][0]
check(c.returncode in (0, 3, 4) and frame["used"], f"the C runtime judges with the new pack: {c.stdout[:200]}")
m0 = frame["models"][0]
module = OnnxModule(os.path.join(pack, rows[0]["file"])).eval()
x = to_tensor([cut(cv2.imread(img_path), m0["crop"], 80)], rows[0])
with torch.no_grad():
    p = float(torch.softmax(module(x), dim=1)[0, int(rows[0]["real_class"])])
check(abs(p - m0["p_real"]) <= 2e-4, f"PyTorch on the Python crop = the C runtime: {p:.5f} vs {m0['p_real']:.4f}")
print(f"p_real: PyTorch {p:.5f}, C {m0['p_real']:.4f}")
finish()
