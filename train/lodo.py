"""The yardstick: every candidate judged leaving one data set out.

For each source (a data set: its source_repo) in turn, whatever a candidate learns (a threshold, the
weights of a fusion) is chosen on the other sources only, and the source is judged with it; the
pooled figures count every source's decisions made that way. Candidates are fusions of the models'
p_real that train/scores.py cached (the runtime's fusion: the weighted mean of the votes whose crop
is not degraded), each at the library's threshold 0.90 (nothing learnt) and at a threshold chosen on
the other sources (lowest HTER there), and a logistic fusion of every model's logit, fitted and
calibrated on the other sources (its output is a probability; the threshold is then chosen as well).

Judged rows: the manifests given with --judge (one frame per video or image). Rows of --train-only
manifests (more frames of the same videos) are used only to learn, never judged, and count as their
source_repo: when that source is left out, they are left out too.

usage: lodo.py --scores CACHE.json --judge M[:ROOT] ... [--train-only M[:ROOT]] [--extra NAME=FILE.json]
               [--candidates NAMES] [--out REPORT.json]
--extra: p_real of a model trained per left-out source (train/research.py), merged as model NAME."""
import argparse
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from rates import pick_threshold, rates  # noqa: E402
from scores import read_rows  # noqa: E402

V2, V1SE = "minifasnet_v2_2.7_80x80.onnx", "minifasnet_v1se_4.0_80x80.onnx"
PV4, APK, ORG = "sf_pv4_2.7_80x80.onnx", "sf_apk_v1se_4.0_80x80.onnx", "sf_pv1_org_60x80.onnx"
PERMISSIVE = [V2, V1SE, PV4, APK, ORG]
LIBRARY_THRESHOLD = 0.90
NESTED = "the fixed fusion chosen on the other sources (nested)"

# name -> weights of the runtime's fusion (every model here is Apache-2.0: the MiniFASNet authors').
FUSIONS = {
    "pair (V2 2.7 + V1SE 4.0)": {V2: 1, V1SE: 1},
    "V2 alone": {V2: 1},
    "V1SE alone": {V1SE: 1},
    "PV4 2.7 alone": {PV4: 1},
    "APK V1SE 4.0 alone": {APK: 1},
    "org (whole frame) alone": {ORG: 1},
    "V2 + PV4": {V2: 1, PV4: 1},
    "V2 + org": {V2: 1, ORG: 1},
    "V2 + APK": {V2: 1, APK: 1},
    "V2 + PV4 + org": {V2: 1, PV4: 1, ORG: 1},
    "V2 + APK + org": {V2: 1, APK: 1, ORG: 1},
    "pair + APK": {V2: 1, V1SE: 1, APK: 1},
    "pair + PV4": {V2: 1, V1SE: 1, PV4: 1},
    "pair + org": {V2: 1, V1SE: 1, ORG: 1},
    "pair + org/2": {V2: 1, V1SE: 1, ORG: 0.5},
    "pair + APK + org": {V2: 1, V1SE: 1, APK: 1, ORG: 1},
    "2 V2 + APK": {V2: 2, APK: 1},
    "V2 + 2 APK": {V2: 1, APK: 2},
    "all five": {m: 1 for m in PERMISSIVE},
}


def fused(entry, weights):
    """The runtime's score of one cached image under weights, or None when no vote counts."""
    if not entry.get("acquired"):
        return None
    votes = [(w, entry["models"][m][0]) for m, w in weights.items() if m in entry["models"]
             and not entry["models"][m][1]]
    if not votes:
        return None
    return sum(w * p for w, p in votes) / sum(w for w, _ in votes)


def logit(p):
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def features(entry, models):
    """The logit of each model's p_real (a degraded crop counts as no evidence: 0) and a bias."""
    return [logit(entry["models"][m][0]) if not entry["models"][m][1] else 0.0 for m in models] + [1.0]


