"""The service against a careless or hostile client (issue 20): one check per finding of the attack
on 2026-12-04, each on a real `facelive serve` over loopback. Every check failed on main before the
fixes (run with FL_HOSTILE_COMPAT=1 against an older build: the configuration keys it does not know
are left out).

  verdict  a client's face box cannot make a spoof real; all-zero, squeezed and spliced recordings
           of a real attempt are not passed (frames and MP4)
  video    HLS and ffconcat bodies are 415 and open no file; frames a microsecond apart are refused
           at once and hold no inference slot; the client's own errors leave the token unspent
  http     a keyless 60 MB body gets 401 before it is sent, the worker's memory unmoved; slow
           headers are cut; a full worker leaves connections to its sibling; ambiguous framing and
           header tricks are 400; out of descriptors, no spinning and no flood of log lines
  decode   a progressive JPEG of thousands of scans and five 4096x4096 PNGs are refused cheaply
  store    a full LMDB store: verify 503, rate limits refuse, /readyz not ready; a store full of
           expired entries makes room
  records  audit names chosen by the server, verify audited, the disk cap; metrics behind a key,
           201 counted, no server path in answers, request_id everywhere

usage: test_server_hostile.py FACELIVE MODELS_DIR DATA_DIR PART"""
import json
import os
import secrets
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from checks import check, finish
from server_fixture import Server, b64, frames_doc, frames_of

FACELIVE, MODELS, DATA, PART = sys.argv[1:5]
REAL = os.path.join(DATA, "video_tranvanluyt/videos/real.mp4")
SPOOF_IMAGE = os.path.join(DATA, "silent_face_minivision/image_F1.jpg")  # spoof alone (0.034)
REAL_IMAGE = os.path.join(DATA, "silent_face_minivision/image_T1.jpg")
COMPAT = os.environ.get("FL_HOSTILE_COMPAT") == "1"
NEW_KEYS = {"header_timeout_s", "max_request_pixels", "max_verify_pixels", "max_video_frames",
            "video_decode_timeout_s", "map_size_mb", "audit_max_mb", "metrics_key_sha256"}


def compat(doc):
    """The configuration without this issue's keys, for an older build."""
    if not COMPAT or not isinstance(doc, dict):
        return doc
    return {k: compat(v) for k, v in doc.items() if k not in NEW_KEYS}


def server(workers=1, config=None, prepare=None, **kw):
    s = Server(FACELIVE, MODELS, workers=workers, config=config, **kw)
    if prepare:
        prepare(s.config)
    s.config = compat(s.config)
    return s.start()


def code(r):
    return r.status, r.error()


def challenge(s, want):
    for _ in range(40):
        d = s.request("POST", "/v1/challenges", b"").json()
        if d.get("actions") == want:
            return d["token"]
    raise RuntimeError(f"no challenge {want}")


