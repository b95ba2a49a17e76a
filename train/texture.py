"""A colour-texture anti-spoof model and its fusion with the pack, judged by leaving one source out.

The features are the runtime's own (`facelive texture`: uniform LBP(8,1) histograms of the face crop in
HSV and YCbCr); the classifier is an L2-regularised logistic regression (classes balanced), written as a
texture model file the C runtime reads through the model list (output column "texture"). The fusion is
the runtime's: the weighted mean of the listed models' p_real.

Leave one source out: for every source of MANIFEST in turn, the texture model is fitted on every other
source (and on the face crops of --extra, less that source's) and the source is judged under every
fusion: the pack's own weights (the baseline), the texture model alone, and each mix of the pack's
models (each alone, equal, one doubled) with each weight of --texture-weights. The learnt fusion: for
each left-out source, the fusion with the lowest HTER leaving one source out among the OTHER sources
(nested), applied to it. Rates are pooled over the left-out sources at the library's threshold (0.90),
with Wilson 95 % intervals and failures to acquire apart. OUT/report.json holds every figure; OUT/model/
the pack with the texture model fitted on every source and a model list with the learnt fusion's
weights when it beat the pack, else the pack's own (--write-weights chooses; the list's comment says).

usage: texture.py --manifest M --facelive F --models DIR --out OUT [--data DIR] [--extra CROPS.tsv]
                  [--crop-scale S] [--size N] [--l2 L] [--texture-weights 0.25,0.5,1] [--limit N]
                  [--no-loso] [--write-weights W1,W2,WT]"""
import argparse
import csv
import json
import math
import os
import sys
import tempfile

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from crops import facelive_lines, read_manifest  # noqa: E402
import model_list  # noqa: E402
from model_list import read_list  # noqa: E402

THRESHOLD = 0.90
N_FEATURES = 354
PACK_LIST = os.path.join(HERE, "..", "config", "antispoof_models.tsv")


def list_text(rows, extra=None):
    """A model list's text from its rows (dicts) and optional extra rows (train/model_list.py's columns)."""
    return model_list.list_text([{c: r[c] for c in model_list.columns()[:model_list.N_REQUIRED]}
                                 for r in rows + (extra or [])])


def check_rows(facelive, models, pack, crop_scale, paths):
    """`facelive check --json` with the pack plus one line at the texture's crop scale (its crop box is
    what the texture model will see; that line's own score is not used). {path: ([(p_real, degraded)
    of each line], box) or None when the runtime does not judge the image}."""
    probe = dict(pack[0], crop_scale=crop_scale, weight=1)
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        f.write(list_text(pack, [probe]))
    out = {}
    for line in facelive_lines(facelive, ["check", "--json", "--models", models, "--model-list", f.name], paths):
        d = json.loads(line)
        fr = (d.get("frames") or [{}])[0]
        models_ = fr.get("models") or []
        judged = fr.get("used") and any(not m["degraded"] for m in models_[:len(pack)])  # as the pack alone
        out[d["input"]] = ([(m["p_real"], m["degraded"]) for m in models_], models_[-1]["crop"]) if judged else None
    os.unlink(f.name)
    return out


def texture_features(facelive, crops, size, workdir):
    """The runtime's texture features of each crop (arrays of BGR pixels), through `facelive texture`."""
    paths = []
    for i, c in enumerate(crops):
        p = os.path.join(workdir, f"c{i:05d}.png")
        cv2.imwrite(p, c)  # PNG: the pixels as cut
        paths.append(p)
    feats = {}
    for line in facelive_lines(facelive, ["texture", "--size", str(size)], paths, check=True):
        p, nums = line.split("\t")
        feats[p] = np.array([float(v) for v in nums.split()], dtype=np.float64)
    return np.stack([feats[p] for p in paths])


