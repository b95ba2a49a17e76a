"""facelive serve, every route and every client error, over real HTTP on loopback: the answers'
statuses, codes and bodies; the image formats (JSON base64, multipart, boxes); the limits (body,
image bytes and pixels, counts, JSON depth, slow clients); tenants (401, 429 with Retry-After);
the access log (one JSON line per request) and the metrics.

usage: test_server_api.py FACELIVE MODELS_DIR DATA_DIR"""
import json
import os
import socket
import sys
import time

from checks import check, finish
from server_fixture import DEFAULT_IMAGE, SPOOF_IMAGE, UNCERTAIN_IMAGE, Server, b64, free_port

FACELIVE, MODELS, DATA = sys.argv[1:4]
real_jpg = open(os.path.join(DATA, DEFAULT_IMAGE), "rb").read()
spoof_jpg = open(os.path.join(DATA, SPOOF_IMAGE), "rb").read()
uncertain_jpg = open(os.path.join(DATA, UNCERTAIN_IMAGE), "rb").read()


def expect_error(r, status, code, what):
    body = r.json()
    check(r.status == status and r.error() == code and body.get("request_id") == r.headers.get("x-request-id"),
          f"{what}: {status} {code}, got {r.status} {r.body[:300]}")


def test_ops(s):
    r = s.request("GET", "/healthz", key=None)
    check(r.status == 200 and r.json()["status"] == "alive", f"healthz: {r.status} {r.body}")
    r = s.request("GET", "/readyz", key=None)
    check(r.status == 200 and r.json()["status"] == "ready", f"readyz: {r.status} {r.body}")
    v = s.request("GET", "/v1/version", key=None).json()
    files = {m["file"] for m in v.get("models", [])}
    check(v.get("api") == "v1" and "minifasnet_v2_2.7_80x80.onnx" in files and
          all(len(m["sha256"]) == 64 for m in v["models"]), f"version names the model files and hashes: {v}")
    expect_error(s.request("GET", "/nope", key=None), 404, "not_found", "unknown path")
    r = s.request("GET", "/v1/liveness")
    expect_error(r, 405, "method_not_allowed", "GET on a POST route")
    check(r.headers.get("allow") == "POST", f"405 names the method in Allow: {r.headers}")
    expect_error(s.request("POST", "/healthz", b"", key=None), 405, "method_not_allowed", "POST on a GET route")


def test_keep_alive(s):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
    statuses, socks = [], []
    for _ in range(3):
        r = s.post_json("/v1/liveness", {"images": [b64(real_jpg)]}, conn=c)
        statuses.append(r.status)
        socks.append(id(c.sock))
    c.close()
    check(statuses == [200] * 3 and len(set(socks)) == 1, f"three requests on one kept-alive connection: {statuses}")


def test_liveness(s):
    r = s.post_json("/v1/liveness", {"images": [b64(real_jpg)]})
    d = r.json()
    check(r.status == 200 and d["decision"] == "real" and d["channel"] == "local" and d["score"] >= 0.9 and
          d["threshold"] == 0.9 and len(d["local"]["frames"]) == 1 and
          len(d["local"]["frames"][0]["models"]) == 2 and d["models"], f"real image, JSON: {r.body[:400]}")
    check(r.headers.get("x-request-id") == d["request_id"], "the request id is in the header and the body")
    r = s.post_multipart("/v1/liveness", [("image", spoof_jpg, "a.jpg")])
    check(r.status == 200 and r.json()["decision"] == "spoof" and r.json()["score"] < 0.5,
          f"spoof image, multipart: {r.body[:300]}")
    r = s.post_json("/v1/liveness", {"images": [b64(uncertain_jpg)]})
    check(r.status == 200 and r.json()["decision"] == "uncertain" and "pose" in r.json()["reasons"] and
          "score" not in r.json(), f"a turned head is uncertain with its reason and no score: {r.body[:300]}")
    r = s.post_json("/v1/liveness", {"images": [b64(real_jpg), b64(uncertain_jpg), b64(real_jpg)]})
    d = r.json()
    check(r.status == 200 and d["decision"] == "real" and [f["used"] for f in d["local"]["frames"]] == [True, False, True],
          f"three frames, the turned one skipped: {r.body[:400]}")
    # a face box given by the caller: no detection; the box from the detector gives the same score
    box = d["local"]["frames"][0]["models"][0]["crop"]
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(real_jpg), "box": [140, 120, 200, 240]}]})
    check(r.status == 200 and r.json()["local"]["frames"][0]["used"], f"an image with a box is judged: {r.body[:300]}")
    r = s.post_multipart("/v1/liveness", [("image", real_jpg, "a.jpg"), ("boxes", b"[[140, 120, 200, 240]]", None)])
    check(r.status == 200 and r.json()["local"]["frames"][0]["used"], f"multipart with boxes: {r.body[:300]}")
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(real_jpg), "box": [140, 120, 200, 240]}, b64(real_jpg)]})
    expect_error(r, 400, "box_invalid", "a box for one image of two")
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(real_jpg), "box": [5000, 5000, 10, 10]}]})
    expect_error(r, 400, "box_invalid", "a box outside the image")
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(real_jpg), "box": [1, 2, 0, 3]}]})
    expect_error(r, 400, "box_invalid", "a box of zero width")
    del box


