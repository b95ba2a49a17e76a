"""The cross-source report of train/finetune.sh: the pack's models against the fine-tuned one, per
source, with the fine-tuned model trained WITHOUT the source it is tested on (leave one source out:
the headline figure), and the model trained on every source evaluated on the same rows (labelled as
such: those rows were used for training). Every figure comes from `facelive eval` (the C runtime)
at the library's operating threshold.

usage: cross_source.py MANIFEST DATA FACELIVE MODELS OUT EPOCHS [--no-loso] [--limit N]"""
import csv
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST, DATA, FACELIVE, MODELS, OUT, EPOCHS = sys.argv[1:7]
LOSO = "--no-loso" not in sys.argv
LIMIT = sys.argv[sys.argv.index("--limit") + 1] if "--limit" in sys.argv else "0"


def slug(s):
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")


def sub_manifest(path, keep):
    """The rows of MANIFEST that keep() accepts, their paths made relative to the new file's folder."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(MANIFEST) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    with open(path, "w") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), delimiter="\t", lineterminator="\n")
        w.writeheader()
        for r in rows:
            if keep(r):
                r = dict(r, relative_path=os.path.relpath(os.path.join(DATA, r["relative_path"]), os.path.dirname(path)))
                w.writerow(r)


def evaluate(manifest, out, models, model_list=None):
    cmd = [FACELIVE, "eval", manifest, "--models", models, "--out", out, "--group-by", "none"]
    r = subprocess.run(cmd + (["--model-list", model_list] if model_list else []), capture_output=True, text=True)
    if not os.path.exists(os.path.join(out, "report.json")):  # eval's verdict exit statuses are not errors here
        raise RuntimeError(f"facelive eval {manifest} failed: {r.stderr[-400:]}")
    d = json.load(open(os.path.join(out, "report.json")))
    pick = ("n_bona_fide", "n_attack", "apcer_max", "bpcer", "hter", "eer", "failures_to_acquire")
    return {k: d.get(k) for k in pick}


def finetune(out, leave_out=None):
    cmd = [sys.executable, os.path.join(HERE, "finetune.py"), "--manifest", MANIFEST, "--data", DATA, "--facelive",
           FACELIVE, "--models", MODELS, "--out", out, "--epochs", EPOCHS, "--limit", LIMIT]
    subprocess.run(cmd + (["--leave-out", leave_out] if leave_out else []), check=True)
    return out, os.path.join(out, "antispoof_models.tsv")


def fmt(r):
    f = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"
    return f"APCER {f(r['apcer_max'])} BPCER {f(r['bpcer'])} HTER {f(r['hter'])} EER {f(r['eer'])}"


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(MANIFEST) as f:
        sources = sorted({r.get("source_repo") or "all" for r in csv.DictReader(f, delimiter="\t")
                          if r.get("label") in ("real", "spoof")})
    report = {"manifest": MANIFEST, "epochs": int(EPOCHS), "loso": {}}
    if LOSO:
        for s in sources:
            d = os.path.join(OUT, "loso", slug(s))
            man = os.path.join(d, "test_rows.tsv")
            sub_manifest(man, lambda r, s=s: (r.get("source_repo") or "all") == s and r.get("label") in ("real", "spoof"))
            models, lst = finetune(os.path.join(d, "model"), leave_out=s)
            report["loso"][s] = {"pack": evaluate(man, os.path.join(d, "eval_pack"), MODELS),
                                 "finetuned_without_it": evaluate(man, os.path.join(d, "eval_finetuned"), models, lst)}
            print(f"left out {s}:\n  pack      {fmt(report['loso'][s]['pack'])}\n"
                  f"  finetuned {fmt(report['loso'][s]['finetuned_without_it'])}", flush=True)
    models, lst = finetune(os.path.join(OUT, "model"))
    every = os.path.join(OUT, "all_rows.tsv")  # eval reads paths relative to the manifest's folder
    sub_manifest(every, lambda r: r.get("label") in ("real", "spoof"))
    report["all_rows"] = {"pack": evaluate(every, os.path.join(OUT, "eval_pack"), MODELS),
                          "finetuned_on_these_rows": evaluate(every, os.path.join(OUT, "eval_finetuned"), models, lst)}
    print(f"every row (the fine-tuned model was trained on them):\n  pack      {fmt(report['all_rows']['pack'])}\n"
          f"  finetuned {fmt(report['all_rows']['finetuned_on_these_rows'])}")
    json.dump(report, open(os.path.join(OUT, "report.json"), "w"), indent=1)
    print(f"model: {os.path.join(OUT, 'model')} (list: antispoof_models.tsv); report: {os.path.join(OUT, 'report.json')}")


main()
