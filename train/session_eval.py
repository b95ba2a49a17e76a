"""The whole session (actions, then the silent check) over the clips of train/clips.tsv: each clip is
asked the actions it performs. A bona fide clip should pass; a replay should not. Prints one line per
clip (outcome, silent score, when the attempt got past the quality prompts) and a JSON summary.

usage: session_eval.py DATA FACELIVE MODELS [CLIPS.tsv] [-- extra facelive video options]"""
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(facelive, models, path, actions, extra):
    p = subprocess.run([facelive, "video", path, "--models", models, "--json", "--actions", actions] + extra,
                       capture_output=True, text=True)
    lines = [json.loads(l) for l in p.stdout.splitlines()]
    frames = [l for l in lines if "t" in l]
    past = next((f["t"] for f in frames if f.get("phase", 0) != 0), None)
    prompts = sorted({f["prompt"] for f in frames if f.get("phase") == 0 and f.get("prompt")})
    return lines[-1], past, prompts


def main():
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    data, facelive, models = args[:3]
    clips = args[3] if len(args) > 3 else os.path.join(HERE, "clips.tsv")
    with open(clips) as f:
        rows = list(csv.DictReader((l for l in f if not l.startswith("#")), delimiter="\t"))
    summary = {"bona_fide": 0, "bona_fide_passed": 0, "attacks": 0, "attacks_passed": 0, "clips": []}
    for r in rows:
        res, past, prompts = run(facelive, models, os.path.join(data, r["relative_path"]), r["actions"], extra)
        real = r["label"] == "real"
        summary["bona_fide" if real else "attacks"] += 1
        summary["bona_fide_passed" if real else "attacks_passed"] += bool(res.get("passed"))
        score = (res.get("silent") or {}).get("score")
        summary["clips"].append({"clip": r["relative_path"], "label": r["label"], "outcome": res.get("outcome"),
                                 "passed": res.get("passed"), "silent_score": score, "past_quality_s": past,
                                 "quality_prompts": prompts})
        print(f"{r['label']:5} {r['relative_path']:60} {res.get('outcome'):16} silent "
              f"{'-' if score is None else f'{score:.3f}'}  past the quality prompts at "
              f"{'never' if past is None else f'{past:.1f} s'}  {'; '.join(prompts)}", flush=True)
    print(f"bona fide passed {summary['bona_fide_passed']}/{summary['bona_fide']}, "
          f"attacks passed {summary['attacks_passed']}/{summary['attacks']}")
    print(json.dumps({k: v for k, v in summary.items() if k != "clips"}))


if __name__ == "__main__":
    main()