def png_header(w, h):
    import struct
    import zlib
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"x") + chunk(b"IEND", b"")


def test_reduced_decoding(s):
    """A phone's photo, 1080x1443 (made from the data set's 1617x2160 one to fit this server's
    256 KiB images), is decoded at 1/2 (decode_min_side 480, the default); what the answer says in
    pixels, and a client's box, stay in the pixels of the photo as sent."""
    import subprocess

    import cv2
    photo = cv2.resize(cv2.imread(os.path.join(DATA, "silent_face_minivision/image_T2.jpg")), (1080, 1443),
                       interpolation=cv2.INTER_AREA)
    path = os.path.join(s.dir, "phone.jpg")
    open(path, "wb").write(cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 70])[1].tobytes())
    phone = open(path, "rb").read()

    def cli(*args):  # the same photo decoded whole
        return json.loads(subprocess.run([FACELIVE, *args, "--json", "--models", MODELS, path], capture_output=True,
                                         text=True).stdout)
    full, face = cli("check"), cli("analyze")["faces"][0]["box"]
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(phone), "box": [round(v) for v in face]}]})
    check(r.status == 200 and r.json()["local"]["frames"][0]["used"],
          f"a box in the photo's pixels matches the face found at 1/2: {r.body[:300]}")
    got = [m["crop"] for m in r.json()["local"]["frames"][0]["models"]] if r.status == 200 else []
    want = [m["crop"] for m in full["frames"][0]["models"]]
    check(len(got) == len(want) and all(abs(g - w) <= 0.02 * 1443 for a, b in zip(got, want) for g, w in zip(a, b))
          and all(c[2] < 1080 and c[3] < 1443 for c in got), f"the crops in the photo's pixels: {got}, whole: {want}")
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(phone), "box": [round(v / 2) for v in face]}]})
    expect_error(r, 422, "box_mismatch", "a box in the pixels of the reduced image, not the photo's")
    # turned by its EXIF orientation (6: 90 degrees clockwise), the photo is 1443 wide and 1080 high:
    # a box at x 1200 lies inside it (judged: the face lies on its side, uncertain), at x 1500 outside
    import struct
    tiff = b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack("<I", 0)
    app1 = b"Exif\x00\x00" + tiff
    turned = phone[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + phone[2:]
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(turned), "box": [1200, 100, 100, 100]}]})
    check(r.status == 200 and r.json()["decision"] == "uncertain", f"a box inside the turned photo's width: {r.body[:200]}")
    r = s.post_json("/v1/liveness", {"images": [{"data": b64(turned), "box": [1500, 100, 100, 100]}]})
    expect_error(r, 400, "box_invalid", "a box past the turned photo's width")
    check("1443x1080" in r.body, f"the turned photo's size is named: {r.body[:200]}")


