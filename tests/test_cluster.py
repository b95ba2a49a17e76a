"""Scale-out under faults, for real: scripts/cluster.sh brings up 3 backends sharing one Redis, the
provider adapter as the backup route, HAProxy in front and Prometheus scraping them, all on
loopback. A steady load runs through HAProxy while: a backend is killed with SIGKILL (and
Prometheus fires FaceliveBackendDown); every backend is rolled (SIGTERM, start, one at a time);
a backend is made slow (SIGSTOP) and comes back (SIGCONT); every backend is down (the adapter
answers); Redis restarts (tokens fail closed, then work again). A challenge issued by one backend
verifies on another and its replay on a third is refused. Each phase reports requests sent /
succeeded / failed; bounded in time, loopback only.

usage: test_cluster.py FACELIVE MODELS_DIR DATA_DIR"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from checks import check, finish
from server_fixture import Load, free_base

FACELIVE, MODELS, DATA = sys.argv[1:4]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
IMG = open(os.path.join(DATA, "silent_face_minivision/image_T1.jpg"), "rb").read()
BOUNDARY = "flcluster"
BODY = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\n".encode() + IMG +
        f"\r\n--{BOUNDARY}--\r\n".encode())


class Cluster:
    def __init__(self, n):
        self.dir = tempfile.mkdtemp(prefix="facelive-cluster-")
        self.env = dict(os.environ, FACELIVE_CLUSTER_DIR=self.dir, FACELIVE_CLUSTER_PORT=str(free_base()),
                        FACELIVE_BIN=FACELIVE)
        self.run("up", str(n))
        self.vars = dict(l.strip().split("=", 1) for l in open(os.path.join(self.dir, "cluster.env")) if "=" in l)
        self.key = self.vars["FACELIVE_API_KEY"]
        self.port = int(self.vars["FACELIVE_URL"].rsplit(":", 1)[1])

    def run(self, *args, timeout=300):
        r = subprocess.run(["bash", os.path.join(ROOT, "scripts/cluster.sh"), *args], env=self.env, timeout=timeout,
                           capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"cluster.sh {args}: {r.stdout} {r.stderr}")
        return r.stdout

    def backend_port(self, i):
        return int(self.vars["BACKEND_BASE_PORT"]) + i

    def states(self):
        """HAProxy's view: {server: status}."""
        csv = urllib.request.urlopen(self.vars["HAPROXY_STATS"] + ";csv", timeout=5).read().decode()
        return {row[1]: row[17] for row in (l.split(",") for l in csv.splitlines()) if row[0] == "facelive"}

    def request(self, method, path, body=None, ctype=None, port=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=timeout)
        try:
            h = {"Authorization": "Bearer " + self.key}
            if ctype:
                h["Content-Type"] = ctype
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            try:
                return r.status, json.loads(data)
            except ValueError:
                return r.status, {}
        finally:
            c.close()

    def alerts(self):
        with urllib.request.urlopen(self.vars["PROMETHEUS_URL"] + "/api/v1/alerts", timeout=5) as r:
            return json.loads(r.read())["data"]["alerts"]


def liveness_load(c, threads=3):
    """One image through HAProxy on new connections; the outcome is (status, channel or error code)."""
    def one():
        status, d = c.request("POST", "/v1/liveness", BODY, f"multipart/form-data; boundary={BOUNDARY}")
        return status, d.get("channel") or (d.get("error") or {}).get("code")
    return Load(one, threads)


