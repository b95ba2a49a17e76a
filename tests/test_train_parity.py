"""The training pipeline's first step (train/onnx_to_torch.py): each anti-spoof model of the pack,
loaded into PyTorch from its ONNX file, holds the file's weights exactly and gives the C runtime's
outputs (tests/model_run, XNNPACK) on the golden inputs within 1e-4, and the golden outputs
(MANIFEST.md section 7) too; its parameters are trainable (a backward pass reaches every one); after
a training step, the module exported to ONNX loads in the C runtime and gives PyTorch's outputs within
1e-4.

usage: test_train_parity.py MODEL_RUN MODELS_DIR"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from checks import check, finish

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from onnx_to_torch import OnnxModule, export  # noqa: E402

MODEL_RUN, MODELS = sys.argv[1:3]
golden = json.load(open(os.path.join(MODELS, "golden", "golden.json")))
tmp = tempfile.mkdtemp(prefix="facelive-parity-")
names = [n for n in (golden if isinstance(golden, dict) else {}) if n.startswith("minifasnet")]
if not names:  # golden.json may list entries instead of keying them
    names = sorted(f[:-len(".input.f32")] for f in os.listdir(os.path.join(MODELS, "golden"))
                   if f.startswith("minifasnet") and f.endswith(".input.f32"))
check(len(names) == 4, f"four MiniFASNet golden vectors: {names}")

for name in names:
    model_file = name.split("__")[0] + ".onnx"
    path = os.path.join(MODELS, model_file)
    m = OnnxModule(path).eval()
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    exact = all(np.array_equal(m.params[m.param_of[k]].detach().numpy(), v) for k, v in inits.items())
    check(exact and len(inits) == len(m.params), f"{model_file}: {len(inits)} weights loaded exactly")
    inp = os.path.join(MODELS, "golden", name + ".input.f32")
    x = torch.from_numpy(np.fromfile(inp, dtype="<f4").reshape(1, 3, 80, 80))
    with torch.no_grad():
        y_torch = m(x).numpy().ravel()
    out = os.path.join(tmp, name + ".c.f32")
    r = subprocess.run([MODEL_RUN, path, inp, "1,3,80,80", out], capture_output=True, text=True)
    y_c = np.fromfile(out, dtype="<f4") if r.returncode == 0 else np.full(3, np.nan)
    y_gold = np.fromfile(os.path.join(MODELS, "golden", name + ".output.f32"), dtype="<f4")
    d_c, d_gold = float(np.abs(y_torch - y_c).max()), float(np.abs(y_torch - y_gold).max())
    print(f"{name}: PyTorch vs C {d_c:.2e}, vs golden {d_gold:.2e}")
    check(y_torch.shape == y_c.shape and d_c <= 1e-4, f"{name}: PyTorch = C runtime within 1e-4 ({d_c:.2e}) {r.stderr}")
    check(d_gold <= 1e-4, f"{name}: PyTorch = golden within 1e-4 ({d_gold:.2e})")
    m.train()
    loss = torch.nn.functional.cross_entropy(m(x.repeat(2, 1, 1, 1)), torch.tensor([1, 0]))
    loss.backward()
    check(all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.params.values()),
          f"{model_file}: a backward pass reaches every parameter")
    # one training step, then export: the C runtime loads the new file and gives PyTorch's outputs
    with torch.no_grad():  # a step of length 0.05 along the gradient: a visible change, not a blow-up
        norm = torch.sqrt(sum((p.grad ** 2).sum() for p in m.params.values()))
        for p in m.params.values():
            p -= 0.05 * p.grad / norm
    exported = os.path.join(tmp, name + ".trained.onnx")
    export(m, exported, (1, 3, 80, 80))
    with torch.no_grad():
        y_trained = m.eval()(x).numpy().ravel()
    out = os.path.join(tmp, name + ".trained.c.f32")
    r = subprocess.run([MODEL_RUN, exported, inp, "1,3,80,80", out], capture_output=True, text=True)
    y_c = np.fromfile(out, dtype="<f4") if r.returncode == 0 else np.full(3, np.nan)
    moved = float(np.abs(y_trained - y_torch).max())
    d = float(np.abs(y_trained - y_c).max()) if y_c.shape == y_trained.shape else float("inf")
    print(f"{name}: after one step the logits moved {moved:.3f}; exported, C vs PyTorch {d:.2e}")
    check(moved > 1e-3 and d <= 1e-4, f"{name}: trained weights survive the export to the C runtime ({d:.2e}) {r.stderr}")

# The default list's APK model (MANIFEST section 10), whose batch norms are Mul+Add pairs that the C
# loader folds into the convolutions (src/nn/graph_fold.c): the C runtime runs the folded graph,
# PyTorch the file's nodes one by one; on the golden inputs they agree within 1e-4.
for model_file, shape, inp in (("sf_apk_v1se_4.0_80x80.onnx", (1, 3, 80, 80),
                                os.path.join(MODELS, "golden", f"minifasnet_v2_2.7_80x80__image_{t}.input.f32"))
                               for t in ("F1", "T1")):
    path = os.path.join(MODELS, model_file)
    x = torch.from_numpy(np.fromfile(inp, dtype="<f4").reshape(1, 3, 80, 80))[..., :shape[3]].contiguous()
    raw = os.path.join(tmp, os.path.basename(inp) + ".in.f32")
    x.numpy().astype("<f4").tofile(raw)
    with torch.no_grad():
        y_torch = OnnxModule(path).eval()(x).numpy().ravel()
    out = os.path.join(tmp, model_file + ".c.f32")
    r = subprocess.run([MODEL_RUN, path, raw, ",".join(map(str, shape)), out], capture_output=True, text=True)
    y_c = np.fromfile(out, dtype="<f4") if r.returncode == 0 else np.full(3, np.nan)
    d = float(np.abs(y_torch - y_c).max()) if y_c.shape == y_torch.shape else float("inf")
    nodes = len(onnx.load(path).graph.node)
    print(f"{model_file} ({nodes} nodes in the file) on {os.path.basename(inp)}: logits {y_c}, PyTorch vs C {d:.2e}")
    check(d <= 1e-4, f"{model_file}: the C runtime (folded) = PyTorch (the file's nodes) within 1e-4 ({d:.2e}) {r.stderr}")
finish()
