"""The service under load: `facelive serve` with 2 workers on loopback, driven by wrk (Debian) with
a Lua script posting one 640x480 JPEG per request, then 5 frames per request, as multipart forms;
and the single image once more as base64 in JSON (the cost of that format); then a phone's photo
(the data set's 1617x2160 JPEG, 2.6 MB) at the default decode_min_side (480: decoded at 1/2) and, on
a second server, decoded whole (decode_min_side 0). Prints a
table and, last, one JSON line with rps, p50 and p99 for each, errors, and what bounds it: the
server's CPU per request (all its processes, from /proc), the silent check's own per-frame cost
(bench_silent, same frame, same minute) and wrk's share of the two cores.

usage: bench_server.py FACELIVE BENCH_SILENT MODELS_DIR DATA_DIR [SECONDS]"""
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from server_fixture import Server  # noqa: E402  (the same server start as the tests)
from wrk_load import BOUNDARY, LUA, jpeg_640x480, multipart, run_wrk  # noqa: E402

FACELIVE, BENCH_SILENT, MODELS, DATA = sys.argv[1:5]
SECONDS = int(sys.argv[5]) if len(sys.argv) > 5 else 20
CONNECTIONS = 4  # 2 workers x 2 inference slots
PHONE_PHOTO = "silent_face_minivision/image_T2.jpg"


def load(bodies, config, lua, tmp):
    """wrk with each body in turn against one server of this configuration."""
    s = Server(FACELIVE, MODELS, workers=2, config={"log": "access.log", **config}, tmp=tmp).start()
    try:
        pids = [s.proc.pid] + s.worker_pids()
        return {name: run_wrk(f"http://127.0.0.1:{s.port}", s.keys["acme"], pids, path, ctype, lua, SECONDS, CONNECTIONS)
                for name, (path, ctype) in bodies.items()}
    finally:
        s.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="facelive-bench-server-")
    frames = [jpeg_640x480(os.path.join(DATA, "video_lestari15/frames", f"real_f00{i}.jpg")) for i in range(1, 6)]
    # the images as files of a multipart form (the usual upload), and once as base64 in JSON
    bodies = {}
    for name, imgs in (("1img", frames[:1]), ("5img", frames)):
        bodies[name] = (os.path.join(tmp, f"{name}.form"), f"multipart/form-data; boundary={BOUNDARY}")
        open(bodies[name][0], "wb").write(multipart(imgs))
    bodies["1img_json"] = (os.path.join(tmp, "1img.json"), "application/json")
    json.dump({"images": [base64.b64encode(frames[0]).decode()]}, open(bodies["1img_json"][0], "w"))
    bodies["phone"] = (os.path.join(tmp, "phone.form"), f"multipart/form-data; boundary={BOUNDARY}")
    open(bodies["phone"][0], "wb").write(multipart([open(os.path.join(DATA, PHONE_PHOTO), "rb").read()]))
    frame_path = os.path.join(tmp, "frame.jpg")
    open(frame_path, "wb").write(frames[0])
    lua = os.path.join(tmp, "post.lua")
    open(lua, "w").write(LUA)
    silent = json.loads(subprocess.run([BENCH_SILENT, MODELS, frame_path, "50"], capture_output=True, text=True,
                                       check=True).stdout.strip().splitlines()[-1])
    res = load(bodies, {}, lua, tmp)
    res["phone_whole"] = load({"phone_whole": bodies["phone"]}, {"decode_min_side": 0}, lua, tmp)["phone_whole"]
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
        "cpu_ms_per_request": round(one["server_cpu_ms_per_request"], 2),  # the single-image body's
        "server_cpu_ms_per_request_1img": round(one["server_cpu_ms_per_request"], 2),
        "server_cpu_ms_per_request_5img": round(res["5img"]["server_cpu_ms_per_request"], 2),
        "rps_phone": round(res["phone"]["rps"], 1), "rps_phone_whole": round(res["phone_whole"]["rps"], 1),
        "server_cpu_ms_per_request_phone": round(res["phone"]["server_cpu_ms_per_request"], 2),
        "server_cpu_ms_per_request_phone_whole": round(res["phone_whole"]["server_cpu_ms_per_request"], 2),
        "silent_check_ms_per_frame": round(silent_ms, 2), "wrk_cpu_share_1img": round(one["wrk_cpu_share"], 3),
        "cores": os.cpu_count(), "workers": 2, "connections": CONNECTIONS, "seconds": SECONDS}))


main()