def fit_logistic(x, y, l2=1.0, steps=300):
    """L2-regularised logistic regression, classes weighted to balance (Newton's method)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    w = np.zeros(x.shape[1])
    cw = np.where(y == 1, len(y) / (2 * max(y.sum(), 1)), len(y) / (2 * max(len(y) - y.sum(), 1)))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        g = x.T @ (cw * (p - y)) + l2 * np.r_[w[:-1], 0]
        h = (x * (cw * p * (1 - p))[:, None]).T @ x + l2 * np.diag(np.r_[np.ones(len(w) - 1), 0])
        step = np.linalg.solve(h + 1e-9 * np.eye(len(w)), g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


class Candidate:
    """A way to score rows: fixed weights, or a fusion learnt on the training rows."""

    def __init__(self, name, weights=None, learnt=None, threshold="lodo"):
        """threshold: a number (fixed: nothing learnt) or "lodo" (chosen on the other sources)."""
        self.name, self.weights, self.learnt, self.threshold = name, weights, learnt, threshold

    def scorer(self, train_rows, cache):
        if self.weights:
            return lambda e: fused(e, self.weights)
        models = self.learnt
        data = [(features(cache[r["path"]], models), r["label"]) for r in train_rows if cache[r["path"]].get("acquired")
                and all(m in cache[r["path"]]["models"] for m in models)]
        w = fit_logistic([d[0] for d in data], [d[1] for d in data])
        return lambda e: (float(1 / (1 + np.exp(-np.dot(features(e, models), w))))
                          if e.get("acquired") and all(m in e["models"] for m in models) else None)


def scored(rows, cache, scorer, threshold):
    return [dict(r, acquired=(s := scorer(cache[r["path"]])) is not None, score=s, threshold=threshold) for r in rows]


def judge(cand, judged, train_only, made, cache):
    """The candidate leaving each source out: {"pooled": rates, "sources": {source: rates}, "thresholds",
    "made": rates of the made attacks, each judged in the fold of the source its bona fide frame came from}."""
    sources = sorted({r["source"] for r in judged})
    decided, per, thresholds, made_decided = [], {}, {}, []
    for s in sources:
        train = [r for r in judged + train_only if r["source"] != s]
        scorer = cand.scorer(train, cache)
        t = cand.threshold if cand.threshold != "lodo" else pick_threshold(scored(train, cache, scorer, 0))
        rows = scored([r for r in judged if r["source"] == s], cache, scorer, t)
        per[s], thresholds[s] = rates(rows), t
        decided += rows
        made_decided += scored([r for r in made if r["source"] == s], cache, scorer, t)
    everything = judged + train_only
    final_t = cand.threshold if cand.threshold != "lodo" else \
        pick_threshold(scored(everything, cache, cand.scorer(everything, cache), 0))
    return {"pooled": rates(decided), "sources": per, "thresholds": thresholds, "threshold_all_sources": final_t,
            "made": rates(made_decided) if made_decided else None}


def nested_choice(cands, judged, made, cache):
    """The choice itself judged leaving one data set out: for each source, the fixed fusion (at the
    library's threshold) with the lowest pooled HTER on the OTHER sources (bona fide failures to
    acquire counted as rejected: a check that judges fewer faces must not win by it) is chosen.
    {"pooled", "sources", "made", "chosen": {source: candidate}}: the honest figure for "pick the best
    candidate", since picking among many on the same rows flatters the winner."""
    fixed = [c for c in cands if c.weights and c.threshold == LIBRARY_THRESHOLD]
    decided = {c.name: scored(judged, cache, c.scorer([], cache), LIBRARY_THRESHOLD) for c in fixed}
    made_d = {c.name: scored(made, cache, c.scorer([], cache), LIBRARY_THRESHOLD) for c in fixed}
    rows, made_rows, per, chosen = [], [], {}, {}
    for s in sorted({r["source"] for r in judged}):
        best = min(fixed, key=lambda c: (rates([r for r in decided[c.name] if r["source"] != s])["hter_fta"], c.name))
        chosen[s] = best.name
        mine = [r for r in decided[best.name] if r["source"] == s]
        per[s] = rates(mine)
        rows += mine
        made_rows += [r for r in made_d[best.name] if r["source"] == s]
    return {"pooled": rates(rows), "sources": per, "made": rates(made_rows) if made_rows else None, "chosen": chosen,
            "thresholds": {s: LIBRARY_THRESHOLD for s in per}}


