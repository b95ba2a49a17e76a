"""The facelive program end to end: analyze, check and eval on real images of the data set.

usage: test_cli.py FACELIVE MODELS_DIR DATA_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

from checks import check, finish

EXE, MODELS, DATA = sys.argv[1:4]
TMP = tempfile.mkdtemp(prefix="fl_cli_test_")


def run(*args):
    p = subprocess.run([EXE, *map(str, args)], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


T1 = os.path.join(DATA, "silent_face_minivision/image_T1.jpg")
F2 = os.path.join(DATA, "silent_face_minivision/image_F2.jpg")
black = os.path.join(TMP, "black.png")
cv2.imwrite(black, np.zeros((240, 320, 3), np.uint8))
corrupt = os.path.join(TMP, "corrupt.jpg")
open(corrupt, "wb").write(open(T1, "rb").read()[:2000])

# analyze
rc, out, err = run("analyze", "--models", MODELS, "--json", T1, "--draw", os.path.join(TMP, "t1.png"))
d = json.loads(out)
check(rc == 0 and len(d["faces"]) == 1 and d["quality_ok"] and "yaw" in d and len(d["keypoints"]) == 9,
      f"analyze --json image_T1: {out[:200]} {err}")
drawn = cv2.imread(os.path.join(TMP, "t1.png"))
check(drawn is not None and drawn.shape == cv2.imread(T1).shape, "--draw writes a PNG of the frame's size")
rc, out, err = run("analyze", "--models", MODELS, "--json", corrupt)
check(rc == 1 and json.loads(out)["error"] == "FL_E_IMAGE_CORRUPT", f"analyze of a truncated JPEG: {rc} {out}")
rc, out, err = run("analyze", "--models", MODELS, "--json", black)
check(rc == 0 and json.loads(out)["reasons"][0]["reason"] == "no_face", f"analyze of a black frame: {out}")
rc, out, err = run("analyze")
check(rc == 2 and "usage" in err, "analyze without images: usage, exit 2")

# check
rc, out, err = run("check", "--models", MODELS, "--json", T1, F2, black)
v = [json.loads(line) for line in out.splitlines()]
check(rc == 3 and [x["decision"] for x in v] == ["real", "spoof", "uncertain"],
      f"check: image_T1 real, image_F2 spoof, black uncertain, exit 3 (the worst): {rc} "
      f"{[x.get('decision') for x in v]}")
check("score" in v[0] and "score" not in v[2], "an uncertain verdict without a judged frame has no score")
# provenance: each model of the list with its licence and training data (config/antispoof_models.tsv)
ml = v[0].get("model_list") or []
check([m["file"] for m in ml] == ["minifasnet_v2_2.7_80x80.onnx", "sf_apk_v1se_4.0_80x80.onnx"] and
      all(m["licence"].startswith("Apache-2.0") and m["trained_on"] for m in ml),
      f"check --json names each model of the default list with its licence and training data: {ml}")
rc, out, err = run("models", "--models", MODELS, "--runs", "1")
check(rc == 0 and "anti-spoof model list (the library's default)" in out and out.count("licence: Apache-2.0") == 2
      and "trained on: the authors' own data" in out, f"models prints the default list's provenance: {out[-600:]}")
frame_list = os.path.join(TMP, "frame_list.tsv")
with open(frame_list, "w") as f:
    f.write("file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\n"
            "sf_pv1_org_60x80.onnx\t60x80\tbgr\t1\tframe\tlogits\t1\t1\n")
rc, out, err = run("check", "--models", MODELS, "--model-list", frame_list, "--json", T1)
d = json.loads(out.splitlines()[0]) if out else {}
m0 = ((d.get("frames") or [{}])[0].get("models") or [{}])[0]
check(m0.get("scale") == "frame" and d["model_list"][0]["licence"] == "" and not m0.get("degraded"),
      f"a whole-frame model (crop_scale frame) judges; a list without licence columns says none: {m0}")
for img, want in ((T1, 0), (F2, 3), (black, 4)):
    rc, out, err = run("check", "--models", MODELS, img)
    word = {0: "REAL", 3: "SPOOF", 4: "UNCERTAIN"}[want]
    check(rc == want and out.splitlines()[0].startswith(f"{img}: {word}") and
          (want != 4 or "score" not in out.splitlines()[0]), f"check {img}: exit {rc}, line {out.splitlines()[:1]}")
# A file name with a quote, a backslash and a tab still gives valid JSON.
odd = os.path.join(TMP, 'a "quoted"\\ \tname.jpg')
os.symlink(T1, odd)
rc, out, err = run("check", "--models", MODELS, "--json", odd)
check(rc == 0 and json.loads(out)["input"] == odd, f"check --json escapes the file name: {out[:120]}")
rc, out, err = run("analyze", "--models", MODELS, "--json", odd)
check(rc == 0 and json.loads(out)["image"] == odd, "analyze --json escapes the file name")
check(v[2]["reasons"][0]["reason"] == "no_face" and v[0]["threshold"] == 0.9, "check reports reasons and threshold")
check(len(v[0]["frames"][0]["models"]) == 2 and v[0]["frames"][0]["models"][0]["crop"][2] == 479,
      "check reports per-model scores and crops")
rc, out, err = run("check", "--models", MODELS, "--json", "--frames", T1, T1, F2)
a = json.loads(out)
check(rc in (3, 4) and len(a["frames"]) == 3 and a["decision"] != "real",
      f"--frames fuses an attempt: {a.get('decision')}, exit {rc}")
rc, out, err = run("check", "--models", MODELS, "--frames", *([T1] * 17))
check(rc == 2, "--frames with 17 images: usage error")
rc, out, err = run("check", "--models", MODELS, corrupt)
check(rc == 1 and "FL_E_IMAGE_CORRUPT" in err, "check of a truncated JPEG")
bad_list = os.path.join(TMP, "list.tsv")
open(bad_list, "w").write("file\tinput\n")
rc, out, err = run("check", "--models", MODELS, "--model-list", bad_list, T1)
check(rc == 1 and "list.tsv:1" in err, f"check with a broken model list: {err}")

# help and version
rc, out, err = run("help")
check(rc == 0 and all(c in out for c in ("check", "video", "analyze", "eval", "models", "Exit status")),
      "help lists every command and the exit statuses")
rc, out, err = run("--version")
check(rc == 0 and out.startswith("facelive ") and "library" in out, f"--version: {out}")
for cmd in ("check", "video", "analyze", "eval", "models"):
    rc, out, err = run(cmd, "--help")
    check(rc == 0 and out.startswith(f"usage: facelive {cmd}") and "Exit status" in out, f"{cmd} --help")
# Models are found without --models through $FACELIVE_MODELS, from any folder.
p = subprocess.run([EXE, "check", T1], capture_output=True, text=True, cwd=TMP,
                   env={**os.environ, "FACELIVE_MODELS": MODELS})
check(p.returncode == 0 and "REAL" in p.stdout, f"FACELIVE_MODELS finds the models: {p.stderr}")
p = subprocess.run([EXE, "check", T1], capture_output=True, text=True, cwd=TMP,
                   env={k: v for k, v in os.environ.items() if k != "FACELIVE_MODELS"})
check(p.returncode == 1 and "FACELIVE_MODELS" in p.stderr and "./models" in p.stderr,
      f"without models the error names every place looked at: {p.stderr}")

# models --profile: every node of a model timed alone, with its arithmetic
rc, out, err = run("models", "--profile", os.path.join(MODELS, "minifasnet_v1se_4.0_80x80.onnx"), "--runs", "2", "--json")
prof = json.loads(out) if rc == 0 else {}
check(rc == 0 and len(prof.get("nodes", [])) > 50 and abs(prof["gflop"] - 0.0818) < 0.001 and prof["total_ms"] > 0,
      f"models --profile: {rc} {err} {str(prof)[:100]}")
# YuNet's backbone is one row pipeline: one step of many nodes on facelive's NHWC kernels, whose
# GFLOP count in the total
rc, out, err = run("models", "--profile", os.path.join(MODELS, "yunet_n_320_320.onnx"), "--runs", "1", "--json")
prof = json.loads(out) if rc == 0 else {}
pipes = [s for s in prof.get("nodes", []) if s.get("kernel") == "nhwc"]
check(rc == 0 and pipes and max(s["nodes"] for s in pipes) > 10 and abs(prof["gflop"] - 0.2712) < 0.001,
      f"models --profile yunet: {rc} {err} {[(s['name'], s['nodes']) for s in pipes]}")
rc, out, err = run("models", "--profile", os.path.join(TMP, "nope.onnx"))
check(rc == 1 and "nope.onnx" in err, f"models --profile of a missing file: {rc} {err}")

# eval
man = os.path.join(TMP, "m.tsv")
rows = [("image_T1.jpg", "real", "none"), ("image_F2.jpg", "spoof", "replay"),
        ("image_F1.jpg", "spoof", "print"), ("image_T2.jpg", "real", "none"),
        ("clip.mp4", "video", "none"), ("missing.jpg", "real", "none")]
for name in ("image_T1.jpg", "image_F2.jpg", "image_F1.jpg", "image_T2.jpg"):
    os.symlink(os.path.join(DATA, "silent_face_minivision", name), os.path.join(TMP, name))
with open(man, "w") as f:
    f.write("relative_path\tlabel\tattack_type\tsplit\n")
    for i, r in enumerate(rows):
        f.write("\t".join(r) + "\t" + ("dev" if i % 2 else "test") + "\n")
out_dir = os.path.join(TMP, "ev")
rc, out, err = run("eval", man, "--models", MODELS, "--json", "--out", out_dir)
rep = json.loads(out)
keys = ["n_bona_fide", "n_attack", "threshold", "apcer_by_species", "apcer_max", "bpcer", "far", "frr", "hter", "eer",
        "bpcer20", "bpcer100", "failures_to_acquire"]
check(rc == 0 and all(k in rep for k in keys), f"eval --json keys: {sorted(rep)}")
check(rep["n_bona_fide"] == 2 and rep["n_attack"] == 2 and rep["rows_skipped"] == 1 and rep["unreadable"] == 1,
      f"eval counts: {rep['n_bona_fide']} {rep['n_attack']} {rep['rows_skipped']} {rep['unreadable']}")
check(set(rep["apcer_by_species"]) == {"replay", "print"}, "species from attack_type")
check(os.path.getsize(os.path.join(out_dir, "det.svg")) > 500 and
      json.load(open(os.path.join(out_dir, "report.json")))["n_attack"] == 2, "eval writes det.svg and report.json")
# why rows were not acquired: the paper mask's head is bowed 38 degrees, past what the models judge
why = os.path.join(TMP, "why.tsv")
os.symlink(os.path.join(DATA, "wenhua_chen_blog", "0_5_10149_11_001_scene.jpg"), os.path.join(TMP, "mask.jpg"))
with open(why, "w") as f:
    f.write("relative_path\tlabel\tattack_type\nimage_T1.jpg\treal\tnone\nmask.jpg\tspoof\tmask\n")
rc, out, err = run("eval", why, "--models", MODELS, "--out", os.path.join(TMP, "why"))
scores = {r["path"]: r for r in json.load(open(os.path.join(TMP, "why", "report.json")))["scores"]}
check(rc == 0 and "not acquired, by reason: pose (bona fide 0, attacks 1)" in out and
      scores["mask.jpg"].get("not_acquired_because") == "pose" and "not_acquired_because" not in scores["image_T1.jpg"],
      f"eval says why rows were not acquired: {out} {scores}")
# what the check can judge is an option: with no pose limit the bowed mask is judged (and passes:
# the models cannot see this paper mask), at the default it is not
mask = os.path.join(TMP, "mask.jpg")
rc, out, err = run("check", mask, "--models", MODELS, "--json", "--max-pose", "90,90,180")
check(rc == 0 and json.loads(out)["decision"] == "real", f"--max-pose 90,90,180 judges the mask: {rc} {out[:160]}")
rc, out, err = run("check", mask, "--models", MODELS, "--json")
check(rc == 4 and json.loads(out)["reasons"][0]["reason"] == "pose", f"by default it is not judged: {rc} {out[:200]}")
rc, out, err = run("eval", why, "--models", MODELS, "--out", os.path.join(TMP, "why2"), "--max-pose", "90,90,180")
check(rc == 0 and "not acquired" not in out, f"eval --max-pose acquires it: {out}")
for bad in (["--max-pose", "90,90"], ["--max-pose", "91,30,25"], ["--min-brightness", "300"]):
    rc, out, err = run("check", mask, "--models", MODELS, *bad)
    check(rc == 2 and bad[0] in err, f"check {bad}: usage error naming the option: {rc} {err}")
rc, out, err = run("eval", man, "--models", MODELS, "--json", "--out", out_dir, "--calibrate", "--target-apcer", "0")
rep = json.loads(out)
check(rc == 0 and "calibration" in rep and "test" in rep["calibration"], "eval --calibrate reports the test split")
# per source: the source_repo column groups rows; --calibrate adds leave-one-source-out
by_src = os.path.join(TMP, "sources.tsv")
with open(by_src, "w") as f:
    f.write("relative_path\tlabel\tattack_type\tsource_repo\n")
    for name, label, species, src in (("image_T1.jpg", "real", "none", "a/one"), ("image_F2.jpg", "spoof", "replay", "a/one"),
                                      ("image_T2.jpg", "real", "none", "b/two"), ("image_F1.jpg", "spoof", "print", "b/two")):
        f.write(f"{name}\t{label}\t{species}\t{src}\n")
rc, out, err = run("eval", by_src, "--models", MODELS, "--json", "--out", out_dir)
rep = json.loads(out)
check(rc == 0 and rep.get("group_by") == "source_repo" and sorted(rep.get("by_group", {})) == ["a/one", "b/two"] and
      rep["by_group"]["a/one"]["n_bona_fide"] == 1 and "leave_one_group_out" not in rep,
      f"eval groups rows by source_repo: {rep.get('group_by')} {sorted(rep.get('by_group', {}))}")
rc, out, err = run("eval", by_src, "--models", MODELS, "--json", "--out", out_dir, "--calibrate", "--target-apcer", "0")
rep = json.loads(out)
loso = rep.get("leave_one_group_out", {})
check(rc == 0 and sorted(loso.get("groups", {})) == ["a/one", "b/two"] and "pooled" in loso and
      loso["pooled"]["eer"] is None, f"eval --calibrate leaves one source out in turn: {sorted(loso)}")
rc, out, err = run("eval", by_src, "--models", MODELS, "--json", "--out", out_dir, "--group-by", "none")
check(rc == 0 and "by_group" not in json.loads(out), "--group-by none: no grouping")
rc, out, err = run("eval", by_src, "--models", MODELS, "--group-by", "nosuch", "--out", out_dir)
check(rc == 1 and "nosuch" in err, f"--group-by a missing column: {rc} {err}")
rc, out, err = run("eval", os.path.join(TMP, "nope.tsv"), "--models", MODELS)
check(rc == 1 and "nope.tsv" in err, "eval of a missing manifest")
open(man, "w").write("path\tlabel\n")
rc, out, err = run("eval", man, "--models", MODELS)
check(rc == 1 and "relative_path" in err, "eval of a manifest without the needed columns")

finish()