def test_bad_input(s):
    L = "/v1/liveness"
    expect_error(s.request("POST", L, b"{}", {"Content-Type": "text/plain"}), 415, "unsupported_content_type", "text/plain")
    expect_error(s.request("POST", L, b""), 415, "unsupported_content_type", "no Content-Type")
    expect_error(s.request("POST", L, b'{"images": [', {"Content-Type": "application/json"}), 400, "json_invalid", "truncated JSON")
    expect_error(s.request("POST", L, b"", {"Content-Type": "application/json"}), 400, "json_invalid", "empty body")
    expect_error(s.request("POST", L, b"[" * 50 + b"]" * 50, {"Content-Type": "application/json"}), 400,
                 "json_too_deep", "deep JSON")
    expect_error(s.post_json(L, {"pictures": []}), 400, "field_invalid", "no images key")
    expect_error(s.post_json(L, {"images": [3]}), 400, "field_invalid", "a number for an image")
    expect_error(s.post_json(L, {"images": []}), 400, "no_images", "an empty list")
    expect_error(s.post_json(L, {"images": [b64(real_jpg)] * 6}), 400, "too_many_images", "six images")
    expect_error(s.post_json(L, {"images": ["not base64!"]}), 400, "base64_invalid", "bad base64")
    expect_error(s.post_json(L, {"images": [b64(b"hello world, not an image")]}), 422, "image_invalid", "text as image")
    expect_error(s.post_json(L, {"images": [b64(real_jpg[:2000])]}), 422, "image_invalid", "truncated JPEG")
    expect_error(s.post_json(L, {"images": [b64(png_header(60000, 60000))]}), 413, "image_too_large", "60000x60000 PNG")
    expect_error(s.post_json(L, {"images": [b64(os.urandom(300 * 1024))]}), 413, "image_too_large",
                 "an image over max_image_bytes (256 KiB here)")
    expect_error(s.post_json(L, {"images": [b64(real_jpg)], "x": "y" * (2 << 20)}), 413, "body_too_large", "2 MiB body")
    r = s.request("POST", L, b"--x\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nabc",
                  {"Content-Type": "multipart/form-data; boundary=x"})
    expect_error(r, 400, "multipart_invalid", "multipart without its closing delimiter")
    expect_error(s.request("POST", L, b"--x--", {"Content-Type": "multipart/form-data"}), 400, "multipart_invalid",
                 "multipart without a boundary")
    expect_error(s.post_multipart(L, [("other", b"1", None)]), 400, "multipart_invalid", "an unexpected part")
    expect_error(s.post_multipart(L, [("boxes", b"[[1,2,3]]", None), ("image", real_jpg, "a.jpg")]), 400,
                 "box_invalid", "a box of three numbers")


def test_json_images(s):
    """JSON bodies read with their long base64 strings lifted out before jansson (json_lift.h):
    every way a client writes the string still means what it meant."""
    L, J = "/v1/liveness", {"Content-Type": "application/json"}
    plain = b64(real_jpg)
    want = s.post_json(L, {"images": [plain]}).json()["score"]
    # MIME line breaks (escaped) and escaped slashes (PHP's json_encode) are read by jansson, not lifted
    mime = "\\r\\n".join(plain[i:i + 76] for i in range(0, len(plain), 76))
    for what, text in (("MIME line breaks", mime), ("escaped slashes", plain.replace("/", "\\/"))):
        r = s.request("POST", L, ('{"images": ["%s"]}' % text).encode(), J)
        check(r.status == 200 and r.json()["score"] == want, f"base64 with {what}: {r.status} {r.body[:200]}")
    # a long base64 string as a key is not lifted: a duplicate is still found
    r = s.request("POST", L, ('{"%s": 1, "%s": 2, "images": ["%s"]}' % (plain[:2000], plain[:2000], plain)).encode(), J)
    expect_error(r, 400, "json_invalid", "a long key twice")
    r = s.request("POST", L, ('{"%s": 1, "images": ["%s"]}' % (plain[:2000], plain)).encode(), J)
    check(r.status == 200 and r.json()["score"] == want, f"a long key once: {r.status} {r.body[:200]}")
    # a lifted string decodes as strictly as libsodium's decoder: padding, left-over bits, '=' inside
    body = plain.rstrip("=")
    for what, bad in (("without its padding", body),
                      ("with bits left over", body[:-1] + "B" + "=" * (len(plain) - len(body))),
                      ("with '=' inside", plain[:1000] + "=" + plain[1001:])):
        if bad != plain:
            expect_error(s.request("POST", L, ('{"images": ["%s"]}' % bad).encode(), J), 400, "base64_invalid",
                         f"base64 {what}")
    # a syntax error after a lifted string is reported at the body's own line and column
    r = s.request("POST", L, ('{"images": ["%s"] x}' % plain).encode(), J)
    col = len('{"images": ["%s"] x' % plain)
    check(r.status == 400 and r.error() == "json_invalid" and f"column {col}" in r.json()["error"]["detail"],
          f"a JSON error names the body's column {col}: {r.body[:300]}")
    # what a reference looks like, sent by a client, is only a string that is not base64
    expect_error(s.post_json(L, {"images": ["fl-lifted-" + "0" * 32 + "-0"]}), 400, "base64_invalid",
                 "a client's string shaped like a reference")


