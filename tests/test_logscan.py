"""facelive logscan with the shipped rule set (deploy/logscan/rules.json) over logs whose counts are
known: a rule fires exactly at its threshold within its window, old lines and other fields do not
count, numbers are compared with at_least, lines that are not JSON are skipped and counted; the
alert command runs per finding; bad rules, missing logs and bad usage are errors.

usage: test_logscan.py FACELIVE RULES_JSON"""
import json
import os
import subprocess
import sys
import tempfile
import time

from checks import check, finish

FACELIVE, RULES = sys.argv[1:3]
tmp = tempfile.mkdtemp(prefix="facelive-logscan-")


def ts(ago):
    t = time.time() - ago
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def write(name, lines):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        for l in lines:
            f.write(l if isinstance(l, str) else json.dumps(l) + "\n")
    return path


def scan(*args):
    return subprocess.run([FACELIVE, "logscan", *args], capture_output=True, text=True, timeout=60)


def req(ago, **kw):
    return dict({"ts": ts(ago), "event": "request", "route": "liveness", "status": 200, "latency_ms": 20}, **kw)


# 19 errors of 5xx in the last 5 minutes, one more 10 minutes ago: below the threshold of 20
quiet = [req(10 + i, status=503, error="overloaded") for i in range(19)] + [req(600, status=500)]
quiet += [{"ts": ts(7200), "event": "worker_died", "pid": 1}]              # outside its 15-minute window
quiet += [req(5 + i, latency_ms=999.9) for i in range(30)]                 # just under 1 s: not slow
quiet += ["not json at all\n", '{"no": "ts"}\n']
log = write("quiet.log", quiet)
r = scan("--rules", RULES, log)
check(r.returncode == 0 and r.stdout == "" and "2 not JSON log lines" in r.stderr,
      f"below every threshold: no finding, exit 0: {r.stdout} {r.stderr}")

loud = quiet + [req(3, status=502, error="provider_unavailable"),           # the 20th 5xx in the window
                {"ts": ts(60), "event": "worker_died", "pid": 2, "detail": "killed by signal 9"}]
loud += [req(1 + i, latency_ms=1500) for i in range(20)]                   # 20 slow answers
log = write("loud.log", loud)
out = os.path.join(tmp, "alerts.txt")
r = scan("--rules", RULES, log, "--json", "--alert-command", f'echo "$FACELIVE_LOGSCAN_RULE $FACELIVE_LOGSCAN_COUNT" >> {out}')
found = {json.loads(l)["rule"]: json.loads(l)["count"] for l in r.stdout.splitlines()}
check(r.returncode == 1 and found == {"server_errors": 20, "worker_crashes": 1, "slow_liveness": 20},
      f"at the thresholds: the three rules fire with their counts: {found} {r.stderr}")
check(sorted(open(out).read().split("\n")[:-1]) == ["server_errors 20", "slow_liveness 20", "worker_crashes 1"],
      "the alert command ran once per finding")

attack = [req(i, status=403, error="token_forged", route="verify") for i in range(10)]
r = scan("--rules", RULES, write("attack.log", attack))
check(r.returncode == 1 and r.stdout.startswith("token_attacks [ticket]: 10 in 600 s"), f"token attacks: {r.stdout}")

check(scan("--rules", write("bad.json", ['{"rules": [{"name": "x"}]}\n']), log).returncode == 1, "a rule without match: 1")
check(scan("--rules", os.path.join(tmp, "none.json"), log).returncode == 1, "missing rules: 1")
check(scan("--rules", RULES, os.path.join(tmp, "none.log")).returncode == 1, "a missing log: 1")
check(scan(log).returncode == 2 and scan("--rules").returncode == 2 and scan("--bogus").returncode == 2, "bad usage: 2")
finish()
