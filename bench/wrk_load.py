"""wrk (Debian) driving a facelive endpoint with a Lua script that posts a body from a file: the
shared part of bench_server.py and bench_cluster.py. Reports rps, p50/p99, errors, and the CPU the
given processes used per request and wrk's share of the cores."""
import os
import re
import resource
import subprocess

import cv2

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


def jpeg_640x480(path):
    img = cv2.resize(cv2.imread(path), (640, 480),
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


def run_wrk(url, key, pids, body_path, ctype, lua_path, seconds, connections):
    cpu0, children0 = cpu_seconds(pids), resource.getrusage(resource.RUSAGE_CHILDREN)
    env = dict(os.environ, FL_BODY=body_path, FL_KEY=key, FL_CTYPE=ctype)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua_path,
                          url + "/v1/liveness"], capture_output=True, text=True, env=env).stdout
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
            "wrk_cpu_share": wrk_cpu / (seconds * os.cpu_count()), "raw": out}


