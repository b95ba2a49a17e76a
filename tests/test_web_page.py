"""The liveness page in a real browser (web/test/page.test.mjs says what it checks): this file makes
the two clips into the .mjpeg files chromium plays as its fake camera, starts `facelive serve` with
the page's folder (scripts/build.sh wasm makes build-wasm/site) as web_root, and runs the browser test
with node. Screenshots of every state go to build-wasm/screenshots (CI keeps them).

usage: test_web_page.py FACELIVE MODELS DATA"""
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish
from server_fixture import Server

FACELIVE, MODELS, DATA = sys.argv[1:4]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE = os.path.join(ROOT, "build-wasm", "site")
SHOTS = os.path.join(ROOT, "build-wasm", "screenshots")


def mjpeg(clip, out):
    """The clip's frames as concatenated JPEGs: chromium's fake camera plays them at 30 a second."""
    import cv2
    cap = cv2.VideoCapture(os.path.join(DATA, clip))
    n = 0
    with open(out, "wb") as f:
        while True:
            ok, img = cap.read()
            if not ok:
                break
            f.write(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
            n += 1
    return n


def main():
    node = shutil.which("node") or shutil.which("nodejs")
    check(node is not None, "node is installed (scripts/setup.sh)")
    check(os.path.isfile(os.path.join(SITE, "facelive-simd.wasm")), f"the page is built in {SITE} (scripts/build.sh wasm)")
    check(os.path.isdir(os.path.join(ROOT, "web", "node_modules", "playwright-core")),
          "playwright-core is installed (npm ci --prefix web, done by scripts/test.sh)")
    check(os.path.exists("/usr/bin/chromium"), "Debian's chromium is installed (scripts/setup.sh)")
    tmp = tempfile.mkdtemp(prefix="facelive-web-page-")
    real, replay = os.path.join(tmp, "real.mjpeg"), os.path.join(tmp, "replay.mjpeg")
    check(mjpeg("video_tranvanluyt/videos/real.mp4", real) > 300 and
          mjpeg("video_tranvanluyt/videos/fake.mp4", replay) > 300, "the clips became fake cameras")
    shutil.rmtree(SHOTS, ignore_errors=True)
    os.makedirs(SHOTS)
    # one action, so that the clip's first head turn (to the left) is the challenge whatever is drawn
    s = Server(FACELIVE, MODELS, workers=1,
               config={"web_root": SITE, "challenges": {"actions": ["turn_left"], "length": 1}}).start()
    try:
        r = subprocess.run([node, "--test-reporter=spec", os.path.join(ROOT, "web", "test", "page.test.mjs"),
                            f"http://127.0.0.1:{s.port}", s.keys["acme"], real, replay, SHOTS],
                           capture_output=True, text=True, timeout=1200)
        print(r.stdout[-6000:], r.stderr[-3000:], sep="\n")
        check(r.returncode == 0, "every part of the page test passes")
        shots = sorted(os.listdir(SHOTS))
        print("screenshots:", " ".join(shots))
        check(len(shots) >= 6, f"a screenshot of each state ({len(shots)} in {SHOTS})")
    finally:
        check(s.stop() == 0, "the server stops cleanly")
    shutil.rmtree(tmp, ignore_errors=True)
    finish()


main()