def sessions(cands, rows, cache):
    """The frame fusion: each video's frames (its `group`) judged as one attempt, the frames' scores
    fused by their mean (the library's default) or their minimum, at the library's threshold. Nothing
    is learnt, so no source needs leaving out. {candidate: {"mean": rates, "min": rates, "sources"}}."""
    groups = {}
    for r in rows:
        groups.setdefault((r["source"], r["group"]), []).append(r)
    out = {}
    for c in cands:
        if not (c.weights and c.threshold == LIBRARY_THRESHOLD and set(c.weights) <= set(PERMISSIVE)):
            continue  # a model trained per left-out source has no scores on the session frames
        res = {}
        for how, fuse in (("mean", lambda xs: sum(xs) / len(xs)), ("min", min)):
            decided = []
            for (source, _), frames in sorted(groups.items()):
                xs = [s for f in frames if (s := fused(cache[f["path"]], c.weights)) is not None]
                decided.append({"label": frames[0]["label"], "kind": frames[0]["kind"], "source": source,
                                "acquired": bool(xs), "score": fuse(xs) if xs else None,
                                "threshold": LIBRARY_THRESHOLD})
            res[how] = {"pooled": rates(decided),
                        "sources": {s: rates([d for d in decided if d["source"] == s])
                                    for s in sorted({d["source"] for d in decided})}}
        out[c.name] = res
    return out


def session_table(res):
    lines = ["| candidate | frames fused by | sessions: bona fide rejected | attacks accepted | HTER |",
             "|---|---|---|---|---|"]
    for name, r in res.items():
        for how in ("mean", "min"):
            p = r[how]["pooled"]
            h = "-" if p["hter"] is None else f"{100 * p['hter']:.1f}"
            lines.append(f"| {name} | {how} | {fmt(p['bpcer'])} | {fmt(p['apcer_all'])} | {h} |")
    return "\n".join(lines)


def candidates(extra_names):
    out = []
    for name, w in FUSIONS.items():
        out.append(Candidate(name + " @0.90", w, threshold=LIBRARY_THRESHOLD))
        out.append(Candidate(name + " @LODO threshold", w))
    out.append(Candidate("pair (V2 2.7 + V1SE 4.0) @0.99", FUSIONS["pair (V2 2.7 + V1SE 4.0)"], threshold=0.99))
    out.append(Candidate("V2 + APK @0.99", FUSIONS["V2 + APK"], threshold=0.99))
    # the fusion learnt by logistic regression is a probability: judged at 0.5, at the product's 0.99 and
    # at a threshold chosen on the other sources
    for t, label in ((0.5, "@0.50"), (0.99, "@0.99"), ("lodo", "@LODO threshold")):
        out.append(Candidate(f"logistic fusion of the five (LODO) {label}", learnt=PERMISSIVE, threshold=t))
    for n in extra_names:  # a model trained per left-out source: its scores already left the source out
        out.append(Candidate(f"{n} @0.90", {n: 1}, threshold=LIBRARY_THRESHOLD))
        out.append(Candidate(f"{n} @0.99", {n: 1}, threshold=0.99))
        # the other sources' scores of this model came from folds that saw the left-out source: the
        # threshold is chosen on them anyway (one number; said wherever it is reported)
        out.append(Candidate(f"{n} @LODO threshold", {n: 1}))
        out.append(Candidate(f"{n} + V2 + APK @0.90", {n: 1, V2: 1, APK: 1}, threshold=LIBRARY_THRESHOLD))
    return out


