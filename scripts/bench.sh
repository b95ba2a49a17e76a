#!/usr/bin/env bash
# Benchmarks (never part of the tests). `scripts/bench.sh models [RUNS]`: every model of the
# pack on the XNNPACK and reference backends and on OpenCV's DNN module, one thread each, in
# the same run. Prints a table, then as its last line one JSON object:
#   {"models": {"<file>": {"xnnpack_ms", "reference_ms", "opencv_ms", "ratio_vs_opencv", ...}}}
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-}
case "$what" in
  models) ;;
  *) echo "usage: scripts/bench.sh models [RUNS]" >&2; exit 2 ;;
esac
runs=${2:-100}
"$root/scripts/setup.sh"
"$root/scripts/models.sh" >/dev/null
"$root/scripts/build.sh" release >/dev/null
models=("$root"/models/*.onnx)
ours=$("$root/build/bench/bench_models" --runs "$runs" "${models[@]}")
shapes=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({k: v["input"] for k, v in json.load(sys.stdin).items()}))' <<<"$ours")
peer=$(OPENCV_LOG_LEVEL=SILENT /usr/bin/python3 "$root/bench/opencv_models.py" "$runs" "$shapes" "${models[@]}")
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, os, platform, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = {}
print(f"{'model':34} {'input':16} {'xnnpack':>9} {'p99':>8} {'reference':>10} {'opencv':>9} {'xnn/opencv':>10}")
for name, o in ours.items():
    p = peer.get(name, {})
    row = dict(o)
    row.update(p)
    row["ratio_vs_opencv"] = round(o["xnnpack_ms"] / p["opencv_ms"], 3) if p.get("opencv_ms") else None
    out[name] = row
    dims = "x".join(str(d) for d in o["input"])
    print(f"{name:34} {dims:16} {o['xnnpack_ms']:8.3f}m {o['xnnpack_p99_ms']:7.3f}m {o['reference_ms']:9.3f}m "
          f"{p.get('opencv_ms', float('nan')):8.3f}m {row['ratio_vs_opencv'] or float('nan'):10.2f}")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"(ms per inference, one thread, median of the runs; p99 of XNNPACK; machine: {cpu}, {os.cpu_count()} cores)")
print(json.dumps({"models": out}))
PY
