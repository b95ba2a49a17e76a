"""The error rates of ISO/IEC 30107-3 on scored rows, with counts and Wilson 95 % intervals.

A row is a dict with label (1 bona fide, 0 attack), kind (the attack's species), acquired (False: the
runtime did not judge it: a failure to acquire, counted apart and never hidden) and score (p_real,
when acquired). A row is accepted when its score is at or above the threshold (the runtime's rule);
the threshold may differ per row (leave one data set out: each source's own)."""
import math

import numpy as np

Z = 1.959964


def wilson(k, n):
    """The Wilson 95 % interval of k successes in n, or None for n = 0."""
    if n == 0:
        return None
    p = k / n
    d = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / d
    h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return [round(max(0.0, c - h), 4), round(min(1.0, c + h), 4)]


def share(k, n):
    return {"k": k, "n": n, "rate": round(k / n, 4) if n else None, "ci": wilson(k, n)}


def bpcer_at_apcer(bona, att, apcer=0.01):
    """BPCER when the threshold is set so that at most `apcer` of the attacks pass (a point of the DET
    curve: the threshold is the rows' own, not a decision rule)."""
    if not bona or not att:
        return None
    att = sorted(att, reverse=True)
    allowed = int(math.floor(apcer * len(att)))
    t = att[allowed] + 1e-9 if allowed < len(att) else 0.0  # just above the first attack that must fail
    return round(sum(1 for s in bona if s < t) / len(bona), 4)


def rates(rows):
    """Every rate of rows; each row's threshold is row["threshold"]."""
    bona = [r for r in rows if r["label"] == 1]
    att = [r for r in rows if r["label"] == 0]
    bona_j = [r for r in bona if r["acquired"]]
    att_j = [r for r in att if r["acquired"]]
    rejected = sum(1 for r in bona_j if r["score"] < r["threshold"])
    accepted = sum(1 for r in att_j if r["score"] >= r["threshold"])
    kinds = {}
    for r in att_j:
        k = kinds.setdefault(r["kind"], [0, 0])
        k[0] += r["score"] >= r["threshold"]
        k[1] += 1
    bpcer, far = share(rejected, len(bona_j)), share(accepted, len(att_j))
    out = {"bona_fide": len(bona), "fta_bona_fide": len(bona) - len(bona_j), "bpcer": bpcer,
           "attacks": len(att), "fta_attacks": len(att) - len(att_j), "apcer_all": far,
           "apcer_by_kind": {k: share(*v) for k, v in sorted(kinds.items())},
           "bpcer_at_apcer_1pct": bpcer_at_apcer([r["score"] for r in bona_j], [r["score"] for r in att_j])}
    out["hter"], out["hter_ci"] = hter(bpcer, far)
    # a bona fide face the check did not judge is a person who did not pass: for choosing between
    # candidates that acquire differently, count it as rejected
    out["hter_fta"] = hter(share(rejected + out["fta_bona_fide"], len(bona)), far)[0]
    return out


def hter(bpcer, far):
    """(HTER, its interval) from the two shares; an absent side counts as unknown (None). The interval is
    the mean of the two Wilson intervals' bounds (conservative: both sides at their extreme at once)."""
    if bpcer["n"] == 0 and far["n"] == 0:
        return None, None
    sides = [s for s in (bpcer, far) if s["n"]]
    if len(sides) == 1:  # a source with one class only: its one rate is all it can say
        return sides[0]["rate"], sides[0]["ci"]
    h = round((bpcer["rate"] + far["rate"]) / 2, 4)
    return h, [round((bpcer["ci"][0] + far["ci"][0]) / 2, 4), round((bpcer["ci"][1] + far["ci"][1]) / 2, 4)]


def pick_threshold(rows, grid=None):
    """The threshold with the lowest mean HTER over the rows' sources (each source that has both bona
    fide and attack rows counts once, whatever its size, so no one large data set decides), ties to
    the higher threshold (fail closed). Rows without an acquired score are ignored."""
    grid = grid or [round(0.5 + 0.005 * i, 3) for i in range(100)]
    by_source = {}
    for r in rows:
        if r["acquired"]:
            by_source.setdefault(r["source"], ([], []))[r["label"]].append(r["score"])
    both = [(np.asarray(b), np.asarray(a)) for a, b in by_source.values() if a and b]
    if not both:
        return 0.9
    best = None
    for t in grid:
        h = sum(((b < t).mean() + (a >= t).mean()) / 2 for b, a in both) / len(both)
        if best is None or h <= best[0]:
            best = (h, t)
    return best[1]