def merge_extra(cache, name, path):
    """Adds model `name`'s p_real per image (from a file written per left-out source) to the cache."""
    for p, e in json.load(open(path)).items():
        if p in cache and cache[p].get("acquired") and e.get("acquired"):
            cache[p]["models"][name] = e["models"][name]


def fmt(s):
    return "-" if s is None or s["n"] == 0 else f"{s['k']}/{s['n']}"


def table(report, names):
    """Markdown: one line per candidate, pooled HTER then each source's."""
    sources = sorted(report[names[0]]["sources"])
    lines = ["| candidate | pooled HTER | BPCER | APCER | " + " | ".join(sources) + " |",
             "|---" * (4 + len(sources)) + "|"]
    for n in names:
        r = report[n]
        p = r["pooled"]
        cells = [f"{100 * r['sources'][s]['hter']:.1f}" if r["sources"][s]["hter"] is not None else "-" for s in sources]
        lines.append(f"| {n} | **{100 * p['hter']:.1f}** | {fmt(p['bpcer'])} | {fmt(p['apcer_all'])} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def overview(report, names):
    """Markdown: per candidate the pooled figures side by side (HTER with its interval, BPCER, APCER,
    bona fide failures to acquire, HTER counting those as rejected, BPCER at APCER 1 %, made attacks
    accepted, and the attempts' HTER with the frames' mean)."""
    lines = ["| candidate | HTER [95 %] | BPCER | APCER | bona fide FTA | HTER, FTA as rejected | BPCER @ APCER 1 % "
             "| made attacks accepted | attempts (5 frames, mean): HTER |", "|---" * 9 + "|"]
    sess = report.get("sessions", {})
    for n in names:
        p, m = report[n]["pooled"], report[n]["made"]
        ci = p["hter_ci"] or [0, 0]
        b1 = "-" if p["bpcer_at_apcer_1pct"] is None else f"{100 * p['bpcer_at_apcer_1pct']:.1f} %"
        sh = sess.get(n, {}).get("mean", {}).get("pooled", {}).get("hter")
        lines.append(f"| {n} | {100 * p['hter']:.1f} % [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}] | {pct(p['bpcer'])} | "
                     f"{pct(p['apcer_all'])} | {p['fta_bona_fide']} | {100 * p['hter_fta']:.1f} % | {b1} | "
                     f"{pct(m['apcer_all']) if m else '-'} | {'-' if sh is None else f'{100 * sh:.1f} %'} |")
    return "\n".join(lines)


def made_table(report, names):
    """Markdown: the made attacks accepted per kind, per candidate."""
    kinds = sorted({k for n in names if report[n]["made"] for k in report[n]["made"]["apcer_by_kind"]})
    lines = ["| candidate | made attacks accepted | " + " | ".join(kinds) + " |", "|---" * (2 + len(kinds)) + "|"]
    for n in names:
        m = report[n]["made"]
        by = m["apcer_by_kind"]
        lines.append(f"| {n} | {fmt(m['apcer_all'])} | " + " | ".join(
            f"{fmt(by.get(k))} ({100 * by[k]['rate']:.0f} %)" if k in by else "-" for k in kinds) + " |")
    return "\n".join(lines)


def pct(s):
    return "-" if s is None or not s["n"] else f"{s['k']}/{s['n']} ({100 * s['rate']:.1f} %)"


def role_table(name, r):
    """Markdown: one candidate per source, every rate the issue asks for."""
    lines = [f"**{name}**", "", "| source | bona fide (FTA) | BPCER | attacks (FTA) | APCER per kind | HTER [95 %] "
             "| BPCER @ APCER 1 % |", "|---|---|---|---|---|---|---|"]
    for s, v in list(r["sources"].items()) + [("**pooled**", r["pooled"])]:
        kinds = ", ".join(f"{k} {pct(x)}" for k, x in v["apcer_by_kind"].items()) or "-"
        h = "-" if v["hter"] is None else f"{100 * v['hter']:.1f} % [{100 * v['hter_ci'][0]:.1f}, {100 * v['hter_ci'][1]:.1f}]"
        b1 = "-" if v["bpcer_at_apcer_1pct"] is None else f"{100 * v['bpcer_at_apcer_1pct']:.1f} %"
        lines.append(f"| {s} | {v['bona_fide']} ({v['fta_bona_fide']}) | {pct(v['bpcer'])} | {v['attacks']} "
                     f"({v['fta_attacks']}) | {kinds} | {h} | {b1} |")
    return "\n".join(lines)


def summary(report, roles):
    """{role: {"candidate", "hter", "hter_ci", "bpcer", "apcer", "sources": {source: hter}, "made_apcer"}}."""
    out = {}
    for role, name in roles.items():
        if name not in report:
            sys.exit(f"lodo: --name {role}={name}: no such candidate")
        r = report[name]
        out[role] = {"candidate": name, "hter": r["pooled"]["hter"], "hter_ci": r["pooled"]["hter_ci"],
                     "bpcer": r["pooled"]["bpcer"]["rate"], "apcer": r["pooled"]["apcer_all"]["rate"],
                     "fta_bona_fide": r["pooled"]["fta_bona_fide"],
                     "sources": {s: v["hter"] for s, v in r["sources"].items()},
                     "made_apcer": {k: v["rate"] for k, v in r["made"]["apcer_by_kind"].items()} if r["made"] else None}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scores", required=True)
    ap.add_argument("--judge", action="append", required=True)
    ap.add_argument("--train-only", action="append", default=[])
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--made", action="append", default=[], help="made attacks (train/attacks.py): judged only")
    ap.add_argument("--sessions", action="append", default=[], help="frames with a group column: judged as attempts")
    ap.add_argument("--name", action="append", default=[],
                    help="ROLE=CANDIDATE: the candidates of the last JSON line (default_before, default, research)")
    ap.add_argument("--candidates", default=None, help="comma-separated names (default: all)")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    cache = json.load(open(a.scores))
    extra = []
    for e in a.extra:
        name, _, path = e.partition("=")
        merge_extra(cache, name, path)
        extra.append(name)
    judged = [r for m in a.judge for r in read_rows(m)]
    train_only = [r for m in a.train_only for r in read_rows(m)]
    made = [r for m in a.made for r in read_rows(m)]
    missing = [r["path"] for r in judged + train_only + made if r["path"] not in cache]
    if missing:
        sys.exit(f"lodo: {len(missing)} rows have no score in {a.scores} (run train/scores.py), e.g. {missing[0]}")
    cands = candidates(extra)
    if a.candidates:
        keep = set(a.candidates.split(","))
        cands = [c for c in cands if c.name in keep]
    report = {c.name: judge(c, judged, train_only, made, cache) for c in cands}
    report[NESTED] = nested_choice(cands, judged, made, cache)
    cands.append(Candidate(NESTED))
    print(table(report, [c.name for c in cands]))
    if made:
        print("\n" + made_table(report, [c.name for c in cands]))
    session_rows = [r for m in a.sessions for r in read_rows(m)]
    if session_rows:
        missing = [r["path"] for r in session_rows if r["path"] not in cache]
        if missing:
            sys.exit(f"lodo: {len(missing)} session frames have no score, e.g. {missing[0]}")
        report["sessions"] = sessions(cands, session_rows, cache)
        print("\n" + session_table(report["sessions"]))
    print("\n" + overview(report, [c.name for c in cands]))
    if a.out:
        json.dump(report, open(a.out, "w"), separators=(",", ":"))
    roles = dict(n.split("=", 1) for n in a.name)
    for role, name in roles.items():
        if name in report:
            print(f"\n{role}: " + role_table(name, report[name]))
    print(json.dumps({"lodo": summary(report, roles)}))


if __name__ == "__main__":
    main()