def proc_status(pid, field):
    """A /proc/PID/status field in kB (VmRSS, VmHWM)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_cpu(s):
    return sum(cpu_s(p) for p in s.worker_pids())


def raw(s, data, timeout=5):
    """Sends bytes on a fresh connection; what comes back before it closes or times out."""
    c = socket.create_connection(("127.0.0.1", s.port), timeout=timeout)
    try:
        c.sendall(data)
        got = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            got += chunk
            if b"\r\n\r\n" in got and len(got) > got.index(b"\r\n\r\n") + 4:
                break
    except OSError:
        pass
    finally:
        c.close()
    return got


def status_of(answer):
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


# ---- verdict: the client's claims are not judged ------------------------------------------------

def test_box_search(s):
    """Finding 1: a grid of boxes over the spoof image; none may come back real."""
    spoof = open(SPOOF_IMAGE, "rb").read()
    plain = s.post_json("/v1/liveness", {"images": [b64(spoof)]}).json()
    boxes = [[x, y, w, w] for w in (12, 24, 48, 96) for x in range(0, 480 - w, 60) for y in range(0, 640 - w, 80)]
    boxes += [[x, y, w, int(w * 1.2)] for w in (150, 200, 260) for x in (60, 120, 180) for y in (100, 160, 220)]
    real, mismatched, other = 0, 0, []
    for b in boxes:
        r = s.post_json("/v1/liveness", {"images": [{"data": b64(spoof), "box": b}]})
        if r.status == 200 and r.json()["decision"] == "real":
            real += 1
        elif code(r) == (422, "box_mismatch"):
            mismatched += 1
        elif r.status != 200:
            other.append(code(r))
    check(real == 0 and not other, f"no box of {len(boxes)} makes the spoof image real: {real} real, "
                                   f"{mismatched} box_mismatch, other answers {other[:5]}")
    check(plain.get("decision") == "spoof", f"without a box the image is a spoof: {plain.get('decision')}")
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(spoof), "box": [0, 0, 12, 12]}]})
    detail = r.json().get("error", {}).get("detail", "")
    if "found at [" in detail:  # the face the server found: a box on it is accepted as a hint
        box = [int(float(v)) for v in detail.split("found at [")[1].split("]")[0].split(",")]
        r = s.post_json("/v1/liveness", {"images": [{"data": b64(spoof), "box": box}]})
        check(r.status == 200 and r.json()["decision"] == plain["decision"],
              f"a box on the face the server finds gives the same verdict: {r.body[:200]}")
    else:
        check(COMPAT, f"a box off the face names the face found: {r.body[:200]}")


def retimed(frames, times):
    return [(j, round(t, 4)) for (j, _), t in zip(frames, times)]


def spliced(frames):
    """The real clip cut at its action boundaries and put back in the other order: the neutral
    start, the turn to the right, then the turn to the left; times re-made 0.1 s apart."""
    def seg(a, b):
        return [f for f in frames if a <= f[1] < b]
    cut = seg(0, 1.4) + seg(6.8, 11.1) + seg(1.4, 6.8)
    return retimed(cut, [i * 0.1 for i in range(len(cut))])


def mp4_of(frames, fps):
    import cv2
    import numpy as np
    path = tempfile.mktemp(suffix=".mp4")
    first = cv2.imdecode(np.frombuffer(frames[0][0], np.uint8), cv2.IMREAD_COLOR)
    w = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (first.shape[1], first.shape[0]))
    for j, _ in frames:
        w.write(cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR))
    w.release()
    data = open(path, "rb").read()
    os.unlink(path)
    return data


def clip_of(width, height):
    """A six-frame MPEG-4 (part 2) clip of noise."""
    import cv2
    import numpy as np
    path = tempfile.mktemp(suffix=".mp4")
    w = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), 10, (width, height))
    for i in range(6):
        w.write(np.random.default_rng(i).integers(0, 255, (height, width, 3), dtype=np.uint8))
    w.release()
    data = open(path, "rb").read()
    os.unlink(path)
    return data


def as_png_codec(mp4):
    """The MP4 with its video track naming the PNG codec: the sample entry's tag and the object type of its
    decoder configuration (MPEG-4 systems 0x6D), the bytes a fuzzer changes to reach another of FFmpeg's decoders."""
    out = bytearray(mp4.replace(b"mp4v", b"png "))
    at = out.find(b"esds") + 8  # after the box type, version and flags

    def descriptor(at):  # (tag, offset of its body): lengths take 1-4 bytes of 7 bits
        tag, at = out[at], at + 1
        while out[at] & 0x80:
            at += 1
        return tag, at + 1
    tag, at = descriptor(at)
    assert tag == 3, "an ES descriptor"
    flags = out[at + 2]
    at += 3 + (2 if flags & 0x80 else 0) + (out[at + 3] + 1 if flags & 0x40 else 0) + (2 if flags & 0x20 else 0)
    tag, at = descriptor(at)
    assert tag == 4 and out[at] == 0x20, "a decoder configuration of MPEG-4 video"
    out[at] = 0x6D
    return bytes(out)


