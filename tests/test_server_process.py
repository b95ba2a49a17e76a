"""The processes of `facelive serve` under faults, over real HTTP on loopback, bounded in time and
count: a worker killed with SIGKILL under steady load is replaced and no request on the other worker
fails; a worker that crashes (SIGSEGV) answers its in-flight request with 500, never a hang;
SIGHUP reloads the configuration (a new threshold shows) under load with no failed request; SIGTERM
with requests in flight loses none of them; a stopping worker says so on /readyz. Each load reports requests sent / succeeded / failed.

usage: test_server_process.py FACELIVE MODELS_DIR DATA_DIR"""
import json
import os
import signal
import sys
import threading
import time

from checks import check, finish
from server_fixture import DEFAULT_IMAGE, Load, Server, b64

FACELIVE, MODELS, DATA = sys.argv[1:4]
IMG = b64(open(os.path.join(DATA, DEFAULT_IMAGE), "rb").read())
BODY = json.dumps({"images": [IMG]}).encode()
BODY5 = json.dumps({"images": [IMG] * 5}).encode()


def liveness_load(s, threads=2, body=BODY):
    """Liveness requests on new connections; the outcome is (status, decision or error code)."""
    def one():
        r = s.request("POST", "/v1/liveness", body, {"Content-Type": "application/json"}, timeout=30)
        named = r.json().get("request_id") == r.headers.get("x-request-id") != None  # noqa: E711
        return r.status, r.json().get("decision") or r.error(), named
    return Load(one, threads)


def wait_for(cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_sigkill(s):
    before = s.worker_pids()
    with liveness_load(s) as load:
        time.sleep(2)
        victim = before[0]
        t_kill = time.time()
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for(lambda: len(s.worker_pids()) == 2 and victim not in s.worker_pids(), 60)
        wait_for(lambda: s.request("GET", "/readyz", key=None).status == 200, 30)
        time.sleep(3)
    sent, bad = load.report("SIGKILL of one worker under load")
    # only a request in flight on the killed worker may fail (its connection closes)
    check(replaced and sent >= 20 and len(bad) <= 2 and all(b[0] == 0 for b in bad),
          f"killed worker replaced, at most the requests it held lost: {len(bad)} failed of {sent}")
    after = [r for r in load.results if r[0] > t_kill + 0.5]
    check(after and all(r[2][0] == 200 for r in after), "every request started after the kill succeeded")
    m = s.metrics()
    check(m.get("facelive_worker_restarts_total") == 1, f"the restart is counted: {m.get('facelive_worker_restarts_total')}")
    check(any(l["event"] == "worker_died" and "signal 9" in l.get("detail", "") for l in s.log()), "and logged")


def test_crash_reply(s):
    """Workers that crash while they handle requests answer those with 500 before dying; a request
    whose body was still arriving sees its connection close. None hangs."""
    pids = s.worker_pids()
    with liveness_load(s, threads=6, body=BODY5) as load:
        time.sleep(1.0)
        for p in pids:
            os.kill(p, signal.SIGSEGV)
        time.sleep(0.5)
    sent, bad = load.report("SIGSEGV in both workers under load")
    crashed = [b for b in bad if b[:2] == (500, "internal_error")]
    check(crashed and all(b[:2] == (500, "internal_error") or b[0] == 0 for b in bad) and
          max(r[1] - r[0] for r in load.results) < 30,
          f"crashed workers answer their requests 500, none hangs: {len(crashed)} x 500, {len(bad)} failed of {sent}")
    check(crashed and all(b[2] for b in crashed), "each crash answer names its request (request_id, X-Request-Id)")
    check(wait_for(lambda: len(s.worker_pids()) == 2 and not set(pids) & set(s.worker_pids()), 60) and
          wait_for(lambda: s.request("GET", "/readyz", key=None).status == 200, 60), "both workers replaced")


def test_reload(s):
    before = s.worker_pids()
    s.config["threshold"] = 0.999  # the real image scores 0.996: uncertain from now on
    s.write_config()
    with liveness_load(s) as load:
        time.sleep(1.5)
        t_hup = time.time()
        s.proc.send_signal(signal.SIGHUP)
        done = wait_for(lambda: any(l["event"] == "reload_done" for l in s.log()), 120)
        time.sleep(2)
    sent, bad = load.report("SIGHUP reload under load")
    check(done and sent >= 10 and not bad, f"reload under load: no failed request ({len(bad)} of {sent})")
    after = s.worker_pids()
    check(len(after) == 2 and not set(after) & set(before), f"new workers: {before} -> {after}")
    r = s.post_json("/v1/liveness", {"images": [IMG]})
    check(r.json().get("threshold") == 0.999 and r.json().get("decision") == "uncertain",
          f"the new threshold is served: {r.body[:160]}")
    old = [x for x in load.results if x[0] < t_hup]
    check(old and all(x[2][1] == "real" for x in old), "before the reload: the old threshold")
    # a broken configuration is refused and the running workers keep serving
    open(s.config_path, "w").write("{ not json")
    s.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: any(l["event"] == "reload_refused" for l in s.log()), 10)
    check(s.worker_pids() == after and s.post_json("/v1/liveness", {"images": [IMG]}).status == 200,
          "a broken configuration on SIGHUP is refused; the workers keep serving")