def test_auth(s):
    L = "/v1/liveness"
    expect_error(s.post_json(L, {"images": [b64(real_jpg)]}, key=None), 401, "api_key_missing", "no key")
    expect_error(s.post_json(L, {"images": [b64(real_jpg)]}, key="fl_wrong"), 401, "api_key_invalid", "wrong key")
    r = s.request("POST", "/v1/challenges", b"", {"X-API-Key": s.keys["beta"]}, key=None)
    check(r.status == 201, f"X-API-Key works too: {r.status}")
    # beta may make 3 requests a minute (it has made one)
    statuses = [s.request("POST", "/v1/challenges", b"", key="beta") for _ in range(3)]
    last = statuses[-1]
    check([x.status for x in statuses] == [201, 201, 429] and last.error() == "rate_limited" and
          1 <= int(last.headers.get("retry-after", "0")) <= 60, f"the fourth request of a minute: 429 with Retry-After: "
          f"{[x.status for x in statuses]} {last.headers}")
    check(s.request("POST", "/v1/challenges", b"", key="acme").status == 201, "another tenant is not limited")


def test_slow_client(s):
    """request_timeout_s = 2, connection_timeout_s = 3 here."""
    head = (b"POST /v1/liveness HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {s.keys['acme']}\r\n".encode())
    # a body trickling in a byte a second: the connection is closed once the time is up
    c = socket.create_connection(("127.0.0.1", s.port))
    c.sendall(head + b"Content-Length: 100\r\n\r\n")
    c.settimeout(1)
    t0, answer, closed = time.time(), b"", False
    while time.time() - t0 < 8 and not closed:
        try:
            c.sendall(b"{")
            answer = c.recv(4096)
            closed = answer == b""
        except socket.timeout:
            continue
        except OSError:
            closed = True
    c.close()
    check(closed and 1.5 < time.time() - t0 < 6, f"a trickling body: closed after the request time ({time.time() - t0:.1f} s)")
    # a body that arrives whole, but late: 408
    c = socket.create_connection(("127.0.0.1", s.port))
    c.sendall(head + b"Content-Length: 2\r\n\r\n{")
    time.sleep(2.5)
    c.sendall(b"}")
    c.settimeout(10)
    answer = c.recv(4096)
    c.close()
    check(b" 408 " in answer.split(b"\r\n")[0] and b"request_timeout" in answer, f"a late body: 408: {answer[:200]!r}")
    # a Content-Length over the limit, with Expect: 100-continue, is refused before the body is sent
    c = socket.create_connection(("127.0.0.1", s.port))
    c.sendall(head + f"Content-Length: {10 << 20}\r\nExpect: 100-continue\r\n\r\n".encode())
    c.settimeout(10)
    answer = c.recv(4096)
    c.close()
    check(b" 413 " in answer.split(b"\r\n")[0] and b"body_too_large" in answer, f"a declared 10 MiB body: 413: {answer[:200]!r}")
    # an idle connection that never sends a request is closed
    c = socket.create_connection(("127.0.0.1", s.port))
    c.settimeout(10)
    t0 = time.time()
    try:
        closed = c.recv(10) == b""
    except OSError:
        closed = True
    c.close()
    check(closed and time.time() - t0 < 8, f"an idle connection is closed after its timeout ({time.time() - t0:.1f} s)")
    time.sleep(0.2)
    check(any(l.get("error") == "request_timeout" and l["status"] == 0 for l in s.log()),
          "the closed slow request is in the log as request_timeout")


