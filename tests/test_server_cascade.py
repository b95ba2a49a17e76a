"""The channel cascade through a real `facelive serve` and a test provider process on loopback
(fake_provider.py): local "real" answers locally; local spoof and uncertain go to the provider,
whose answer (real, spoof, or an untrusted value = uncertain) is returned and recorded; a provider
that errs, is slow or is not there gives 502 with the local verdict; the circuit breaker opens after
the configured failures (503, no call made), lets one probe through after its open time, and closes
when the provider is back. Metrics count all of it; the share answered locally is exported.

usage: test_server_cascade.py FACELIVE MODELS_DIR DATA_DIR"""
import json
import os
import subprocess
import sys
import time
import urllib.request

from checks import check, finish
from server_fixture import DEFAULT_IMAGE, SPOOF_IMAGE, UNCERTAIN_IMAGE, Server, b64, free_port, wait_port

FACELIVE, MODELS, DATA = sys.argv[1:4]
HERE = os.path.dirname(os.path.abspath(__file__))
imgs = {k: b64(open(os.path.join(DATA, p), "rb").read())
        for k, p in (("real", DEFAULT_IMAGE), ("spoof", SPOOF_IMAGE), ("uncertain", UNCERTAIN_IMAGE))}


class Provider:
    def __init__(self):
        self.port = free_port()
        self.proc = None

    def start(self, mode="real"):
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "fake_provider.py"), str(self.port), mode])
        assert wait_port(self.port), "the test provider did not start"

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def call(self, method, path, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def mode(self, m):
        self.call("POST", "/mode", m.encode())

    def stats(self):
        return self.call("GET", "/stats")


def live(s, kind):
    return s.post_json("/v1/liveness", {"images": [imgs[kind]]})


def test_channels(s, p):
    calls0 = p.stats()["calls"]
    r = live(s, "real")
    check(r.status == 200 and r.json()["channel"] == "local" and p.stats()["calls"] == calls0,
          f"local real: answered locally, the provider not called: {r.body[:200]}")
    r = live(s, "spoof")
    d = r.json()
    check(r.status == 200 and d["channel"] == "provider" and d["decision"] == "real" and
          d["local"]["decision"] == "spoof" and d["provider"]["decision"] == "real" and "local_spoof" in d["reasons"]
          and p.stats()["calls"] == calls0 + 1, f"local spoof -> the provider decides (real): {r.body[:300]}")
    last = p.stats()["last"]
    check(last["auth"] == "Bearer provider-secret" and last["body"]["images"] == [imgs["spoof"]] and
          last["body"]["request_id"] == d["request_id"], f"the template, images and auth header reach the provider")
    p.mode("spoof")
    r = live(s, "uncertain")
    d = r.json()
    check(r.status == 200 and d["channel"] == "provider" and d["decision"] == "spoof" and
          d["local"]["decision"] == "uncertain" and "local_uncertain" in d["reasons"],
          f"local uncertain -> provider says spoof: {r.body[:300]}")
    p.mode("weird")
    r = live(s, "spoof")
    check(r.status == 200 and r.json()["decision"] == "uncertain" and r.json()["channel"] == "provider",
          f"a value the provider is not configured for is uncertain, never real: {r.body[:200]}")


def test_failures(s, p):
    p.mode("nofield")
    r = live(s, "spoof")
    d = r.json()
    check(r.status == 502 and r.error() == "provider_unavailable" and d["local_decision"] == "spoof" and
          d["local"]["decision"] == "spoof", f"an answer without the verdict field: 502 with the local verdict: {r.body[:300]}")
    p.mode("real")  # one success resets the count of consecutive failures
    check(live(s, "spoof").status == 200, "the provider answers again")
    p.mode("slow")
    t0 = time.time()
    r = live(s, "spoof")
    took = time.time() - t0
    check(r.status == 502 and r.error() == "provider_unavailable" and "local" in r.json() and 1.0 < took < 4.5,
          f"a slow provider: 502 after the timeout and one retry ({took:.1f} s): {r.body[:200]}")
    p.mode("error")
    calls = p.stats()["calls"]
    r = live(s, "spoof")
    check(r.status == 502 and p.stats()["calls"] == calls + 2, f"HTTP 500: retried once, then 502 ({p.stats()['calls'] - calls} calls)")
    # two consecutive failed calls (slow, error; each with its retry): the circuit opened at the second
    m = s.metrics()
    check(m.get("facelive_provider_circuit_state") == 1 and m.get("facelive_provider_circuit_opened_total") == 1,
          f"the circuit is open: { {k: v for k, v in m.items() if 'circuit' in k} }")
    calls = p.stats()["calls"]
    r = live(s, "spoof")
    check(r.status == 503 and r.error() == "provider_circuit_open" and r.json()["local"]["decision"] == "spoof" and
          p.stats()["calls"] == calls, f"open circuit: 503 with the local verdict, no call made: {r.body[:200]}")
    r = live(s, "real")
    check(r.status == 200 and r.json()["decision"] == "real", "a local real is still answered while the circuit is open")
    # the provider goes away entirely; after the open time one probe fails and opens it again
    p.stop()
    time.sleep(2.2)
    r = live(s, "spoof")
    check(r.status == 502 and r.error() == "provider_unavailable", f"the probe to a dead provider fails: {r.body[:200]}")
    r = live(s, "spoof")
    check(r.status == 503 and r.error() == "provider_circuit_open", "and the circuit is open again")
    # back: after the open time the probe succeeds and the circuit closes
    p.start("spoof")
    time.sleep(2.2)
    r = live(s, "spoof")
    check(r.status == 200 and r.json()["channel"] == "provider" and r.json()["decision"] == "spoof",
          f"the probe succeeds: {r.body[:200]}")
    m = s.metrics()
    check(m.get("facelive_provider_circuit_state") == 0, "the circuit is closed again")
    check(live(s, "uncertain").status == 200, "and calls go through")


def test_metrics(s):
    m = s.metrics()
    local = sum(v for k, v in m.items() if k.startswith('facelive_decisions_total{channel="local"'))
    remote = sum(v for k, v in m.items() if k.startswith('facelive_decisions_total{channel="provider"'))
    ratio = m.get("facelive_answered_locally_ratio")
    check(local >= 2 and remote >= 5 and abs(ratio - local / (local + remote)) < 1e-6,
          f"decisions by channel and the share answered locally: {local} local, {remote} provider, ratio {ratio}")
    check(m.get('facelive_provider_failures_total{reason="http"}', 0) >= 1 and
          m.get('facelive_provider_failures_total{reason="timeout"}', 0) >= 2 and
          m.get('facelive_provider_failures_total{reason="response"}', 0) >= 1 and
          m.get('facelive_provider_failures_total{reason="circuit_open"}', 0) >= 2 and
          m.get("facelive_provider_duration_seconds_count", 0) >= 8,
          f"provider calls, failures by reason and latency: { {k: v for k, v in m.items() if 'provider' in k} }")
    check(m.get('facelive_escalations_total{reason="spoof"}', 0) >= 6 and
          m.get('facelive_escalations_total{reason="uncertain"}', 0) >= 2, "escalations by reason")
    lines = [l for l in s.log() if l["event"] == "request" and l.get("channel") == "provider"]
    check(len(lines) >= 4 and all(l["decision"] in ("real", "spoof", "uncertain") for l in lines),
          "the provider's answers are in the log with their channel")


def burst(s, n=6):
    """n five-image requests at once against one inference slot that never waits."""
    import threading
    out = []
    body = {"images": [imgs["real"]] * 5}
    threads = [threading.Thread(target=lambda: out.append(s.post_json("/v1/liveness", body))) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_escalation_config(p):
    """Which cases escalate is configuration: here only "uncertain". An overload that is not
    escalated is 503 overloaded; one that is goes to the provider."""
    busy = {"inference_slots": 1, "limits": {"queue_timeout_ms": 0}}
    s = Server(FACELIVE, MODELS, workers=1, config=dict(busy, provider={
        "url": f"http://127.0.0.1:{p.port}/check", "escalate": ["uncertain"], "verdict_field": "result.decision",
        "timeout_ms": 1500})).start()
    try:
        p.mode("real")
        r = live(s, "spoof")
        check(r.status == 200 and r.json()["channel"] == "local" and r.json()["decision"] == "spoof",
              f"spoof is not escalated when not configured: {r.body[:200]}")
        r = live(s, "uncertain")
        check(r.status == 200 and r.json()["channel"] == "provider", "uncertain is")
        out = burst(s)
        codes = sorted((r.status, r.error()) for r in out)
        check((503, "overloaded") in codes and (200, None) in codes and
              all(c in ((503, "overloaded"), (200, None)) for c in codes),
              f"no free slot, overload not escalated: 503 overloaded: {codes}")
    finally:
        s.stop()
    s = Server(FACELIVE, MODELS, workers=1, config=dict(busy, provider={
        "url": f"http://127.0.0.1:{p.port}/check", "escalate": ["overload"], "verdict_field": "result.decision",
        "timeout_ms": 1500})).start()
    try:
        out = burst(s)
        by_provider = [r for r in out if r.status == 200 and r.json()["channel"] == "provider"]
        check(by_provider and all("local_overload" in r.json()["reasons"] and r.json()["local"]["status"] == "overload"
                                  for r in by_provider) and all(r.status == 200 for r in out),
              f"an overload escalated: the provider answers ({len(by_provider)} of {len(out)})")
    finally:
        s.stop()


def test_adapter(p):
    """mode "adapter": no models; every liveness request goes to the provider, in the service's own
    answer format (the backup route behind a load balancer); challenges cannot be served."""
    a = Server(FACELIVE, MODELS, workers=1, config={"mode": "adapter", "provider": {
        "url": f"http://127.0.0.1:{p.port}/check", "escalate": ["spoof"], "verdict_field": "result.decision"}})
    t0 = time.time()
    a.start()
    started = time.time() - t0
    try:
        p.mode("spoof")
        r = live(a, "real")
        d = r.json()
        check(r.status == 200 and d["channel"] == "provider" and d["decision"] == "spoof" and
              d["local"]["status"] == "unavailable" and d["reasons"] == ["local_unavailable"],
              f"the adapter answers through the provider: {r.body[:300]}")
        r = a.request("POST", "/v1/challenges", b"")
        check(r.status == 503 and r.error() == "local_unavailable", f"no challenges from the adapter: {r.body[:200]}")
        v = a.request("GET", "/v1/version", key=None).json()
        check(v["mode"] == "adapter" and v["models"] == [], f"version says adapter: {v}")
        check(a.request("GET", "/readyz", key=None).status == 200 and started < 10, f"ready at once ({started:.1f} s)")
        m = a.metrics()
        check(m.get('facelive_escalations_total{reason="unavailable"}') == 1 and
              m.get("facelive_answered_locally_ratio") == 0, "counted as escalated, none answered locally")
    finally:
        check(a.stop() == 0, "the adapter stops cleanly")
    bad = Server(FACELIVE, MODELS, workers=1, config={"mode": "adapter"})
    import subprocess
    r = subprocess.run([FACELIVE, "serve", "--config", bad.write_config(), "--check"], capture_output=True, text=True)
    check(r.returncode == 1 and "provider.url" in r.stderr, f"an adapter without a provider is refused: {r.stderr[:200]}")


def main():
    p = Provider()
    p.start("real")
    s = Server(FACELIVE, MODELS, workers=2, config={"provider": {
        "url": f"http://127.0.0.1:{p.port}/check", "headers": ["Authorization: Bearer provider-secret"],
        "verdict_field": "result.decision", "score_field": "result.confidence", "timeout_ms": 1500, "retries": 1,
        "circuit_failures": 2, "circuit_open_ms": 2000}})
    s.start()
    try:
        test_channels(s, p)
        test_failures(s, p)
        test_metrics(s)
    finally:
        check(s.stop() == 0, "the server stops cleanly")
    test_escalation_config(p)
    test_adapter(p)
    p.stop()
    finish()


main()
