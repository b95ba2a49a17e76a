"""HAProxy's cost: wrk on loopback posting one 640x480 JPEG per request (multipart), through
HAProxy to 2 backends of 1 worker each (scripts/cluster.sh up 2), and straight to one backend of 2
workers (the same worker count, the same cores), alternating in rounds in the same run. Prints a
table and, last, one JSON line: {"rps_direct", "rps_haproxy", "overhead_ratio", "errors", ...}
where overhead_ratio = 1 - rps_haproxy / rps_direct over the pooled rounds.

usage: bench_cluster.py FACELIVE MODELS_DIR DATA_DIR [SECONDS] [ROUNDS]"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from server_fixture import Server, child_pids, free_base  # noqa: E402
from wrk_load import BOUNDARY, LUA, cpu_seconds, jpeg_640x480, multipart, run_wrk  # noqa: E402

FACELIVE, MODELS, DATA = sys.argv[1:4]
SECONDS = int(sys.argv[4]) if len(sys.argv) > 4 else 15
ROUNDS = int(sys.argv[5]) if len(sys.argv) > 5 else 3
CONNECTIONS = 4


def cluster_pids(d):
    """HAProxy, the backends' masters and their workers."""
    pids = []
    for name in ("haproxy", "backend1", "backend2"):
        pid = int(open(os.path.join(d, f"{name}.pid")).read())
        pids += [pid] + child_pids(pid)
    return pids


def main():
    tmp = tempfile.mkdtemp(prefix="facelive-bench-cluster-")
    body = os.path.join(tmp, "1img.form")
    open(body, "wb").write(multipart([jpeg_640x480(os.path.join(DATA, "video_lestari15/frames/real_f001.jpg"))]))
    lua = os.path.join(tmp, "post.lua")
    open(lua, "w").write(LUA)
    ctype = f"multipart/form-data; boundary={BOUNDARY}"
    cdir = os.path.join(tmp, "cluster")
    env = dict(os.environ, FACELIVE_CLUSTER_DIR=cdir, FACELIVE_CLUSTER_PORT=str(free_base()), FACELIVE_BIN=FACELIVE,
               FACELIVE_CLUSTER_WORKERS="1")
    cluster_sh = os.path.join(HERE, "..", "scripts", "cluster.sh")
    subprocess.run(["bash", cluster_sh, "up", "2"], env=env, check=True, capture_output=True)
    os.makedirs(os.path.join(tmp, "direct"))
    direct = Server(FACELIVE, MODELS, workers=2, config={"log": "access.log"}, tmp=os.path.join(tmp, "direct")).start()
    runs = {"direct": [], "haproxy": []}
    try:
        v = dict(l.strip().split("=", 1) for l in open(os.path.join(cdir, "cluster.env")) if "=" in l)
        for _ in range(ROUNDS):
            runs["direct"].append(run_wrk(f"http://127.0.0.1:{direct.port}", direct.keys["acme"],
                                          [direct.proc.pid] + direct.worker_pids(), body, ctype, lua, SECONDS,
                                          CONNECTIONS))
            hap = [int(open(os.path.join(cdir, "haproxy.pid")).read())]
            before = cpu_seconds(hap)
            r = run_wrk(v["FACELIVE_URL"], v["FACELIVE_API_KEY"], cluster_pids(cdir), body, ctype, lua, SECONDS,
                        CONNECTIONS)
            r["haproxy_cpu_ms_per_request"] = 1000 * (cpu_seconds(hap) - before) / max(r["requests"], 1)
            runs["haproxy"].append(r)
    finally:
        direct.stop()
        subprocess.run(["bash", cluster_sh, "down"], env=env, capture_output=True)
    print(f"{'path':8} {'round':>5} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU ms/req':>11}")
    for name, rs in runs.items():
        for i, r in enumerate(rs):
            print(f"{name:8} {i + 1:5d} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d} "
                  f"{r['server_cpu_ms_per_request']:11.2f}")
    rps = {k: sum(r["requests"] for r in rs) / (SECONDS * len(rs)) for k, rs in runs.items()}
    p99 = {k: statistics.median(r["p99_ms"] for r in rs) for k, rs in runs.items()}
    print(f"pooled: direct (1 backend, 2 workers) {rps['direct']:.1f} rps, through HAProxy (2 backends x 1 worker) "
          f"{rps['haproxy']:.1f} rps; {os.cpu_count()} cores, {CONNECTIONS} connections, {ROUNDS} rounds of {SECONDS} s")
    print(json.dumps({
        "rps_direct": round(rps["direct"], 1), "rps_haproxy": round(rps["haproxy"], 1),
        "overhead_ratio": round(1 - rps["haproxy"] / rps["direct"], 3),
        "p99_ms_direct": round(p99["direct"], 1), "p99_ms_haproxy": round(p99["haproxy"], 1),
        "errors": sum(r["errors"] for rs in runs.values() for r in rs),
        "cpu_ms_per_request_direct": round(statistics.mean(r["server_cpu_ms_per_request"] for r in runs["direct"]), 2),
        "cpu_ms_per_request_haproxy_path": round(statistics.mean(r["server_cpu_ms_per_request"] for r in runs["haproxy"]), 2),
        "haproxy_cpu_ms_per_request": round(statistics.mean(r["haproxy_cpu_ms_per_request"] for r in runs["haproxy"]), 3),
        "rounds": ROUNDS, "seconds": SECONDS, "connections": CONNECTIONS, "cores": os.cpu_count()}))


main()
