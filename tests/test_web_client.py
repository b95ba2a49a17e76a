"""web/facelive-client.mjs in Node against a real `facelive serve` (web/test/client.test.mjs says what
it checks): this file starts the server and cuts the frames of the real head-turn clip and of its
monitor replay, the Node script drives the client.

usage: test_web_client.py FACELIVE MODELS DATA"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish
from server_fixture import Server, frames_of

FACELIVE, MODELS, DATA = sys.argv[1:4]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cut(clip, folder):
    frames = frames_of(os.path.join(DATA, clip), 0, 11, 10)
    os.makedirs(folder)
    for i, (jpg, _) in enumerate(frames):
        open(os.path.join(folder, f"{i:04d}.jpg"), "wb").write(jpg)
    json.dump([t for _, t in frames], open(os.path.join(folder, "times.json"), "w"))
    return len(frames)


def main():
    node = shutil.which("node") or shutil.which("nodejs")
    check(node is not None, "node is installed (scripts/setup.sh)")
    tmp = tempfile.mkdtemp(prefix="facelive-web-client-")
    n_real = cut("video_tranvanluyt/videos/real.mp4", os.path.join(tmp, "real"))
    n_replay = cut("video_tranvanluyt/videos/fake.mp4", os.path.join(tmp, "replay"))
    check(n_real > 100 and n_replay > 100, f"frames cut: {n_real} real, {n_replay} replay")
    s = Server(FACELIVE, MODELS, workers=1).start()
    try:
        r = subprocess.run([node, os.path.join(ROOT, "web", "test", "client.test.mjs"), f"http://127.0.0.1:{s.port}",
                            s.keys["acme"], os.path.join(tmp, "real"), os.path.join(tmp, "replay")],
                           capture_output=True, text=True, timeout=600)
        print(r.stdout, r.stderr[-2000:], sep="\n")
        check(r.returncode == 0 and " 0 failed" in r.stdout, "every part of the client test passes")
    finally:
        check(s.stop() == 0, "the server stops cleanly")
    shutil.rmtree(tmp, ignore_errors=True)
    finish()


main()