def verify(s, token, frames=None, video=None):
    if video is not None:
        return s.request("POST", f"/v1/challenges/{token}/verify", video, {"Content-Type": "video/mp4"})
    return s.post_json(f"/v1/challenges/{token}/verify", frames_doc(frames))


def test_recordings(s):
    """Finding 2: made-up times and a spliced recording are not passed; the real one still is."""
    real = frames_of(REAL, 0, 11, 10)
    r = verify(s, challenge(s, ["turn_left", "turn_right"]), real)
    check(r.status == 200 and r.json()["decision"] == "real", f"control: the real frames pass: {r.body[:200]}")
    r = verify(s, challenge(s, ["turn_left", "turn_right"]), retimed(real, [0] * len(real)))
    d = r.json()
    check(r.status == 200 and d["decision"] != "real" and d.get("outcome") == "in_progress" and
          d.get("frames_judged") == 1, f"all times 0: the same frame again, not passed: {r.body[:300]}")
    for name, frames in (("squeezed into 1 s", retimed(real, [i / len(real) for i in range(len(real))])),
                         ("1 ms apart", retimed(real, [i * 0.001 for i in range(len(real))]))):
        r = verify(s, challenge(s, ["turn_left", "turn_right"]), frames)
        d = r.json()
        check(r.status == 200 and d["decision"] != "real" and d.get("failure") == "implausible_timing",
              f"{name}: not passed (implausible_timing): {r.body[:300]}")
    cut = spliced(real)
    r = verify(s, challenge(s, ["turn_right", "turn_left"]), cut)
    d = r.json()
    check(r.status == 200 and d["decision"] != "real" and d.get("failure") == "face_changed",
          f"the spliced frames do not pass the other order: {r.body[:300]}")
    r = verify(s, challenge(s, ["turn_right", "turn_left"]), video=mp4_of(cut, 10))
    check(r.status == 200 and r.json()["decision"] != "real", f"the spliced MP4 does not pass: {r.body[:300]}")
    r = verify(s, challenge(s, ["turn_left", "turn_right"]), video=mp4_of(real, 10))
    check(r.status == 200 and r.json()["decision"] == "real", f"control: the unspliced MP4 passes: {r.body[:300]}")


# ---- video bodies -------------------------------------------------------------------------------

def fast_mp4(data, factor):
    """The clip with its video track's time scale multiplied: frames `factor` times closer."""
    out = bytearray(data)
    i = out.find(b"mdhd")
    while i > 0:
        version = out[i + 4]
        at = i + 4 + 4 + (16 if version == 1 else 8)
        scale = struct.unpack(">I", out[at:at + 4])[0]
        out[at:at + 4] = struct.pack(">I", min(scale * factor, 0xFFFFFFFF))
        i = out.find(b"mdhd", i + 4)
    return bytes(out)


