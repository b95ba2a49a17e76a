"""A stand-in for a third-party liveness provider, for the cascade tests: a real HTTP server on a
loopback port that answers POST /check according to its mode, set by POST /mode:
  real, spoof        {"result": {"decision": MODE, "confidence": 0.97}}
  weird              {"result": {"decision": "maybe"}}      (a verdict the service must not trust)
  nofield            {"status": "ok"}                       (no verdict field)
  slow               sleeps 5 s, then answers real
  error              HTTP 500
GET /stats gives {"calls": N, "last": the last request's JSON}. Stopping the process is "not at all".

usage: fake_provider.py PORT [MODE]"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"mode": sys.argv[2] if len(sys.argv) > 2 else "real", "calls": 0, "last": None}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            self.send(200, {"calls": state["calls"], "mode": state["mode"], "last": state["last"]})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/mode":
            with lock:
                state["mode"] = body.decode()
            return self.send(200, {"mode": state["mode"]})
        with lock:
            state["calls"] += 1
            mode = state["mode"]
            try:
                state["last"] = {"body": json.loads(body), "auth": self.headers.get("Authorization")}
            except ValueError:
                state["last"] = {"body_text": body[:200].decode("latin1"), "auth": self.headers.get("Authorization")}
        if mode == "slow":
            time.sleep(5)
            mode = "real"
        if mode == "error":
            return self.send(500, {"error": "provider failure"})
        if mode == "nofield":
            return self.send(200, {"status": "ok"})
        if mode == "weird":
            return self.send(200, {"result": {"decision": "maybe"}})
        self.send(200, {"result": {"decision": mode, "confidence": 0.97}})


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
