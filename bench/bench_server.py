"""The service under load: `facelive serve` with 2 workers on loopback, driven by wrk (Debian) with
a Lua script posting one 640x480 JPEG per request, then 5 frames per request, as multipart forms;
and the single image once more as base64 in JSON (the cost of that format). Prints a
table and, last, one JSON line with rps, p50 and p99 for each, errors, and what bounds it: the
server's CPU per request (all its processes, from /proc), the silent check's own per-frame cost
(bench_silent, same frame, same minute) and wrk's share of the two cores.

usage: bench_server.py FACELIVE BENCH_SILENT MODELS_DIR DATA_DIR [SECONDS]"""
import base64
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from server_fixture import Server  # noqa: E402  (the same server start as the tests)

FACELIVE, BENCH_SILENT, MODELS, DATA = sys.argv[1:5]
SECONDS = int(sys.argv[5]) if len(sys.argv) > 5 else 20
CONNECTIONS = 4  # 2 workers x 2 inference slots

LUA = """
local f = io.open(os.getenv("FL_BODY"), "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("FL_CTYPE")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("FL_KEY")
"""
BOUNDARY = "flbench7c1d"


def multipart(jpegs):
    body = b""
    for i, j in enumerate(jpegs):
        body += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{i}.jpg\"\r\n"
                 "Content-Type: image/jpeg\r\n\r\n").encode() + j + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def jpeg_640x480(name):
    import cv2
    img = cv2.resize(cv2.imread(os.path.join(DATA, "video_lestari15/frames", name)), (640, 480),
                     interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def cpu_seconds(pids):
    total = 0
    for p in pids:
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def ms(text):
    v = float(re.match(r"([\d.]+)", text).group(1))
    return v / 1000 if text.endswith("us") else v * 1000 if text.endswith("s") and not text.endswith("ms") else v


def run_wrk(s, body_path, ctype, lua_path):
    pids = [s.proc.pid] + s.worker_pids()
    cpu0, children0 = cpu_seconds(pids), resource.getrusage(resource.RUSAGE_CHILDREN)
    env = dict(os.environ, FL_BODY=body_path, FL_KEY=s.keys["acme"], FL_CTYPE=ctype)
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", lua_path,
                          f"http://127.0.0.1:{s.port}/v1/liveness"], capture_output=True, text=True, env=env).stdout
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = cpu_seconds(pids) - cpu0
    wrk_cpu = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return {"rps": rps, "p50_ms": ms(lat["50"]), "p99_ms": ms(lat["99"]), "requests": total, "errors": errors,
            "server_cpu_ms_per_request": 1000 * server_cpu / max(total, 1),
            "wrk_cpu_share": wrk_cpu / (SECONDS * os.cpu_count()), "raw": out}


def main():
    tmp = tempfile.mkdtemp(prefix="facelive-bench-server-")
    frames = [jpeg_640x480(f"real_f00{i}.jpg") for i in range(1, 6)]
    # the images as files of a multipart form (the usual upload), and once as base64 in JSON
    bodies = {}
    for name, imgs in (("1img", frames[:1]), ("5img", frames)):
        bodies[name] = (os.path.join(tmp, f"{name}.form"), f"multipart/form-data; boundary={BOUNDARY}")
        open(bodies[name][0], "wb").write(multipart(imgs))
    bodies["1img_json"] = (os.path.join(tmp, "1img.json"), "application/json")
    json.dump({"images": [base64.b64encode(frames[0]).decode()]}, open(bodies["1img_json"][0], "w"))
    frame_path = os.path.join(tmp, "frame.jpg")
    open(frame_path, "wb").write(frames[0])
    lua = os.path.join(tmp, "post.lua")
    open(lua, "w").write(LUA)
    silent = json.loads(subprocess.run([BENCH_SILENT, MODELS, frame_path, "50"], capture_output=True, text=True,
                                       check=True).stdout.strip().splitlines()[-1])
    s = Server(FACELIVE, MODELS, workers=2, config={"log": "access.log"}, tmp=tmp).start()
    try:
        res = {name: run_wrk(s, path, ctype, lua) for name, (path, ctype) in bodies.items()}
    finally:
        s.stop()
    silent_ms = statistics.median(silent["default"]["samples_ms"])
    print(f"{'body':9} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'server CPU ms/req':>18} {'wrk share':>10}")
    for name, r in res.items():
        print(f"{name:9} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d} "
              f"{r['server_cpu_ms_per_request']:18.2f} {r['wrk_cpu_share']:10.1%}")
    print(f"silent check alone (bench_silent, same frame, one thread): {silent_ms:.2f} ms per frame; "
          f"cores: {os.cpu_count()}; {SECONDS} s per run, {CONNECTIONS} connections, 2 workers")
    one = res["1img"]
    print(json.dumps({
        "rps_1img": round(one["rps"], 1), "p50_ms_1img": round(one["p50_ms"], 1), "p99_ms_1img": round(one["p99_ms"], 1),
        "rps_5img": round(res["5img"]["rps"], 1), "p50_ms_5img": round(res["5img"]["p50_ms"], 1),
        "p99_ms_5img": round(res["5img"]["p99_ms"], 1), "errors": sum(r["errors"] for r in res.values()),
        "rps_1img_json": round(res["1img_json"]["rps"], 1), "p99_ms_1img_json": round(res["1img_json"]["p99_ms"], 1),
        "server_cpu_ms_per_request_1img": round(one["server_cpu_ms_per_request"], 2),
        "server_cpu_ms_per_request_5img": round(res["5img"]["server_cpu_ms_per_request"], 2),
        "silent_check_ms_per_frame": round(silent_ms, 2), "wrk_cpu_share_1img": round(one["wrk_cpu_share"], 3),
        "cores": os.cpu_count(), "workers": 2, "connections": CONNECTIONS, "seconds": SECONDS}))


main()
