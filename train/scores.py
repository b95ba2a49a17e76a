"""Every anti-spoof model's p_real on every labelled image, from the C runtime, cached.

`facelive check --json` runs once per image with a model list that holds every candidate model
(train/candidates.tsv); each model's p_real and whether its crop was degraded (the runtime then
drops its vote) are kept, so any fusion of the candidates is computed without running them again,
exactly as the runtime would fuse them (the weighted mean of the votes that count). The cache is a
JSON file keyed by image path; an image the runtime does not judge (no face, head turned too far,
too dark) has "acquired": false for every candidate.

Rows come from one or more manifests (relative_path, label, attack_type, source_repo; optional
group: the video a frame comes from), each with the folder its paths are relative to.

usage: scores.py --manifest M[:ROOT] ... --facelive BIN --models DIR --out CACHE.json [--list L]"""
import argparse
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from crops import LABELS, facelive_lines  # noqa: E402

CANDIDATES = os.path.join(HERE, "candidates.tsv")


def read_rows(spec):
    """The real and spoof rows of 'MANIFEST[:ROOT]' (ROOT: the manifest's folder by default) as dicts
    with the image's path, label (1 real, 0 attack), kind (none for bona fide), source and group."""
    manifest, _, root = spec.partition(":")
    root = root or os.path.dirname(os.path.abspath(manifest))
    rows = []
    with open(manifest) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r.get("label") not in LABELS:
                continue
            rows.append({"path": os.path.join(root, r["relative_path"]), "rel": r["relative_path"],
                         "label": LABELS[r["label"]], "kind": r.get("attack_type") or "unknown",
                         "source": r.get("source_repo") or "all", "group": r.get("group") or r["relative_path"]})
    return rows


def list_files(list_path):
    """The model files of a model list, in order."""
    lines = [l for l in open(list_path) if l.strip() and not l.startswith("#")]
    return [r["file"] for r in csv.DictReader(lines, delimiter="\t")]


def parse_check(line, files):
    """(path, {"acquired", "models": {file: [p_real, degraded]}, "face"}) of one JSON line."""
    d = json.loads(line)
    fr = (d.get("frames") or [{}])[0]
    if not fr.get("used"):
        return d["input"], {"acquired": False, "reasons": fr.get("reasons") or d.get("reasons") or d.get("error")}
    ms = fr["models"]
    return d["input"], {"acquired": True, "models": {f: [m["p_real"], m["degraded"]] for f, m in zip(files, ms)},
                        "crops": {f: m["crop"] for f, m in zip(files, ms)}}


def score(paths, facelive, models, list_path, cache):
    """Fills cache (path -> entry) for the paths not in it yet; returns how many were scored."""
    files = list_files(list_path)
    todo = [p for p in paths if p not in cache]
    args = ["check", "--json", "--models", models, "--model-list", list_path]
    for line in facelive_lines(facelive, args, todo):
        path, entry = parse_check(line, files)
        cache[path] = entry
    for p in todo:  # an input the runtime could not read at all is still a failure to acquire
        cache.setdefault(p, {"acquired": False, "reasons": "unreadable"})
    return len(todo)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", action="append", required=True)
    ap.add_argument("--facelive", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--list", default=CANDIDATES)
    a = ap.parse_args()
    cache = json.load(open(a.out)) if os.path.exists(a.out) else {}
    rows = [r for m in a.manifest for r in read_rows(m)]
    n = score([r["path"] for r in rows], a.facelive, a.models, a.list, cache)
    json.dump(cache, open(a.out, "w"))
    print(f"{len(rows)} rows, {n} scored now, {sum(1 for r in rows if cache[r['path']]['acquired'])} judged")


if __name__ == "__main__":
    main()
