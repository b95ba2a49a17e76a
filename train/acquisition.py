"""How the quality gates treat the bona fide presentations of every source (and the attacks): for each
capture reason of `facelive analyze` (a prompt to the user: light, pose, distance, blur...) the share
of bona fide images it flags per source, and the measures behind it (lowest and 5th percentile per
source); then what the silent check refuses as unjudgeable (`facelive eval`'s failures to acquire, by
reason). docs/accuracy.md ("Acquisition") is written from its output.

usage: acquisition.py MANIFEST FACELIVE MODELS OUT.json"""
import csv
import json
import os
import subprocess
import sys
import tempfile

MEASURES = ("brightness", "backlight_ratio", "sharpness", "yaw", "pitch", "roll", "face_ratio")


def rows_of(manifest):
    with open(manifest) as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r.get("label") in ("real", "spoof")]


def analyse(facelive, models, paths):
    out = {}
    for i in range(0, len(paths), 100):
        r = subprocess.run([facelive, "analyze", "--json", "--models", models] + paths[i:i + 100],
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
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


def main():
    manifest, facelive, models, out = sys.argv[1:5]
    data = os.path.dirname(os.path.abspath(manifest))
    rows = rows_of(manifest)
    analysed = analyse(facelive, models, [os.path.join(data, r["relative_path"]) for r in rows])
    report = {"manifest": manifest, "capture_prompts": survey(rows, analysed, data),
              "silent_check_not_acquired": not_acquired(facelive, models, manifest)}
    json.dump(report, open(out, "w"), indent=1)
    for kind, by_source in report["capture_prompts"].items():
        print(f"{kind}: images flagged by each capture prompt, per source")
        for src, s in sorted(by_source.items()):
            flagged = ", ".join(f"{k} {v}" for k, v in sorted(s["reasons"].items())) or "none"
            print(f"  {src} ({s['n']}): {flagged}")
            print(f"    lowest {s['lowest']}\n    highest {s['highest']}")
    for kind, why in report["silent_check_not_acquired"].items():
        print(f"silent check, {kind} not acquired: " + ", ".join(f"{k} {len(v)}" for k, v in why.items()))
    print(f"report {out}")


if __name__ == "__main__":
    main()
