"""How the quality gates treat the bona fide presentations of every source (and the attacks): for each
capture reason of `facelive analyze` (a prompt to the user: light, pose, distance, blur...) the share
of bona fide images it flags per source, and the measures behind it (lowest and 5th percentile per
source); then what the silent check refuses as unjudgeable (`facelive eval`'s failures to acquire, by
reason); and the two studies behind the silent check's limits: the models' scores on every face turned
past 20 degrees (judged with no pose limit), and on every second image darkened to 15-70 % of its light
(judged with no brightness limit), by face brightness. docs/accuracy.md ("Acquisition") is written
from its output.

usage: acquisition.py MANIFEST FACELIVE MODELS OUT.json"""
import csv
import json
import os
import subprocess
import sys
import tempfile

import cv2

from crops import facelive_lines

MEASURES = ("brightness", "backlight_ratio", "sharpness", "yaw", "pitch", "roll", "face_ratio")


def rows_of(manifest):
    with open(manifest) as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r.get("label") in ("real", "spoof")]


def analyse(facelive, models, paths):
    out = {}
    for line in facelive_lines(facelive, ["analyze", "--json", "--models", models], paths):
        d = json.loads(line)
        if d.get("faces"):
            d["face_ratio"] = d["faces"][0]["box"][2] / d["width"]
        out[d.get("image")] = d
    return out


def percentile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else None


def survey(rows, analysed, data):
    report = {}
    for label in ("real", "spoof"):
        by_source = {}
        for r in rows:
            if r["label"] != label:
                continue
            d = analysed.get(os.path.join(data, r["relative_path"]), {})
            s = by_source.setdefault(r.get("source_repo") or "all", {"n": 0, "reasons": {}, "values": {}})
            s["n"] += 1
            for reason in {x["reason"] for x in d.get("reasons", [])}:
                s["reasons"][reason] = s["reasons"].get(reason, 0) + 1
            for m in MEASURES:
                if m in d:
                    s["values"].setdefault(m, []).append(abs(d[m]) if m in ("yaw", "pitch", "roll") else d[m])
        for s in by_source.values():
            vals = s.pop("values")
            s["lowest"] = {m: round(min(v), 3) for m, v in vals.items()}
            s["p5"] = {m: round(percentile(v, 0.05), 3) for m, v in vals.items()}
            s["highest"] = {m: round(max(v), 3) for m, v in vals.items()}
        report["bona_fide" if label == "real" else "attacks"] = by_source
    return report


def not_acquired(facelive, models, manifest):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([facelive, "eval", manifest, "--models", models, "--out", tmp], capture_output=True)
        rep = json.load(open(os.path.join(tmp, "report.json")))
    out = {}
    for s in rep["scores"]:
        if not s["acquired"]:
            key = "bona_fide" if s["species"] == "bona_fide" else "attacks"
            why = s.get("not_acquired_because", "unknown")
            out.setdefault(key, {}).setdefault(why, []).append(s["path"])
    return out


def scores(facelive, models, paths, *options):
    """{path: (score, used)} from `facelive check --json` with the given options."""
    out = {}
    for line in facelive_lines(facelive, ["check", "--json", "--models", models, *options], paths):
        d = json.loads(line)
        out[d["input"]] = (d.get("score"), bool(d.get("frames") and d["frames"][0].get("used")))
    return out


def pose_study(facelive, models, rows, analysed, data):
    """Every face turned past 20 degrees (the largest of |yaw|, |pitch|, |roll|), judged with no pose
    limit: its angles, label and score."""
    turned = []
    for r in rows:
        path = os.path.join(data, r["relative_path"])
        d = analysed.get(path, {})
        if "yaw" in d and max(abs(d["yaw"]), abs(d["pitch"]), abs(d["roll"])) > 20:
            turned.append((path, r))
    got = scores(facelive, models, [p for p, _ in turned], "--max-pose", "90,90,180")
    out = []
    for path, r in turned:
        d = analysed[path]
        out.append({"path": r["relative_path"], "label": r["label"], "species": r.get("attack_type"),
                    "yaw": d["yaw"], "pitch": d["pitch"], "roll": d["roll"], "score": got[path][0]})
    return sorted(out, key=lambda x: max(abs(x["yaw"]), abs(x["pitch"]), abs(x["roll"])))