def test_sigterm(s):
    results = []

    def request():
        r = s.request("POST", "/v1/liveness", BODY5, {"Content-Type": "application/json"}, timeout=60)
        results.append(r.status)

    threads = [threading.Thread(target=request) for _ in range(12)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    in_flight = sum(t.is_alive() for t in threads)
    t0 = time.time()
    code = s.stop(signal.SIGTERM)
    for t in threads:
        t.join(60)
    print(f"SIGTERM with {in_flight} requests in flight: {results}, stopped in {time.time() - t0:.1f} s, status {code}")
    check(code == 0 and in_flight >= 4 and results == [200] * 12,
          f"SIGTERM: every request in flight answered ({results}), exit {code}")


def test_shutting_down():
    """A worker told to stop answers /readyz with 503 shutting_down on a connection it already had,
    while it finishes the request in flight; then the master replaces it."""
    import http.client
    from server_fixture import frames_doc, frames_of
    s = Server(FACELIVE, MODELS, workers=1).start()
    try:
        frames = frames_of(os.path.join(DATA, "video_tranvanluyt/videos/real.mp4"), 0, 11, 15)
        token = s.request("POST", "/v1/challenges", b"").json()["token"]
        keep = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        first = s.request("GET", "/readyz", key=None, conn=keep)
        results = []
        slow = threading.Thread(target=lambda: results.append(
            s.post_json(f"/v1/challenges/{token}/verify", frames_doc(frames)).status))
        slow.start()
        time.sleep(0.3)  # the session over ~160 frames is being judged
        worker = s.worker_pids()[0]
        os.kill(worker, signal.SIGTERM)
        time.sleep(0.1)
        r = s.request("GET", "/readyz", key=None, conn=keep)
        slow.join(60)
        check(first.status == 200 and r.status == 503 and r.error() == "shutting_down" and
              r.headers.get("connection") == "close", f"/readyz while stopping: {r.status} {r.body[:120]} {r.headers}")
        check(results == [200], f"the request in flight finished: {results}")
        check(wait_for(lambda: s.worker_pids() and s.worker_pids()[0] != worker, 30) and
              wait_for(lambda: s.request("GET", "/readyz", key=None).status == 200, 30), "a new worker took over")
    finally:
        check(s.stop() == 0, "stops cleanly")


def main():
    test_shutting_down()
    s = Server(FACELIVE, MODELS, workers=2).start()
    s.config_path = os.path.join(s.dir, "serve.json")
    try:
        test_sigkill(s)
        test_crash_reply(s)
        test_reload(s)
        test_sigterm(s)
    finally:
        s.stop(signal.SIGKILL)
    finish()


main()