def samples(args, pack):
    """Every row of MANIFEST (judged or not) and of --extra, with label, source, species, the pack's
    per-model p_real and the texture features of its crop."""
    rows = []
    for manifest, whole in ((args.manifest, False), (args.extra, True)):
        if not manifest:
            continue
        data = args.data if (manifest == args.manifest and args.data) else os.path.dirname(os.path.abspath(manifest))
        got = read_manifest(manifest)
        species = species_of(manifest)
        got = got[:args.limit] if args.limit else got
        paths = [os.path.join(data, g[0]) for g in got]
        checked = {} if whole else check_rows(args.facelive, args.models, pack, args.crop_scale, paths)
        for (rel, label, source), path in zip(got, paths):
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is None:
                raise SystemExit(f"texture.py: cannot read {path}")
            c = checked.get(path)
            if whole:  # a face crop already: the whole image is the face
                crop, cnn = img, None
            elif c is None:
                rows.append({"path": rel, "label": label, "source": source, "species": species.get(rel, "none"),
                             "acquired": False, "extra": False})
                continue
            else:
                (x1, y1, x2, y2), cnn = c[1], c[0]
                crop = img[y1:y2 + 1, x1:x2 + 1]
            rows.append({"path": rel, "label": label, "source": source, "species": species.get(rel, "none"),
                         "acquired": True, "extra": whole, "cnn": cnn, "crop": crop})
    judged = [r for r in rows if r["acquired"]]
    with tempfile.TemporaryDirectory() as tmp:
        x = texture_features(args.facelive, [r.pop("crop") for r in judged], args.size, tmp)
    for r, f in zip(judged, x):
        r["x"] = f
    return rows


def species_of(manifest):
    with open(manifest) as f:
        return {r["relative_path"]: r.get("attack_type") or "none" for r in csv.DictReader(f, delimiter="\t")}


def fit(x, y, l2):
    """L2-regularised logistic regression by Newton's method, classes weighted to count equally.
    Returns (mean, scale, weight, bias) in the texture model file's terms."""
    mean = x.mean(0)
    scale = np.maximum(x.std(0), 1e-4)
    z = (x - mean) / scale
    a = np.hstack([z, np.ones((len(z), 1))])
    sw = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1)) * len(y)
    w = np.zeros(a.shape[1])
    reg = np.full(a.shape[1], l2)
    reg[-1] = 0  # the bias is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (sw * (p - y)) + reg * w
        hess = (a * (sw * p * (1 - p))[:, None]).T @ a + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, w[:-1], w[-1]


def p_texture(model, x):
    mean, scale, weight, bias = model
    return 1 / (1 + np.exp(-(bias + ((x - mean) / scale) @ weight)))


def write_texture_model(path, model, note):
    mean, scale, weight, bias = model
    fmt = lambda v: " ".join(f"{float(t):.9g}" for t in v)
    with open(path, "w") as f:
        f.write(f"# {note}\nfacelive-texture\t1\nfeatures\tlbp8u2-hsv-ycbcr\n")
        f.write(f"mean\t{fmt(mean)}\nscale\t{fmt(scale)}\nweight\t{fmt(weight)}\nbias\t{float(bias):.9g}\n")


def read_texture_model(path):
    """A texture model file's (mean, scale, weight, bias), as write_texture_model wrote it."""
    vals = {}
    for line in open(path):
        if line.strip() and not line.startswith("#"):
            key, text = line.rstrip("\n").split("\t")
            vals[key] = text
    num = lambda k: np.array([float(v) for v in vals[k].split()])
    return num("mean"), num("scale"), num("weight"), float(vals["bias"])


def fused(cnn, p_tex, weights):
    """The runtime's fusion: the weighted mean of the p_real of the models whose crop kept its scale.
    cnn: the check's [(p_real, degraded)] of the pack's lines then of the probe at the texture's scale
    (whose degraded flag is the texture model's); weights: one per pack model, then the texture's."""
    terms = [(w, p, d) for w, (p, d) in zip(weights[:-1], cnn)] + [(weights[-1], p_tex, cnn[-1][1])]
    num = sum(w * p for w, p, d in terms if not d and w > 0)
    den = sum(w for w, p, d in terms if not d and w > 0)
    return num / den if den else 0.0


def wilson(k, n):
    if n == 0:
        return None
    z, p = 1.959964, k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [max(0.0, c - h), min(1.0, c + h)]


def rates(rows, key):
    """BPCER, APCER per species and worst, HTER and EER of rows' scores rows[i][key] at THRESHOLD."""
    acq = [r for r in rows if r["acquired"]]
    bona = [r[key] for r in acq if r["label"] == 1]
    att = [(r[key], r["species"]) for r in acq if r["label"] == 0]
    rej = sum(s < THRESHOLD for s in bona)
    acc = sum(s >= THRESHOLD for s, _ in att)
    per = {}
    for sp in sorted({s for _, s in att}):
        got = [s for s, k in att if k == sp]
        per[sp] = {"accepted": sum(s >= THRESHOLD for s in got), "n": len(got)}
    apcer = max((v["accepted"] / v["n"] for v in per.values()), default=None)
    bpcer = rej / len(bona) if bona else None
    far = acc / len(att) if att else None
    return {"bona_fide": len(bona), "rejected": rej, "bpcer": bpcer, "bpcer_ci": wilson(rej, len(bona)),
            "attacks": len(att), "accepted": acc, "far": far, "far_ci": wilson(acc, len(att)),
            "apcer_max": apcer, "apcer_by_species": per,
            "hter": None if bpcer is None or far is None else (bpcer + far) / 2, "eer": eer(bona, [s for s, _ in att]),
            "fta_bona_fide": sum(1 for r in rows if not r["acquired"] and r["label"] == 1),
            "fta_attacks": sum(1 for r in rows if not r["acquired"] and r["label"] == 0)}