def wait_for(cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if cond():
                return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def kill9_and_alert(c):
    with liveness_load(c) as load:
        time.sleep(2)
        t_kill = time.time()
        c.run("kill", "2", "KILL")
        fired = wait_for(lambda: any(a["labels"]["alertname"] == "FaceliveBackendDown" and a["state"] == "firing" and
                                     a["labels"]["instance"].endswith(str(c.backend_port(2))) for a in c.alerts()), 60)
        took = time.time() - t_kill
        down = c.states().get("facelive2") == "DOWN"
    sent, bad = load.report("kill -9 of one of 3 backends")
    check(sent >= 20 and not bad, f"kill -9 under load: 0 failed client requests ({len(bad)} of {sent})")
    check(down, "HAProxy marked it DOWN")
    check(fired and took < 40, f"Prometheus fired FaceliveBackendDown {took:.0f} s after the kill (for: 15s, 1 s scrapes)")
    print(f"FaceliveBackendDown firing {took:.1f} s after the kill", flush=True)
    c.run("start", "2")
    check(wait_for(lambda: c.states().get("facelive2") == "UP", 20), "back UP after its restart")


def rolling_restart(c):
    with liveness_load(c) as load:
        time.sleep(1)
        for i in (1, 2, 3):
            c.run("kill", str(i), "TERM")
            c.run("start", str(i))
            wait_for(lambda: c.states().get(f"facelive{i}") == "UP", 20)
        time.sleep(1)
    sent, bad = load.report("rolling restart of 3 backends (SIGTERM, start)")
    check(sent >= 20 and not bad, f"rolling restart under load: 0 failed ({len(bad)} of {sent})")


def slow_backend(c):
    with liveness_load(c) as load:
        time.sleep(1)
        c.run("kill", "1", "STOP")
        t0 = time.time()
        ejected = wait_for(lambda: c.states().get("facelive1") == "DOWN", 20)
        t_eject = time.time() - t0
        time.sleep(2)
        c.run("kill", "1", "CONT")
        t0 = time.time()
        readmitted = wait_for(lambda: c.states().get("facelive1") == "UP", 20)
        t_back = time.time() - t0
        time.sleep(1)
    sent, bad = load.report("a backend stopped (SIGSTOP), then resumed (SIGCONT)")
    print(f"ejected {t_eject:.1f} s after SIGSTOP, re-admitted {t_back:.1f} s after SIGCONT", flush=True)
    check(ejected and readmitted, f"the slow backend was ejected in {t_eject:.1f} s and re-admitted in {t_back:.1f} s")
    check(sent >= 10 and not bad, f"no request failed while it was slow ({len(bad)} of {sent})")


def all_down(c):
    for i in (1, 2, 3):
        c.run("kill", str(i), "KILL")
    wait_for(lambda: all(c.states().get(f"facelive{i}") == "DOWN" for i in (1, 2, 3)), 20)
    with liveness_load(c) as load:
        time.sleep(4)
    sent, bad = load.report("every backend down")
    by_backup = [r for r in load.results if r[2] == (200, "provider")]
    check(sent >= 10 and not bad and len(by_backup) == sent,
          f"every backend down: the backup route answered every request ({len(by_backup)} of {sent})")
    for i in (1, 2, 3):
        c.run("start", str(i))
    check(wait_for(lambda: all(c.states().get(f"facelive{i}") == "UP" for i in (1, 2, 3)), 30), "all back UP")


def tokens_across_hosts(c):
    few = {"frames": [{"image": __import__("base64").b64encode(IMG).decode(), "t": 0.1 * k} for k in range(3)]}
    body = json.dumps(few).encode()
    st, d = c.request("POST", "/v1/challenges", port=c.backend_port(1))
    st2, v = c.request("POST", f"/v1/challenges/{d['token']}/verify", body, "application/json", port=c.backend_port(2))
    st3, v3 = c.request("POST", f"/v1/challenges/{d['token']}/verify", body, "application/json", port=c.backend_port(3))
    check(st == 201 and st2 == 200 and (st3, v3.get("error", {}).get("code")) == (409, "token_used"),
          f"issued by backend 1, verified on 2, replayed on 3: {st}, {st2}, {st3} {v3}")
    return body


def haproxy_edges(c):
    """X-Request-Id kept when the client sends one, made by HAProxy when it does not; a declared body
    over the limit refused by HAProxy itself."""
    def call(headers, body=BODY):
        conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=30)
        conn.request("POST", "/v1/liveness", body=body, headers=dict(
            {"Authorization": "Bearer " + c.key, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, **headers))
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, r.getheader("X-Request-Id"), data
    st, rid, data = call({"X-Request-Id": "client-abc-123"})
    check(st == 200 and rid == "client-abc-123" and json.loads(data)["request_id"] == "client-abc-123",
          f"the client's X-Request-Id passes through: {st} {rid}")
    st, rid, data = call({})
    check(st == 200 and rid and len(rid) == 36 and json.loads(data)["request_id"] == rid,
          f"without one, HAProxy makes one and the backend uses it: {rid}")
    conn = socket.create_connection(("127.0.0.1", c.port), timeout=10)
    conn.sendall(b"POST /v1/liveness HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    answer = conn.recv(200)
    conn.close()
    check(b" 413 " in answer.split(b"\r\n")[0], f"a declared 95 MiB body: 413 from HAProxy: {answer[:60]!r}")


def redis_restart(c, body):
    pre = c.request("POST", "/v1/challenges")[1]["token"]
    used = c.request("POST", "/v1/challenges")[1]["token"]
    check(c.request("POST", f"/v1/challenges/{used}/verify", body, "application/json")[0] == 200, "a token used before")
    pid = int(open(os.path.join(c.dir, "redis.pid")).read())
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    st, d = c.request("POST", f"/v1/challenges/{pre}/verify", body, "application/json")
    # refused by a backend (store_unavailable) or, once HAProxy has seen them not ready, by the adapter
    check(st == 503 and d.get("error", {}).get("code") in ("store_unavailable", "local_unavailable"),
          f"Redis down: tokens refused: {st} {d}")
    st, _ = c.request("GET", "/readyz", port=c.backend_port(1))
    check(st == 503, f"Redis down: a backend's /readyz is not ready (its store cannot write): {st}")
    st, d = c.request("POST", "/v1/liveness", BODY, f"multipart/form-data; boundary={BOUNDARY}")
    check(st == 200, f"liveness still answers (the backends, or the provider through the backup route): {st} {d}")
    port = c.vars["REDIS_PORT"]
    subprocess.Popen(["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                      "--dir", c.dir], stdout=subprocess.DEVNULL, start_new_session=True)
    wait_for(lambda: socket.create_connection(("127.0.0.1", int(port)), 1).close() or True, 10)
    check(wait_for(lambda: all(c.states().get(f"facelive{i}") == "UP" for i in (1, 2, 3)), 30),
          "the backends are ready again once Redis is back")
    for t in (pre, used):
        st, d = c.request("POST", f"/v1/challenges/{t}/verify", body, "application/json")
        check((st, d.get("error", {}).get("code")) == (503, "store_unavailable"),
              f"after the restart a token issued before is refused (never accepted twice): {st}")
    time.sleep(3.5)
    new = c.request("POST", "/v1/challenges")[1]["token"]
    st1 = c.request("POST", f"/v1/challenges/{new}/verify", body, "application/json")[0]
    st2 = c.request("POST", f"/v1/challenges/{new}/verify", body, "application/json")[0]
    check((st1, st2) == (200, 409), f"service resumed: a new token works once, then is used: {st1}, {st2}")
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], capture_output=True)


def main():
    c = Cluster(3)
    try:
        body = tokens_across_hosts(c)
        haproxy_edges(c)
        kill9_and_alert(c)
        rolling_restart(c)
        slow_backend(c)
        all_down(c)
        redis_restart(c, body)
    finally:
        c.run("down")
    finish()


main()
