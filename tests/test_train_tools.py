"""The yardstick's and the research pack's tools on a few rows (training itself is one short epoch):
train/video_frames.py, snapshot_frames.py (a made-up snapshot, as a folder and as a git directory;
its test split never read), attacks.py (deterministic, every kind, contact sheets), scores.py (every
candidate model, the whole-frame one on the whole image), lodo.py (its figures recomputed by hand
from the cache; the JSON line), research.py (a fold's model judges only its left-out sources, the
pack's list says research use only and loads in C), and the shell wrappers' usage errors.

usage: test_train_tools.py FACELIVE MODELS_DIR DATA_DIR"""
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import cv2
import numpy as np

from checks import check, finish

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TRAIN = os.path.join(ROOT, "train")
FACELIVE, MODELS, DATA = [os.path.abspath(p) for p in sys.argv[1:4]]
PY = "/usr/bin/python3"
tmp = tempfile.mkdtemp(prefix="facelive-train-tools-")


def run(script, *args, timeout=600):
    r = subprocess.run([PY, os.path.join(TRAIN, script), *args], capture_output=True, text=True, timeout=timeout)
    check(r.returncode == 0, f"{script} runs: {r.stderr[-1500:]}")
    return r


def rows_of(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


# ---- a small manifest: a few rows of three image sources and two video-only clips ----
allrows = rows_of(os.path.join(DATA, "MANIFEST.tsv"))
pick = []
for prefix in ("wenhua_chen_blog/", "video_wolf_huo/", "video_lestari15/"):
    mine = [r for r in allrows if r["relative_path"].startswith(prefix) and r["label"] in ("real", "spoof")]
    pick += [r for r in mine if r["label"] == "real"][:3] + [r for r in mine if r["label"] == "spoof"][:2]
pick += [r for r in allrows if r["relative_path"].startswith("video_eyeblink8_clips/")][:2]
pick += [r for r in allrows if r["relative_path"].startswith("video_wolf_huo/") and r["label"] == "video"][:1]
small = os.path.join(tmp, "small.tsv")
with open(small, "w") as f:
    w = csv.DictWriter(f, fieldnames=list(allrows[0].keys()), delimiter="\t", lineterminator="\n")
    w.writeheader()
    w.writerows(pick)
judge = f"{small}:{DATA}"

# ---- video_frames.py: only the video-only source; every source with --every-source ----
run("video_frames.py", small, os.path.join(tmp, "vf"), "--at", "0.5", "--data", DATA)
vf = rows_of(os.path.join(tmp, "vf", "MANIFEST.tsv"))
check(len(vf) == 2 and all(r["label"] == "real" and "EyeBlink8" in r["relative_path"] for r in vf),
      f"the two eyeblink clips give one bona fide frame each, the WOLF-huo video (its source has frames) none: {vf}")
check(all(cv2.imread(os.path.join(tmp, "vf", r["relative_path"])) is not None for r in vf), "the frames are images")
run("video_frames.py", small, os.path.join(tmp, "vf5"), "--at", "0.1,0.9", "--data", DATA, "--every-source")
vf5 = rows_of(os.path.join(tmp, "vf5", "MANIFEST.tsv"))
groups = {}
for r in vf5:
    groups.setdefault(r["group"], []).append(r)
check(len(vf5) == 6 and len(groups) == 3 and all(len(g) == 2 for g in groups.values()),
      f"--every-source: 3 videos x 2 frames, grouped by video: {len(vf5)} rows, {len(groups)} groups")
wolf = [r for r in vf5 if "wolf" in r["relative_path"]]
want = "real" if pick[-1]["attack_type"] == "none" else "spoof"
check(wolf and all(r["label"] == want for r in wolf), f"a video's attack_type gives its frames' label ({want})")

# ---- snapshot_frames.py: a made-up snapshot of the repository's layout ----
snap = os.path.join(tmp, "snap")
img = np.full((24, 32, 3), 128, np.uint8)
videos = {"train/train__real__real__client001_session01_webcam_authenticate_adverse_1": "real/none",
          "train/train__attack__hand__attack_print_client001_session01_highdef_photo_adverse": "spoof/print",
          "devel/devel__attack__fixed__attack_mobile_client003_session01_mobile_video_controlled": "spoof/replay",
          "train/train__unknown__thing": None,
          "test/test__real__real__client009_session01_webcam_authenticate_adverse_1": "never"}
for v in videos:
    os.makedirs(os.path.join(snap, "frames/replay_attack", v))
    for k in range(4):
        cv2.imwrite(os.path.join(snap, "frames/replay_attack", v, f"frame_{k:05d}.jpg"), img)
run("snapshot_frames.py", snap, os.path.join(tmp, "ra"), "--per-video", "2")
ra = rows_of(os.path.join(tmp, "ra", "MANIFEST.tsv"))
labels = {r["group"]: f"{r['label']}/{r['attack_type']}" for r in ra}
check(len(ra) == 6 and labels == {k: v for k, v in videos.items() if v and v != "never"},
      f"train and devel frames, 2 per video, labelled from the folder names; none of the test split: {labels}")
check(not os.path.exists(os.path.join(tmp, "ra", "test")) and all("research use only" in r["licence"] for r in ra),
      "no test frame is copied; every row says research use only")
check({r["relative_path"].rsplit("/", 1)[1] for r in ra} == {"frame_00000.jpg", "frame_00003.jpg"},
      "the frames picked are spread over the video (first and last of 4)")
git = shutil.which("git")
if git:  # the `fetch` tool brings a bare git directory: the same frames from it
    subprocess.run([git, "-C", snap, "init", "-q"], check=True)
    subprocess.run([git, "-C", snap, "add", "-A"], check=True)
    subprocess.run([git, "-C", snap, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "s"], check=True)
    run("snapshot_frames.py", os.path.join(snap, ".git"), os.path.join(tmp, "ra_git"), "--per-video", "2")
    check(sorted(r["relative_path"] for r in rows_of(os.path.join(tmp, "ra_git", "MANIFEST.tsv"))) ==
          sorted(r["relative_path"] for r in ra), "a git directory gives the same frames as its checkout")

# ---- attacks.py: every kind, deterministic ----
for out in ("made1", "made2"):
    run("attacks.py", "--judge", judge, "--judge", os.path.join(tmp, "vf", "MANIFEST.tsv"), "--facelive", FACELIVE,
        "--models", MODELS, "--out", os.path.join(tmp, out), "--per-source", "2", "--seed", "7")
made = rows_of(os.path.join(tmp, "made1", "MANIFEST.tsv"))
kinds = {r["attack_type"] for r in made}
check(kinds == {"print", "replay", "cutout", "mask"} and all(r["label"] == "spoof" for r in made),
      f"every kind made, all attacks: {kinds}")
check(all(sha(os.path.join(tmp, "made1", r["relative_path"])) == sha(os.path.join(tmp, "made2", r["relative_path"]))
          for r in made), "the same seed and frames give the same files, byte for byte")
check(all(os.path.exists(os.path.join(tmp, "made1", f"contact_{k}.png")) for k in kinds), "a contact sheet per kind")
base = {r["relative_path"]: r for r in pick}
src_of = {r["group"]: r["source_repo"] for r in made}
check(all(src_of[g] == base[g]["source_repo"] for g in src_of if g in base),
      "a made attack belongs to its bona fide frame's source (leaving the source out leaves it out)")
a_print = next(r for r in made if r["attack_type"] == "print" and r["group"] in base)
orig = cv2.imread(os.path.join(DATA, a_print["group"]))
fake = cv2.imread(os.path.join(tmp, "made1", a_print["relative_path"]))
check(fake is not None and fake.shape == orig.shape and float(np.abs(fake.astype(int) - orig).mean()) > 5,
      "a made print is the frame's size and not a copy of it")

# ---- scores.py: every candidate model per image ----
cache = os.path.join(tmp, "scores.json")
manifests = ["--manifest", judge, "--manifest", os.path.join(tmp, "vf", "MANIFEST.tsv"),
             "--manifest", os.path.join(tmp, "made1", "MANIFEST.tsv"), "--manifest", os.path.join(tmp, "vf5", "MANIFEST.tsv")]
run("scores.py", *manifests, "--facelive", FACELIVE, "--models", MODELS, "--out", cache)
sc = json.load(open(cache))
judged = [e for e in sc.values() if e.get("acquired")]
check(len(judged) >= 10 and all(len(e["models"]) == 5 for e in judged), "5 candidate models per judged image")
p0 = os.path.join(DATA, pick[0]["relative_path"])
h, w_ = cv2.imread(p0).shape[:2]
check(sc[p0]["crops"]["sf_pv1_org_60x80.onnx"] == [0, 0, w_ - 1, h - 1], "the whole-frame model sees the whole image")

# ---- lodo.py: the figures, recomputed by hand ----
r = run("lodo.py", "--scores", cache, "--judge", judge, "--judge", os.path.join(tmp, "vf", "MANIFEST.tsv"),
        "--made", os.path.join(tmp, "made1", "MANIFEST.tsv"), "--sessions", os.path.join(tmp, "vf5", "MANIFEST.tsv"),
        "--out", os.path.join(tmp, "lodo.json"), "--name", "default_before=pair (V2 2.7 + V1SE 4.0) @0.90",
        "--name", "default=V2 alone @0.90")
last = json.loads(r.stdout.strip().splitlines()[-1])["lodo"]
check(set(last) == {"default_before", "default"} and "hter" in last["default"] and len(last["default"]["sources"]) == 4,
      f"the last line: each role's pooled HTER and its 4 sources: {list(last)}")
rep = json.load(open(os.path.join(tmp, "lodo.json")))
v2 = "minifasnet_v2_2.7_80x80.onnx"
bona_paths = [os.path.join(DATA, x["relative_path"]) for x in pick if x["label"] == "real"] + \
    [os.path.join(tmp, "vf", x["relative_path"]) for x in vf]
bona = [sc[p] for p in bona_paths if sc[p].get("acquired") and not sc[p]["models"][v2][1]]
got = rep["V2 alone @0.90"]["pooled"]["bpcer"]
want = sum(1 for e in bona if e["models"][v2][0] < 0.9)
check(got["n"] == len(bona) and got["k"] == want,
      f"V2 alone: bona fide judged and rejected as the cache says: {got['k']}/{got['n']} vs {want}/{len(bona)}")
made_v2 = rep["V2 alone @0.90"]["made"]["apcer_all"]
want_acc = sum(1 for x in made if (e := sc[os.path.join(tmp, "made1", x["relative_path"])]).get("acquired")
               and not e["models"][v2][1] and e["models"][v2][0] >= 0.9)
check(made_v2["k"] == want_acc, f"made attacks accepted by V2 alone: {made_v2['k']} vs {want_acc} by hand")
lodo_t = rep["V2 alone @LODO threshold"]["thresholds"]
check(len(lodo_t) == 4 and all(0.5 <= t <= 1 for t in lodo_t.values()), f"a threshold per left-out source: {lodo_t}")
check(set(rep["sessions"]["V2 alone @0.90"]) == {"mean", "min"}, "the frame fusion judged both ways")
nested = rep.get("the fixed fusion chosen on the other sources (nested)", {})
check(len(nested.get("chosen", {})) == 4, "the nested choice: a fusion chosen for each left-out source")
bad = subprocess.run([PY, os.path.join(TRAIN, "lodo.py"), "--scores", cache, "--judge", f"{small}:/nonexistent"],
                     capture_output=True, text=True)
check(bad.returncode != 0 and "no score" in bad.stderr, f"rows without scores are an error: {bad.stderr[-200:]}")

# ---- research.py: one short epoch per fold ----
res = os.path.join(tmp, "research")
run("research.py", "--scores", cache, "--judge", judge, "--made", os.path.join(tmp, "made1", "MANIFEST.tsv"),
    "--facelive", FACELIVE, "--models", MODELS, "--out", res, "--epochs", "1",
    "--folds", "wenhua-chen/wenhua-chen.github.io;WOLF-huo/face_liveness,lestari15/CNN-face-detection", timeout=900)
prov = json.load(open(os.path.join(res, "folds", "0", "provenance.json")))
check(prov["left_out"] == ["wenhua-chen/wenhua-chen.github.io"] and "wenhua-chen/wenhua-chen.github.io" not in
      prov["sources"], f"fold 0 was trained without its left-out source: {prov['sources']}")
ls = json.load(open(os.path.join(res, "lodo_scores.json")))
folds = {"wenhua-chen/wenhua-chen.github.io", "WOLF-huo/face_liveness", "lestari15/CNN-face-detection"}
want_keys = {os.path.join(DATA, x["relative_path"]) for x in pick if x["source_repo"] in folds and x["label"] != "video"} | \
    {os.path.join(tmp, "made1", x["relative_path"]) for x in made if x["source_repo"] in folds}
check(set(ls) == want_keys and all(e["models"].keys() == {"research"} for e in ls.values() if e.get("acquired")),
      f"fold scores: exactly the left-out sources' rows and made attacks ({len(ls)} vs {len(want_keys)})")
lst = open(os.path.join(res, "pack", "antispoof_models.tsv")).read()
check("research use only" in lst and "research.onnx" in lst, "the pack's list says research use only")
r = subprocess.run([FACELIVE, "check", "--json", "--models", os.path.join(res, "pack"), "--model-list",
                    os.path.join(res, "pack", "antispoof_models.tsv"), p0], capture_output=True, text=True)
d = json.loads(r.stdout.splitlines()[0])
check(d["model_list"][0]["licence"].startswith("research use only") and "score" in d,
      f"the research pack judges in C and names its licence: {d.get('model_list')}")

# ---- the model list's columns: one source (config/antispoof_models.tsv), the same in C and here ----
sys.path.insert(0, TRAIN)
import model_list  # noqa: E402
import texture  # noqa: E402
cfg_header = [line for line in open(model_list.CONFIG) if not line.startswith("#")][0].rstrip("\n").split("\t")
check(model_list.columns() == cfg_header and len(cfg_header) == 10, f"train/model_list.py reads the header: {cfg_header}")
check(lst.splitlines()[1].split("\t") == cfg_header, "research.py writes every column of the header, in order")
pack_rows = [dict(r) for r in csv.DictReader((x for x in open(model_list.CONFIG) if not x.startswith("#")),
                                             delimiter="\t")]
check(texture.list_text(pack_rows).splitlines()[0].split("\t") == cfg_header[:model_list.N_REQUIRED],
      "texture.py writes the required columns of the header")
r = subprocess.run([FACELIVE, "check", "--json", "--models", MODELS, "--model-list", "/dev/stdin", p0],
                   input=model_list.list_text(pack_rows), capture_output=True, text=True)
check(r.returncode in (0, 3, 4) and json.loads(r.stdout.splitlines()[0])["model_list"][0]["licence"].startswith("Apache"),
      f"the C runtime reads a list train/model_list.py wrote: {r.stderr[-300:]}")

# ---- the shell wrappers refuse bad usage ----
for script in ("prepare.sh", "build_pack.sh", "yardstick.sh"):
    r = subprocess.run(["bash", os.path.join(TRAIN, script)], capture_output=True, text=True)
    check(r.returncode == 2 and "usage" in r.stderr, f"{script} without arguments: usage, exit 2")

if not os.environ.get("FL_KEEP_TMP"):
    shutil.rmtree(tmp, ignore_errors=True)
print("work folder:", tmp) if os.environ.get("FL_KEEP_TMP") else None
finish()