def eer(bona, att):
    """The rate where the share of attacks accepted equals the share of bona fide rejected."""
    if not bona or not att:
        return None
    best = None
    for t in sorted(set(bona) | set(att) | {0.0, 1.0 + 1e-9}):
        frr = sum(s < t for s in bona) / len(bona)
        far = sum(s >= t for s in att) / len(att)
        if best is None or abs(far - frr) < best[0]:
            best = (abs(far - frr), (far + frr) / 2)
    return best[1]


def configurations(n_pack, texture_weights):
    """Fusion weights to compare: the pack's default (every model 1, no texture) first, the texture
    model alone, then each mix of the pack's models (each alone, equal, one doubled) with each texture
    weight (0 included)."""
    mixes = [tuple(1.0 for _ in range(n_pack))]
    for i in range(n_pack):
        mixes += [tuple(1.0 if j == i else 0.0 for j in range(n_pack)),
                  tuple(2.0 if j == i else 1.0 for j in range(n_pack))]
    out = [mixes[0] + (0.0,), tuple(0.0 for _ in range(n_pack)) + (1.0,)]
    for m in mixes:
        for t in [0.0] + texture_weights:
            if m + (t,) not in out:
                out.append(m + (t,))
    return out


def name(w):
    return "w=" + ",".join(f"{v:g}" for v in w)


def score(rows, model, configs):
    """Each acquired row's fused score under every configuration, as r[name(config)]."""
    for r in rows:
        if r["acquired"]:
            r["texture"] = float(p_texture(model, r["x"]))
            for c in configs:
                r[name(c)] = fused(r["cnn"], r["texture"], c)


def fit_rows(rows, l2):
    return fit(np.stack([r["x"] for r in rows]), np.array([r["label"] for r in rows], float), l2)


def held_out_scores(rows, sources, args, configs):
    """Each of `sources` left out in turn: its rows scored with a texture model fitted on the acquired
    rows of every other source among `rows` (--extra's crops included); the rows, concatenated."""
    out = []
    for s in sources:
        train = [r for r in rows if r["acquired"] and r["source"] != s]
        test = [dict(r) for r in rows if r["source"] == s and not r["extra"]]
        score(test, fit_rows(train, args.l2), configs)
        out += test
    return out


def loso(rows, args, configs):
    """Every configuration judged leaving one source out, and the learnt fusion: for each left-out
    source, the configuration with the lowest HTER leaving one source out among the OTHER sources
    (nested), applied to it."""
    sources = sorted({r["source"] for r in rows if not r["extra"]})
    report, pooled = {"per_source": {}, "chosen": {}}, []
    for s in sources:
        others = [o for o in sources if o != s]
        inner = held_out_scores([r for r in rows if r["source"] != s], others, args, configs)
        inner_hter = {c: rates(inner, name(c))["hter"] for c in configs}
        best = min(configs, key=lambda c: (2.0 if inner_hter[c] is None else inner_hter[c], configs.index(c)))
        test = held_out_scores(rows, [s], args, configs)
        report["per_source"][s] = {name(c): rates(test, name(c)) for c in configs}
        report["chosen"][s] = {"weights": name(best), "inner_hter": inner_hter[best], **rates(test, name(best))}
        for r in test:
            if r["acquired"]:
                r["chosen"] = r[name(best)]
        pooled += test
        print(f"left out {s}: the pack {fmt(report['per_source'][s][name(configs[0])])}; fusion chosen on the "
              f"others {name(best)}: {fmt(report['chosen'][s])}", flush=True)
    report["pooled"] = {name(c): rates(pooled, name(c)) for c in configs}
    report["pooled"]["chosen_on_the_others"] = rates(pooled, "chosen")
    return report


def fmt(r):
    f = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"
    return f"BPCER {r['rejected']}/{r['bona_fide']} APCER {f(r['apcer_max'])} HTER {f(r['hter'])} EER {f(r['eer'])}"