def test_video_bodies(s):
    """Findings 3 and 7."""
    token = challenge(s, ["turn_left", "turn_right"])
    hls = f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:20\n#EXTINF:20.0,\n{os.path.abspath(REAL)}\n#EXT-X-ENDLIST\n"
    concat = f"ffconcat version 1.0\nfile '{os.path.relpath(REAL)}'\n"
    for name, body in (("an HLS playlist naming a file on the server", hls), ("an ffconcat list", concat)):
        r = verify(s, token, video=body.encode())
        check(code(r) == (415, "video_format") and "actions" not in r.body and "turn_" not in r.body,
              f"{name}: 415 video_format, nothing read: {r.body[:200]}")
    mp4v = clip_of(33, 25)
    check(mp4v.count(b"mp4v") == 1, "the clip names its codec once, in its sample entry")
    r = verify(s, token, video=as_png_codec(mp4v))
    check(code(r) == (415, "video_format") and "codec png is not accepted" in r.json()["error"].get("detail", ""),
          f"an MP4 naming the PNG codec (a decoder no camera needs): 415 video_format naming it: {r.body[:200]}")
    for w, h in ((33, 25), (101, 75)):  # rows whose bytes are no multiple of a vector: swscale's padded output
        r = verify(s, challenge(s, ["turn_left", "turn_right"]), video=clip_of(w, h))
        check(code(r) == (422, "no_face") or r.status == 200 and r.json()["decision"] != "real",
              f"an MPEG-4 clip {w}x{h} of noise decodes, never real: {r.body[:200]}")
    real = open(REAL, "rb").read()
    fast = fast_mp4(real, 30000)  # frames about a microsecond apart
    cpu0, t0 = workers_cpu(s), time.time()
    r = verify(s, token, video=fast)
    took = time.time() - t0
    check(code(r) == (422, "video_invalid") and took < 2 and "no camera records" in r.json()["error"].get("detail", ""),
          f"frames a microsecond apart: 422 at once ({took:.2f} s): {r.body[:200]}")
    results = []

    def send_fast():
        results.append(code(verify(s, token, video=fast)))
    threads = [threading.Thread(target=send_fast) for _ in range(4)]
    for t in threads:
        t.start()
    live = s.post_json("/v1/liveness", {"images": [b64(open(REAL_IMAGE, "rb").read())]})
    for t in threads:
        t.join()
    check(live.status == 200 and all(c == (422, "video_invalid") for c in results),
          f"four such videos at once leave /v1/liveness answered: {live.status}, {results}")
    check(workers_cpu(s) - cpu0 < 3, f"five such videos cost little CPU: {workers_cpu(s) - cpu0:.2f} s")
    r = verify(s, token, frames=frames_of(REAL, 0, 11, 10))
    check(r.status == 200 and r.json()["decision"] == "real", f"none of it spent the token: {r.body[:200]}")


def test_token_not_spent(s):
    """Finding 12: the client's own errors leave the token unspent."""
    real = frames_of(REAL, 0, 11, 10)
    token = challenge(s, ["turn_left", "turn_right"])
    broken = list(real)
    broken[20] = (broken[20][0][: len(broken[20][0]) // 2], broken[20][1])
    r = verify(s, token, broken)
    check(code(r) == (422, "image_invalid"), f"a truncated frame: 422: {r.body[:200]}")
    parts = [("frame", j, f"{i}.jpg") for i, (j, _) in enumerate(real)]
    nan_times = ",".join(["nan"] + [str(t) for _, t in real[1:]]).encode()
    r = s.post_multipart(f"/v1/challenges/{token}/verify", parts + [("timestamps", nan_times, None)])
    check(code(r) == (400, "timestamps_invalid"), f"timestamps=nan: 400 timestamps_invalid: {r.body[:200]}")
    r = verify(s, token, real)
    check(r.status == 200 and r.json()["decision"] == "real", f"the token was not spent by them: {r.body[:200]}")
    r = verify(s, token, real)
    check(code(r) == (409, "token_used"), f"and is spent once judged: {r.body[:200]}")


def test_token_times(s):
    """Finding 14: a token signed with an expiry near the end of time is malformed, not eternal."""
    for expiry in (2 ** 63 - 1, 2 ** 63 - 61, 253402300800):
        token = s.sign("acme", expiry, secrets.token_hex(16), ["turn_left", "turn_right"], issued=int(time.time()))
        r = verify(s, token, frames_of(REAL, 0, 1, 5))
        check(code(r) == (400, "token_malformed"), f"expiry {expiry}: 400 token_malformed: {r.body[:160]}")


# ---- HTTP ---------------------------------------------------------------------------------------

def test_keyless_body(s):
    """Finding 4: 401 before the body; the worker keeps nothing of it."""
    pid = s.worker_pids()[0]
    rss0 = proc_status(pid, "VmRSS")
    conns, answers = [], []
    head = (b"POST /v1/challenges/x/verify HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\n"
            b"Content-Length: 62914560\r\n\r\n")  # under the verify route's 64 MB limit
    for _ in range(10):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=3)
        c.sendall(head + b"x" * 65536)
        conns.append(c)
    for c in conns:
        try:
            answers.append(status_of(c.recv(4096)))
        except OSError:
            answers.append(0)
        c.close()
    grown = (proc_status(pid, "VmRSS") - rss0) / 1024
    check(answers == [401] * 10, f"ten keyless 60 MB bodies: 401 before the body: {answers}")
    check(grown < 10, f"the worker's memory stays within 10 MB: +{grown:.1f} MB")


def test_slow_headers(s):
    """Finding 5: headers one byte a second are cut within header_timeout_s (3 here)."""
    c = socket.create_connection(("127.0.0.1", s.port), timeout=2)
    c.sendall(b"GET /healthz HTTP/1.1\r\nHo")
    t0, closed = time.time(), False
    while time.time() - t0 < 10 and not closed:
        try:
            c.sendall(b"s")
            c.settimeout(1)
            closed = c.recv(1) == b""
        except socket.timeout:
            pass
        except OSError:
            closed = True
    took = time.time() - t0
    c.close()
    check(closed and took < 5.5, f"slow headers cut within the header timeout: closed={closed} after {took:.1f} s")


def test_full_worker(s):
    """Finding 5: with 7 idle connections on 2 workers of 4, /healthz is always answered."""
    idle = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(7)]
    time.sleep(0.3)
    ok = 0
    for _ in range(20):
        try:
            ok += status_of(raw(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2)) == 200
        except OSError:
            pass
    for c in idle:
        c.close()
    check(ok == 20, f"a full worker leaves new connections to its sibling: {ok} of 20 /healthz answered")


