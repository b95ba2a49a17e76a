"""The Redis token store, for real: Debian's redis-server started on a loopback port. The token
checks of test_server_tokens.py run against it; two servers (two "hosts") share it, so a challenge
issued by one verifies on the other and its replay on either is refused; with Redis down tokens
are refused (503 store_unavailable) while the rest of the service answers; a tenant's rate limit
counts its requests to both hosts; after Redis restarts
empty, tokens issued before the restart are refused (their use may have been forgotten: fail
closed, never accepted twice) and new ones work.

usage: test_server_redis.py FACELIVE MODELS_DIR DATA_DIR"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

from checks import check, finish
from server_fixture import Server, b64, free_port, frames_of, wait_port
import test_server_tokens as tokens

FACELIVE, MODELS, DATA = sys.argv[1:4]


class Redis:
    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="facelive-redis-")
        self.proc = None

    def start(self):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL)
        assert wait_port(self.port), "redis-server did not start"

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None


def main():
    redis = Redis()
    redis.start()
    time.sleep(3)  # tokens issued in a Redis's first seconds are refused (see the restart case below)
    store = {"kind": "redis", "host": "127.0.0.1", "port": redis.port, "timeout_ms": 300}
    a = Server(FACELIVE, MODELS, workers=2, config={"store": store})
    a.keys["gamma"] = "fl_gamma_" + os.urandom(16).hex()  # a tenant limited to 3 requests a minute
    a.config["tenants"].append({"name": "gamma", "key_sha256": hashlib.sha256(a.keys["gamma"].encode()).hexdigest(),
                                "rate_per_minute": 3})
    a.start()
    b = Server(FACELIVE, MODELS, workers=1, config={"store": store})
    b.secret, b.keys = a.secret, a.keys  # one service: the same secret and tenants on every host
    open(os.path.join(b.dir, "secret.hex"), "w").write(a.secret.hex())
    b.config["tenants"] = a.config["tenants"]
    b.start()
    try:
        # the rate limit is counted in Redis: requests to both hosts add up
        got = [h.request("POST", "/v1/challenges", b"", key="gamma").status for h in (a, b, a, b)]
        check(got == [201, 201, 201, 429], f"3 a minute across two hosts: {got}")
        real = frames_of(tokens.REAL, 0, 11, 10)
        few = real[:3]
        tokens.test_issue(a)
        tokens.test_sessions(a, real, frames_of(tokens.REPLAY, 0, 11, 10))
        tokens.test_refusals(a, real)
        # two hosts, one store
        _, d = tokens.challenge(a, ["turn_left", "turn_right"])
        r = tokens.verify(b, d["token"], real)
        check(r.status == 200 and r.json()["decision"] == "real", f"issued by one host, verified on another: {r.body[:200]}")
        check(tokens.code(tokens.verify(a, d["token"], few)) == (409, "token_used"), "its replay on the first host")
        check(tokens.code(tokens.verify(b, d["token"], few)) == (409, "token_used"), "and on the second")
        # Redis down: tokens fail closed, the rest answers
        _, before_used = tokens.challenge(a)
        check(tokens.verify(a, before_used["token"], few).status == 200, "a token used before the outage")
        _, before_fresh = tokens.challenge(a)
        redis.stop()
        r = tokens.verify(a, before_fresh["token"], few)
        check(tokens.code(r) == (503, "store_unavailable"), f"Redis down: the token is refused: {r.body[:200]}")
        check(a.request("POST", "/v1/challenges", b"").status == 201, "challenges are still issued (no store needed)")
        r = a.post_json("/v1/liveness", {"images": [b64(few[0][0])]})
        check(r.status == 200, f"liveness answers without the store: {r.status}")
        m = a.metrics()
        check(m.get("facelive_store_errors_total", 0) >= 1, "store errors are counted")
        # Redis back, empty: what was issued before cannot be trusted
        redis.start()
        for t in (before_used["token"], before_fresh["token"]):
            r = tokens.verify(a, t, few)
            check(tokens.code(r) == (503, "store_unavailable"),
                  f"a token issued before Redis restarted is refused, used or not: {tokens.code(r)}")
        time.sleep(3.5)  # tokens issued within 2 s (and uptime's 1 s steps) of the restart are refused too
        _, d = tokens.challenge(a)
        check(tokens.verify(b, d["token"], few).status == 200, "a new token works once Redis is back")
        check(tokens.code(tokens.verify(a, d["token"], few)) == (409, "token_used"), "and is single-use again")
    finally:
        check(a.stop() == 0 and b.stop() == 0, "both servers stop cleanly")
        redis.stop()
    finish()


main()
