"""What the service tests share: a real `facelive serve` started on a free loopback port with a
configuration of its own (a token secret, two tenants, a store, optionally a provider), HTTP calls
over real sockets, the access log, the workers' pids, frames cut from the real clips, and tokens
signed the way the server signs them (for the expired and cross-tenant cases)."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import tempfile
import threading
import time

DEFAULT_IMAGE = "silent_face_minivision/image_T1.jpg"   # local verdict: real (0.996)
SPOOF_IMAGE = "silent_face_minivision/image_F2.jpg"     # local verdict: spoof (0.27)
UNCERTAIN_IMAGE = "wenhua_chen_blog/0_5_10149_11_001_scene.jpg"  # local verdict: uncertain (head bowed 38 degrees)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_base():
    """A base port whose next 20 ports are free."""
    for _ in range(50):
        base = random.randrange(20000, 60000, 20)
        try:
            socks = []
            for p in range(base, base + 20):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            for s in socks:
                s.close()
            return base
        except OSError:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range")


def child_pids(pid):
    """The processes pid forked (a facelive master's workers); [] when it is gone."""
    try:
        return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return {"_not_json": self.body[:200]}

    def error(self):
        return self.json().get("error", {}).get("code")


class Server:
    def __init__(self, facelive, models, workers=2, config=None, tmp=None, nofile=None):
        self.facelive, self.models, self.workers = facelive, os.path.abspath(models), workers
        self.dir = tmp or tempfile.mkdtemp(prefix="facelive-serve-")
        self.secret = secrets.token_bytes(32)
        open(os.path.join(self.dir, "secret.hex"), "w").write(self.secret.hex())
        self.keys = {"acme": "fl_" + secrets.token_urlsafe(32), "beta": "fl_" + secrets.token_urlsafe(32)}
        self.metrics_key = "fl_metrics_" + secrets.token_urlsafe(16)
        self.config = {
            "metrics_key_sha256": hashlib.sha256(self.metrics_key.encode()).hexdigest(),
            "listen": "127.0.0.1:0", "workers": workers, "models": self.models, "token_secret_file": "secret.hex",
            "store": {"kind": "lmdb", "path": "store.lmdb"}, "log": "access.log",
            "challenges": {"actions": ["turn_left", "turn_right"], "length": 2},
            "tenants": [{"name": n, "key_sha256": hashlib.sha256(k.encode()).hexdigest()}
                        for n, k in self.keys.items()],
        }
        for k, v in (config or {}).items():
            self.config[k] = v
        self.proc = None
        self.port = None
        self.nofile = nofile  # a descriptor limit for the server's processes (RLIMIT_NOFILE)

    @property
    def log_path(self):
        return os.path.join(self.dir, "access.log")

    def write_config(self):
        path = os.path.join(self.dir, "serve.json")
        with open(path, "w") as f:
            json.dump(self.config, f)
        return path

    def start(self, timeout=180):
        self.port = self.port or free_port()
        self.stderr = open(os.path.join(self.dir, "stderr.txt"), "w")
        self.proc = subprocess.Popen([self.facelive, "serve", "--config", self.write_config(), "--listen",
                                      f"127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL, stderr=self.stderr,
                                     preexec_fn=self.limit_descriptors if self.nofile else None)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"facelive serve exited {self.proc.returncode}: {self.stderr_text()}")
            if "listening on" in self.stderr_text():
                return self
            time.sleep(0.1)
        raise RuntimeError("facelive serve did not start: " + self.stderr_text())

    def limit_descriptors(self):
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))

    def stderr_text(self):
        return open(os.path.join(self.dir, "stderr.txt")).read()

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """The master's exit status; 99 when a sanitizer reported anything in any process (a worker's
        report would otherwise go unnoticed: the master replaces a worker that dies)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        reports = [l for l in self.stderr_text().splitlines()
                   if "Sanitizer" in l or "runtime error:" in l] if self.proc else []
        if reports:
            print("sanitizer reports from the server:", *reports[:20], sep="\n  ")
            return 99
        return self.proc.returncode if self.proc else None

    def worker_pids(self):
        return child_pids(self.proc.pid)

    def request(self, method, path, body=None, headers=None, key="acme", timeout=120, conn=None):
        h = dict(headers or {})
        if key:
            h["Authorization"] = "Bearer " + self.keys.get(key, key)
        own = conn is None
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace"))
        finally:
            if own:
                c.close()

    def post_json(self, path, doc, **kw):
        return self.request("POST", path, json.dumps(doc).encode(),
                            {"Content-Type": "application/json", **kw.pop("headers", {})}, **kw)

    def post_multipart(self, path, parts, **kw):
        """parts: [(name, bytes, filename or None)]"""
        boundary = "fl" + secrets.token_hex(8)
        body = b""
        for name, data, filename in parts:
            disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
            body += f"--{boundary}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}, **kw)

    def log(self):
        return [json.loads(line) for line in open(self.log_path) if line.strip()]

    def metrics(self):
        text = self.request("GET", "/metrics", key=self.metrics_key).body
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    # tokens signed as the server signs them (token.h)
    def sign(self, tenant, expiry, nonce, actions, issued=None):
        issued = expiry - 120 if issued is None else issued
        payload = f"1|{tenant}|{issued}|{expiry}|{nonce}|{','.join(actions)}".encode()
        mac = hmac.new(self.secret, payload, hashlib.sha256).digest()
        b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
        return b64(payload) + "." + b64(mac)


def b64(data):
    return base64.b64encode(data).decode()


def frames_of(path, start, end, fps):
    """JPEG frames of a clip between start and end seconds at about fps, with their times."""
    import cv2
    cap = cv2.VideoCapture(path)
    src_fps = cap.get(cv2.CAP_PROP_FPS) or 30
    out, i, nxt = [], 0, start
    while True:
        ok, img = cap.read()
        if not ok:
            break
        t = i / src_fps
        i += 1
        if t < start or t < nxt - 1e-6:
            continue
        if t > end:
            break
        nxt += 1.0 / fps
        jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
        out.append((jpg, round(t - start, 3)))
    return out


def frames_doc(frames):
    return {"frames": [{"image": b64(j), "t": t} for j, t in frames]}


class Load:
    """Threads calling one_request() until stopped, each call an outcome (status, what); a call that
    raises (a reset or refused connection) is (0, the exception's name). Reports sent / succeeded /
    failed; use as `with Load(fn, n) as load: ...`."""

    def __init__(self, one_request, threads=2):
        self.one_request, self.stop_flag = one_request, threading.Event()
        self.results, self.lock = [], threading.Lock()
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]

    def run(self):
        while not self.stop_flag.is_set():
            t0 = time.time()
            try:
                outcome = self.one_request()
            except Exception as e:
                outcome = (0, type(e).__name__)
            with self.lock:
                self.results.append((t0, time.time(), outcome))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(120)

    def report(self, what):
        """(sent, failed outcomes); prints the line the fault tests report."""
        bad = [r[2] for r in self.results if r[2][0] != 200]
        kinds = {}
        for r in self.results:
            kinds[r[2][1]] = kinds.get(r[2][1], 0) + 1
        print(f"{what}: sent {len(self.results)}, succeeded {len(self.results) - len(bad)}, failed {len(bad)} "
              f"{bad[:5]} outcomes {kinds}", flush=True)
        return len(self.results), bad