def test_connection_limit(s):
    """max_connections = 8 per worker, 2 workers: of 30 connections at most 16 are taken at once;
    the others wait in the listening queue (never reset) and are served as the first ones close."""
    time.sleep(0.5)  # the connections of the tests before are gone
    conns = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(30)]
    time.sleep(0.5)
    for c in conns:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    answered = reset = 0
    for c in conns:
        c.settimeout(15)
        try:
            answered += c.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            reset += 1
    for c in conns:
        c.close()
    check(answered == 30 and reset == 0, f"connections over the limit wait and are served, none reset: "
                                         f"{answered} answered, {reset} reset of 30")
    check(s.request("GET", "/healthz", key=None).status == 200, "and the server answers once they are gone")


def test_probe(s):
    """facelive probe against the running server: as expected, not as expected (the alert command
    runs with the facts in its environment), too slow, unreachable, at intervals."""
    import subprocess
    import tempfile
    url = f"http://127.0.0.1:{s.port}"
    real = os.path.join(DATA, DEFAULT_IMAGE)
    env = dict(os.environ, FACELIVE_API_KEY=s.keys["acme"])
    run = lambda *a: subprocess.run([FACELIVE, "probe", *a], capture_output=True, text=True, timeout=60, env=env)
    r = run(url, "--image", real, "--expect", "real", "--json")
    line = json.loads(r.stdout)
    check(r.returncode == 0 and line["ok"] and line["decision"] == "real" and line["status"] == 200,
          f"probe as expected: 0: {r.stdout}")
    out = os.path.join(tempfile.mkdtemp(), "alert.txt")
    r = run(url, "--image", real, "--expect", "spoof", "--alert-command",
            f'echo "$FACELIVE_PROBE_DECISION $FACELIVE_PROBE_EXPECTED $FACELIVE_PROBE_STATUS" >> {out}')
    check(r.returncode == 1 and "FAILED" in r.stdout and open(out).read() == "real spoof 200\n",
          f"another decision: 1 and the alert command ran: {r.stdout} {open(out).read() if os.path.exists(out) else ''}")
    r = run(url, "--image", real, "--expect", "real", "--max-latency-ms", "0.01")
    check(r.returncode == 1 and "over" in r.stdout, f"too slow: 1: {r.stdout}")
    r = run(f"http://127.0.0.1:{s.port}/", "--image", real, "--expect", "real", "--key", "fl_wrong")
    check(r.returncode == 1 and "api_key_invalid" in r.stdout, f"a wrong key: 1, the code named: {r.stdout}")
    dead = free_port()
    r = run(f"http://127.0.0.1:{dead}", "--image", real, "--expect", "real")
    check(r.returncode == 1 and "FAILED" in r.stdout, f"nothing listening: 1: {r.stdout}")
    r = run(url, "--image", real, "--expect", "real", "--interval", "0.1", "--count", "3", "--json")
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 3, f"three probes at intervals: {r.stdout}")
    check(run(url, "--image", real).returncode == 2 and run(url, "--image", real, "--expect", "maybe").returncode == 2,
          "probe without a valid --expect: 2")