def write_pack(out, models, pack, model, note, weights, size, crop_scale):
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(models):
        dst = os.path.join(out, f)
        if not os.path.exists(dst):
            os.symlink(os.path.abspath(os.path.join(models, f)), dst)
    write_texture_model(os.path.join(out, "texture_lbp.txt"), model, note)
    line = {"file": "texture_lbp.txt", "input": f"{size}x{size}", "colour": "bgr", "pixel_scale": 1,
            "crop_scale": crop_scale, "output": "texture", "real_class": 1, "weight": f"{weights[-1]:g}"}
    rows = [dict(r, weight=f"{w:g}") for r, w in zip(pack, weights)] + [line]
    with open(os.path.join(out, "antispoof_models.tsv"), "w") as f:  # a weight 0 line is left out
        f.write(f"# {note}\n" + list_text([r for r in rows if float(r["weight"]) > 0]))


def main():
    ap = argparse.ArgumentParser()
    for arg in ("manifest", "facelive", "models", "out"):
        ap.add_argument("--" + arg, required=True)
    ap.add_argument("--data", default=None)
    ap.add_argument("--extra", default=None, help="a manifest of face crops (the whole image is the face)")
    ap.add_argument("--crop-scale", type=float, default=1.0)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--l2", type=float, default=10.0)
    ap.add_argument("--texture-weights", default="0.25,0.5,1")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-loso", action="store_true")
    ap.add_argument("--write-weights", default=None,
                    help="the fusion to write (one weight per pack model, then the texture's); default: the learnt "
                         "fusion when it beats the pack leaving one source out, else the pack's own weights")
    args = ap.parse_args()
    pack = read_list(PACK_LIST)
    configs = configurations(len(pack), [float(w) for w in args.texture_weights.split(",")])
    rows = samples(args, pack)
    judged = [r for r in rows if r["acquired"]]
    print(f"{len(rows)} rows, {len(judged)} judged ({sum(r['extra'] for r in judged)} face crops of --extra); "
          f"crop scale {args.crop_scale}, {args.size}x{args.size}, l2 {args.l2}; {len(configs)} fusions", flush=True)
    report = {"manifest": args.manifest, "extra": args.extra, "crop_scale": args.crop_scale, "size": args.size,
              "l2": args.l2, "threshold": THRESHOLD, "configurations": [name(c) for c in configs]}
    weights = configs[0]
    if not args.no_loso:
        report["leave_one_source_out"] = lo = loso(rows, args, configs)
        for key in [name(configs[0]), name(configs[1]), "chosen_on_the_others"]:
            print(f"pooled over the left-out sources, {key}: {fmt(lo['pooled'][key])}")
        everywhere = min(configs, key=lambda c: (lo["pooled"][name(c)]["hter"], configs.index(c)))
        print(f"best fixed fusion in hindsight (chosen on the left-out rows themselves: not a result): "
              f"{name(everywhere)} {fmt(lo['pooled'][name(everywhere)])}")
        beats = lo["pooled"]["chosen_on_the_others"]["hter"] < lo["pooled"][name(configs[0])]["hter"]
        report["learnt_fusion_beats_pack"] = bool(beats)
        weights = everywhere if beats else configs[0]
    model = fit_rows(judged, args.l2)
    why = ("" if args.no_loso else " (the learnt fusion beat the pack leaving one source out)"
           if report["learnt_fusion_beats_pack"] else " (no fusion beat the pack leaving one source out: the pack's "
                                                       "own weights)")
    if args.write_weights:
        weights, why = tuple(float(w) for w in args.write_weights.split(",")), " (asked for: --write-weights)"
        if len(weights) != len(pack) + 1:
            raise SystemExit(f"texture.py: --write-weights needs {len(pack) + 1} weights")
    note = (f"texture model fitted by train/texture.py on every row of {os.path.basename(args.manifest)}"
            + (f" and {os.path.basename(args.extra)}" if args.extra else "") + f"; fusion {name(weights)}" + why)
    write_pack(os.path.join(args.out, "model"), args.models, pack, model, note, weights, args.size, args.crop_scale)
    all_rows = [dict(r) for r in rows if not r["extra"]]
    score(all_rows, model, [weights])
    report["written_fusion"] = name(weights)
    report["scores"] = [{k: r.get(k) for k in ("path", "label", "source", "species", "acquired", "texture")}
                        | {"fused": r.get(name(weights))} for r in all_rows]
    json.dump(report, open(os.path.join(args.out, "report.json"), "w"), indent=1)
    print(f"model: {os.path.join(args.out, 'model')} (list antispoof_models.tsv, {name(weights)}); "
          f"report {args.out}/report.json")


if __name__ == "__main__":
    main()