def test_framing(s):
    """Finding 14: what HAProxy would refuse is refused here too."""
    key = s.keys["acme"].encode()
    cases = {
        "two Content-Length that differ": b"POST /v1/challenges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
        b"\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "Content-Length with chunked": b"POST /v1/challenges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
        b"\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "Content-Length : 0": b"POST /v1/challenges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
        b"\r\nContent-Length : 0\r\n\r\n",
        "a NUL in the key": b"POST /v1/challenges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
        b"\x00junk\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 without Host": b"POST /v1/challenges HTTP/1.1\r\nAuthorization: Bearer " + key +
        b"\r\nContent-Length: 0\r\n\r\n",
    }
    for name, data in cases.items():
        got = raw(s, data)
        check(status_of(got) == 400 and b"bad_request" in got, f"{name}: 400 bad_request: {got[:120]}")


def test_descriptors():
    """Finding 9: a worker out of descriptors does not spin on accept() or flood its log."""
    s = server(workers=1, nofile=96, config={"limits": {"max_connections": 1000}})
    try:
        conns = []
        for _ in range(140):
            try:
                conns.append(socket.create_connection(("127.0.0.1", s.port), timeout=1))
            except OSError:
                break
        time.sleep(0.5)
        pid = s.worker_pids()[0]
        cpu0, err0 = cpu_s(pid), len(s.stderr_text())
        time.sleep(3)
        spent, printed = cpu_s(pid) - cpu0, len(s.stderr_text()) - err0
        for c in conns:
            c.close()
        time.sleep(0.5)
        check(spent < 0.5 and printed < 2000, f"at the descriptor limit: {spent:.2f} s CPU in 3 s, {printed} bytes "
                                              f"of stderr")
        check(s.request("GET", "/healthz", key=None).status == 200, "and it answers once they are gone")
    finally:
        s.stop()


# ---- decoders -----------------------------------------------------------------------------------

def scan_bomb():
    """A progressive JPEG followed by 5000 near-empty scans (the last scan's header, no data):
    each costs a pass over the whole image."""
    import cv2
    import numpy as np
    img = np.random.default_rng(1).integers(0, 255, (2048, 2048, 3), dtype=np.uint8)
    jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1, cv2.IMWRITE_JPEG_QUALITY, 20])[1].tobytes()
    sos = jpg.rfind(b"\xff\xda")
    header = jpg[sos:sos + 2 + struct.unpack(">H", jpg[sos + 2:sos + 4])[0]]
    return jpg[:-2] + (header + b"\x00" * 4) * 5000 + b"\xff\xd9"