def light_study(facelive, models, rows, data):
    """Every second image darkened to 15, 25, 35, 50 and 70 % of its light, judged with no brightness
    limit: per band of face brightness, how many bona fide faces score real (>= 0.90) or spoof (< 0.50)
    and how many attacks score real."""
    bands = [(0, 15), (15, 25), (25, 35), (35, 50), (50, 80), (80, 256)]
    counts = {f"{lo}-{hi}": {"bona_fide": 0, "bona_fide_real": 0, "bona_fide_spoof": 0, "attacks": 0,
                             "attacks_real": 0} for lo, hi in bands}
    with tempfile.TemporaryDirectory() as tmp:
        made = []
        for i, r in enumerate(rows[::2]):
            img = cv2.imread(os.path.join(data, r["relative_path"]), cv2.IMREAD_COLOR)
            for k in (0.15, 0.25, 0.35, 0.5, 0.7):
                p = os.path.join(tmp, f"{i:03d}_{k:.2f}.png")
                cv2.imwrite(p, (img * k).astype("uint8"))
                made.append((p, r["label"] == "real"))
        light = analyse(facelive, models, [p for p, _ in made])
        got = scores(facelive, models, [p for p, _ in made], "--min-brightness", "0")
        for p, real in made:
            score, used = got.get(p, (None, False))
            if not used or "brightness" not in light.get(p, {}):
                continue
            b = light[p]["brightness"]
            c = counts[next(f"{lo}-{hi}" for lo, hi in bands if lo <= b < hi)]
            if real:
                c["bona_fide"] += 1
                c["bona_fide_real"] += score >= 0.9
                c["bona_fide_spoof"] += score < 0.5
            else:
                c["attacks"] += 1
                c["attacks_real"] += score >= 0.9
    return counts


def main():
    manifest, facelive, models, out = sys.argv[1:5]
    data = os.path.dirname(os.path.abspath(manifest))
    rows = rows_of(manifest)
    analysed = analyse(facelive, models, [os.path.join(data, r["relative_path"]) for r in rows])
    report = {"manifest": manifest, "capture_prompts": survey(rows, analysed, data),
              "silent_check_not_acquired": not_acquired(facelive, models, manifest),
              "pose_study": pose_study(facelive, models, rows, analysed, data),
              "light_study": light_study(facelive, models, rows, data)}
    json.dump(report, open(out, "w"), indent=1)
    for kind, by_source in report["capture_prompts"].items():
        print(f"{kind}: images flagged by each capture prompt, per source")
        for src, s in sorted(by_source.items()):
            flagged = ", ".join(f"{k} {v}" for k, v in sorted(s["reasons"].items())) or "none"
            print(f"  {src} ({s['n']}): {flagged}")
            print(f"    lowest {s['lowest']}\n    highest {s['highest']}")
    for kind, why in report["silent_check_not_acquired"].items():
        print(f"silent check, {kind} not acquired: " + ", ".join(f"{k} {len(v)}" for k, v in why.items()))
    print("faces turned past 20 degrees, judged with no pose limit (yaw, pitch, roll: score):")
    for t in report["pose_study"]:
        score = "-" if t["score"] is None else f"{t['score']:.3f}"
        print(f"  {t['label']:5} {t['species'] or '':8} {t['yaw']:6.1f} {t['pitch']:6.1f} {t['roll']:6.1f}: {score}"
              f"  {t['path']}")
    print("images darkened, judged with no brightness limit, by face brightness:")
    for band, c in report["light_study"].items():
        print(f"  {band:>7}: bona fide {c['bona_fide_real']}/{c['bona_fide']} real, {c['bona_fide_spoof']} spoof; "
              f"attacks {c['attacks_real']}/{c['attacks']} real")
    print(f"report {out}")


if __name__ == "__main__":
    main()
