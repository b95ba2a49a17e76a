"""The Java client end to end: a real `facelive serve` on loopback (tests/server_fixture.py), and the
SDK's flow in Java (io.facelive.examples.ClientDemo): a challenge from the server, the session run
locally on the head-turn clip's frames fed as a phone's NV21 buffers, the captured frames posted to
the verify route. The server accepts the real clip and refuses the monitor replay (replayed and
forged tokens are the server tests' part: test_server_tokens.py).

usage: test_java_client.py FACELIVE MODELS FRAMES_DIR JAVA CLASSPATH JNI_LIBRARY"""
import json
import os
import subprocess
import sys

from checks import check, finish
from server_fixture import Server

FACELIVE, MODELS, FRAMES, JAVA, CLASSPATH, JNI = sys.argv[1:7]


def demo(server, frames, order):
    p = subprocess.run([JAVA, f"-Dfacelive.jni={JNI}", "-cp", CLASSPATH, "io.facelive.examples.ClientDemo",
                        f"http://127.0.0.1:{server.port}/", server.keys["acme"], MODELS, os.path.join(FRAMES, frames),
                        order], capture_output=True, text=True, timeout=300)
    lines = p.stdout.strip().splitlines()
    check(p.returncode == 0 and lines, f"ClientDemo on {frames}: exit {p.returncode}: {p.stderr[-600:]}")
    try:
        return json.loads(lines[-1])
    except (ValueError, IndexError):
        check(False, f"ClientDemo on {frames} printed no JSON: {p.stdout[-600:]} {p.stderr[-300:]}")
        return {}


server = Server(FACELIVE, MODELS, workers=1).start()
try:
    real = demo(server, "real", "turn_left,turn_right")
    s = real.get("server", {})
    check(real.get("challenge") == "turn_left,turn_right" and real.get("server_status") == 200 and
          s.get("decision") == "real" and s.get("outcome") == "passed",
          f"the server accepts the real clip: {json.dumps(real)[:600]}")
    check(real.get("local", {}).get("decision") == "real", f"and the local session agreed: {real.get('local')}")
    fake = demo(server, "fake", "turn_left,turn_right")
    s = fake.get("server", {})
    check(fake.get("server_status") == 200 and s.get("decision") != "real" and s.get("outcome") != "passed",
          f"the server refuses the monitor replay: {json.dumps(fake)[:600]}")
    print(f"real: local {real.get('local')}, server {real.get('server', {}).get('decision')}; "
          f"replay: local {fake.get('local')}, server {fake.get('server', {}).get('decision')}")
finally:
    server.stop()
finish()