def test_log_and_metrics(s):
    lines = s.log()
    requests = [l for l in lines if l["event"] == "request"]
    check(len(requests) >= 30 and all({"ts", "request_id", "route", "status", "latency_ms", "pid"} <= set(l)
                                      for l in requests), f"one JSON line per request ({len(requests)})")
    real = [l for l in requests if l.get("decision") == "real"]
    check(real and real[0]["channel"] == "local" and real[0]["tenant"] == "acme", f"a decision's line: {real[:1]}")
    check(any(l.get("error") == "rate_limited" and l["tenant"] == "beta" for l in requests),
          "the 429 is in the log with its tenant")
    m = s.metrics()
    check(m.get('facelive_http_requests_total{route="liveness",status="200"}', 0) >= 5 and
          m.get('facelive_http_requests_total{route="liveness",status="400"}', 0) >= 5 and
          m.get('facelive_decisions_total{channel="local",decision="real"}', 0) >= 3 and
          m.get('facelive_tenant_rate_limited_total{tenant="beta"}', 0) == 1 and
          m.get("facelive_answered_locally_ratio") == 1.0 and
          m.get('facelive_http_request_duration_seconds_count{route="liveness"}', 0) >= 20,
          f"metrics count what happened: { {k: v for k, v in m.items() if 'liveness' in k or 'decision' in k} }")
    text = s.request("GET", "/metrics", key=s.metrics_key)
    check(text.headers.get("content-type", "").startswith("text/plain; version=0.0.4"), "the exposition format")
    import subprocess
    rules = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "deploy", "logscan", "rules.json")
    r = subprocess.run([FACELIVE, "logscan", "--rules", rules, s.log_path], capture_output=True, text=True)
    counted = int(r.stderr.split("logscan: ")[1].split(" lines")[0]) if "logscan: " in r.stderr else -1
    check(counted >= len(lines) and ", 0 not JSON log lines" in r.stderr and r.returncode in (0, 1),
          f"the log-scan rules read every line of the real log: {r.stderr}")
    check(not any(l.get("image") for l in lines) and not any(f.startswith("audit-") for f in os.listdir(s.dir)),
          "no image is stored without the audit option")


def test_command_line():
    """facelive serve and facelive token: usage errors, configuration errors naming the key, the
    secrets they make."""
    import hashlib
    import subprocess
    import tempfile
    run = lambda *a: subprocess.run([FACELIVE, *a], capture_output=True, text=True, timeout=60)
    r = run("serve")
    check(r.returncode == 2 and "--config" in r.stderr, f"serve without --config: 2: {r.stderr[:100]}")
    r = run("serve", "--config")
    check(r.returncode == 2, "serve --config without a value: 2")
    r = run("serve", "--config", "x.json", "--listen", "nohost")
    check(r.returncode == 2, f"a listen address without a port: 2: {r.stderr[:100]}")
    r = run("serve", "--bogus")
    check(r.returncode == 2 and "--bogus" in r.stderr, "an unknown option: 2")
    r = run("serve", "--help")
    check(r.returncode == 0 and "SIGHUP" in r.stdout, "serve --help")
    d = tempfile.mkdtemp(prefix="facelive-serve-cli-")
    secret = run("token", "--secret").stdout.strip()
    check(len(secret) == 64 and int(secret, 16) >= 0, f"token --secret: 64 hex digits: {secret!r}")
    open(os.path.join(d, "s.hex"), "w").write(secret)
    r = run("token", "--tenant", "acme")
    key = r.stdout.split("it is not stored): ")[1].split()[0]
    entry = json.loads(r.stdout.split("configuration entry: ")[1])
    check(r.returncode == 0 and entry["key_sha256"] == hashlib.sha256(key.encode()).hexdigest() and
          run("token", "--hash", key).stdout.strip() == entry["key_sha256"], "token --tenant: a key and its hash")
    check(run("token", "--tenant", "bad name!").returncode == 2, "a tenant name with spaces: 2")
    check(run("token").returncode == 2 and run("token", "--nope").returncode == 2, "token without what to make: 2")
    base = {"token_secret_file": "s.hex", "models": os.path.abspath(MODELS), "tenants": [entry]}
    cases = [
        ({}, 0, "valid"),
        ({"workres": 2}, 1, 'unknown key "workres"'),
        ({"tenants": []}, 1, '"tenants" must list'),
        ({"token_secret_file": "missing.hex"}, 1, "missing.hex"),
        ({"listen": "localhost"}, 1, "HOST:PORT"),
        ({"limits": {"max_images": 99}}, 1, '"max_images" must be an integer from 1 to 16'),
        ({"decode_min_side": -1}, 1, '"decode_min_side" must be an integer from 0 to 16384'),
        ({"challenges": {"actions": ["jump"]}}, 1, "challenges.actions[0]"),
        ({"provider": {"url": "ftp://x"}}, 1, "provider.url"),
        ({"provider": {"escalate": ["always"]}}, 1, "provider.escalate[0]"),
        ({"store": {"kind": "mysql"}}, 1, "store.kind"),
        ({"tenants": [entry, entry]}, 1, "listed twice"),
    ]
    for change, status, words in cases:
        cfg = dict(base, **change)
        path = os.path.join(d, "c.json")
        json.dump(cfg, open(path, "w"))
        r = run("serve", "--config", path, "--check")
        check(r.returncode == status and words in (r.stdout + r.stderr), f"config {change}: {status} '{words}': "
              f"{r.returncode} {(r.stdout + r.stderr)[:160]}")
    # the documented example is a valid configuration (given its secret file and models)
    example = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "config",
                                          "serve.example.json")))
    example["models"] = os.path.abspath(MODELS)
    open(os.path.join(d, "token_secret.hex"), "w").write(secret)
    json.dump(example, open(os.path.join(d, "example.json"), "w"))
    r = run("serve", "--config", os.path.join(d, "example.json"), "--check")
    check(r.returncode == 0 and "valid" in r.stdout, f"config/serve.example.json is valid: {r.stderr[:200]}")
    open(os.path.join(d, "c.json"), "w").write("{\"listen\": ")
    r = run("serve", "--config", os.path.join(d, "c.json"))
    check(r.returncode == 1 and "c.json:1:" in r.stderr, f"a configuration that is not JSON names line and column: {r.stderr[:120]}")
    json.dump(dict(base, models="/nonexistent"), open(os.path.join(d, "c.json"), "w"))
    r = run("serve", "--config", os.path.join(d, "c.json"), "--listen", "127.0.0.1:0")
    check(r.returncode == 1 and "/nonexistent" in r.stderr, f"models that cannot load: 1, named: {r.stderr[:160]}")