def test_decoders(s):
    """Findings 6 and 8."""
    pid = s.worker_pids()[0]
    bomb = scan_bomb()
    cpu0 = cpu_s(pid)
    r = s.post_json("/v1/liveness", {"images": [b64(bomb)]})
    spent = cpu_s(pid) - cpu0
    check(r.status in (413, 422) and spent < 1, f"a JPEG of 5000 scans ({len(bomb) >> 10} KB): refused, "
                                                f"{spent:.2f} s CPU: {r.body[:160]}")
    import cv2
    import numpy as np
    png = cv2.imencode(".png", np.zeros((4096, 4096, 3), np.uint8))[1].tobytes()
    hwm0, cpu0 = proc_status(pid, "VmHWM"), cpu_s(pid)
    r = s.post_multipart("/v1/liveness", [("image", png, f"{i}.png") for i in range(5)])
    spent, grown = cpu_s(pid) - cpu0, (proc_status(pid, "VmHWM") - hwm0) / 1024
    check(code(r) == (413, "image_too_large") and spent < 1 and grown < 200,
          f"five 4096x4096 PNGs ({5 * len(png) >> 10} KB): 413, {spent:.2f} s CPU, peak +{grown:.0f} MB: {r.body[:160]}")


# ---- the store ----------------------------------------------------------------------------------

def lmdb_filled(path, n, expires_at):
    """An LMDB file of 1 MiB holding n entries as the server writes them (mdb_load; the server
    counts a store of map_size_mb = 1 full at 4096 entries)."""
    lines = ["VERSION=3", "format=bytevalue", "type=btree", "mapsize=1048576", "maxreaders=126",
             "HEADER=END"]
    value = struct.pack("<qq", expires_at, 1).hex()
    for i in range(n):
        lines += [" " + f"tok:{i:032x}".encode().hex(), " " + value]
    lines.append("DATA=END")
    r = subprocess.run(["mdb_load", "-n", path], input="\n".join(lines) + "\n", text=True, capture_output=True)
    return r.returncode == 0


def test_store_full():
    """Finding 10."""
    d = tempfile.mkdtemp(prefix="facelive-full-")
    check(lmdb_filled(os.path.join(d, "store.lmdb"), 5000, int(time.time()) + 86400), "a store filled to its map")
    s = server(workers=1, tmp=d, config={"store": {"kind": "lmdb", "path": "store.lmdb", "map_size_mb": 1}},
               prepare=lambda c: c["tenants"][1].update(rate_per_minute=5))
    try:
        real = frames_of(REAL, 0, 11, 10)
        r = verify(s, challenge(s, ["turn_left", "turn_right"]), real)
        check(code(r) == (503, "store_unavailable"), f"a full store: verify 503: {r.body[:160]}")
        got = [s.post_json("/v1/liveness", {"images": [b64(open(REAL_IMAGE, "rb").read())]}, key="beta").status
               for _ in range(8)]
        check(200 not in got and set(got) <= {429, 503}, f"a rate-limited tenant is refused, not let through: {got}")
        r = s.request("GET", "/readyz", key=None)
        check(r.status == 503, f"/readyz is not ready: {r.status} {r.body[:120]}")
    finally:
        s.stop()
    d = tempfile.mkdtemp(prefix="facelive-expired-")
    check(lmdb_filled(os.path.join(d, "store.lmdb"), 5000, int(time.time()) - 3600), "a store full of expired entries")
    s = server(workers=1, tmp=d, config={"store": {"kind": "lmdb", "path": "store.lmdb", "map_size_mb": 1}})
    try:
        r = verify(s, challenge(s, ["turn_left", "turn_right"]), frames_of(REAL, 0, 11, 10))
        check(r.status == 200 and r.json()["decision"] == "real", f"expired entries are swept to make room: {r.body[:160]}")
        check(s.request("GET", "/readyz", key=None).status == 200, "and /readyz is ready")
    finally:
        s.stop()


# ---- records ------------------------------------------------------------------------------------