def test_audit():
    """With audit_dir the images are kept, named after the request, and old ones are deleted."""
    import tempfile
    audit = tempfile.mkdtemp(prefix="facelive-audit-")
    old = os.path.join(audit, "audit-old-0.img")
    open(old, "wb").write(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    a = Server(FACELIVE, MODELS, workers=1, config={"audit_dir": audit, "audit_retention_s": 3600}).start()
    try:
        r = a.post_multipart("/v1/liveness", [("image", real_jpg, "a.jpg"), ("image", spoof_jpg, "b.jpg")])
        rid = r.json()["request_id"]
        time.sleep(0.2)
        aid = [l for l in a.log() if l.get("request_id") == rid][0].get("audit_id", "")
        kept = sorted(f for f in os.listdir(audit))
        record = json.load(open(os.path.join(audit, aid + ".json"))) if aid + ".json" in kept else {}
        check(kept == [f"{aid}-0.img", f"{aid}-1.img", f"{aid}.json"] and aid.startswith("audit-") and
              open(os.path.join(audit, kept[0]), "rb").read() == real_jpg and
              oct(os.stat(os.path.join(audit, kept[0])).st_mode & 0o777) == "0o600" and
              record.get("request_id") == rid and record.get("files") == 2 and record.get("tenant") == "acme",
              f"audit: the request's images kept (0600) under the server's id with a record, the two-hour-old "
              f"one deleted: {kept} {record}")
    finally:
        a.stop()


def main():
    test_command_line()
    test_audit()
    s = Server(FACELIVE, MODELS, workers=2, config={
        "limits": {"max_body_bytes": 2 << 20, "max_image_bytes": 256 << 10, "request_timeout_s": 2,
                   "connection_timeout_s": 3, "max_connections": 8},
    })
    s.config["tenants"][1]["rate_per_minute"] = 3
    s.start()
    try:
        test_ops(s)
        test_liveness(s)
        test_reduced_decoding(s)
        test_keep_alive(s)
        test_bad_input(s)
        test_json_images(s)
        test_auth(s)
        test_slow_client(s)
        test_connection_limit(s)
        test_probe(s)
        test_log_and_metrics(s)
        check(s.request("GET", "/healthz", key=None).status == 200, "the server still answers after all of it")
    finally:
        code = s.stop()
    check(code == 0, f"SIGTERM: exit status 0, got {code}")
    finish()


main()