def test_records():
    """Findings 11 and 13."""
    audit = tempfile.mkdtemp(prefix="facelive-audit-")
    s = server(workers=1, config={"audit_dir": audit, "audit_max_mb": 1})
    try:
        img = open(REAL_IMAGE, "rb").read()
        ids = []
        for rid in ("same-id", "same-id", ".."):
            r = s.post_json("/v1/liveness", {"images": [b64(img)]}, headers={"X-Request-Id": rid})
            ids.append(r.json().get("request_id"))
        time.sleep(0.2)
        records = [json.load(open(os.path.join(audit, f))) for f in os.listdir(audit) if f.endswith(".json")]
        check(len(records) == 3 and len({r["audit_id"] for r in records}) == 3 and
              sorted(r["request_id"] for r in records if r["request_id"] == "same-id") == ["same-id", "same-id"],
              f"every request audited under the server's own id, the client's id a field: {records}")
        check(not any(".." in f for f in os.listdir(audit)), "no name from the client")
        token = challenge(s, ["turn_left", "turn_right"])
        verify(s, token, frames_of(REAL, 0, 3, 5))
        time.sleep(0.2)
        check(any(json.load(open(os.path.join(audit, f))).get("route") == "verify"
                  for f in os.listdir(audit) if f.endswith(".json")), "verify is audited")
        big = open(REAL, "rb").read()
        for _ in range(6):  # 2.5 MB each against a cap of 1 MB
            verify(s, challenge(s, ["turn_left", "turn_right"]), video=big)
        total = sum(os.path.getsize(os.path.join(audit, f)) for f in os.listdir(audit))
        check(total < 4 << 20, f"the audit folder stays near its cap (1 MB): {total >> 10} KB")
        r = s.request("GET", "/metrics", key=None)
        check(code(r) == (401, "api_key_missing"), f"/metrics without the metrics key: 401: {r.body[:120]}")
        r = s.request("GET", "/metrics", key="acme")
        check(r.status == 401, f"a tenant's key does not open /metrics: {r.status}")
        m = s.metrics()
        check(m.get('facelive_http_requests_total{route="challenges",status="201"}', 0) >= 1 and
              any(k.startswith("facelive_tenant_requests_total") for k in m),
              f"with the metrics key: 201 counted as 201, tenants shown: "
              f"{ {k: v for k, v in m.items() if 'challenges' in k} }")
        r = verify(s, challenge(s, ["turn_left", "turn_right"]), video=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 600)
        check(r.status == 422 and "/tmp" not in r.body and "facelive-verify" not in r.body,
              f"no server path in an error: {r.body[:200]}")
        for path in ("/healthz", "/readyz", "/v1/version"):
            check("request_id" in s.request("GET", path, key=None).json(), f"{path} names its request_id")
    finally:
        s.stop()
    s = server(workers=1, prepare=lambda c: c.pop("metrics_key_sha256", None))
    try:
        s.request("POST", "/v1/challenges", b"")
        text = s.request("GET", "/metrics", key=None).body
        check("facelive_http_requests_total" in text and "acme" not in text and "tenant=" not in text,
              "without a metrics key /metrics names no tenant")
    finally:
        s.stop()


def main():
    if PART == "verdict":
        s = server(workers=1)
        try:
            test_box_search(s)
            test_recordings(s)
        finally:
            s.stop()
    elif PART == "video":
        s = server(workers=1, config={"inference_slots": 1, "limits": {"queue_timeout_ms": 500}})
        try:
            test_video_bodies(s)
            test_token_not_spent(s)
            test_token_times(s)
        finally:
            s.stop()
    elif PART == "http":
        s = server(workers=2, config={"limits": {"header_timeout_s": 3, "max_connections": 4}})
        try:
            test_keyless_body(s)
            test_slow_headers(s)
            test_full_worker(s)
            test_framing(s)
        finally:
            s.stop()
        test_descriptors()
    elif PART == "decode":
        s = server(workers=1)
        try:
            test_decoders(s)
        finally:
            s.stop()
    elif PART == "store":
        test_store_full()
    elif PART == "records":
        test_records()
    else:
        raise SystemExit(f"unknown part {PART}")
    finish()


main()
