"""The page's files (issue 22's serving part): `facelive serve` with web_root answers GET /demo/... with
the folder's files, the MIME types browsers insist on (application/wasm, JavaScript modules) and the
cross-origin isolation headers (COOP same-origin, COEP require-corp, CORP, nosniff) that wasm
threads need; and refuses everything that is not a plain name inside the folder — "..", encoded
dots, hidden files, a link leading out, a folder, a missing file — with 404, never its content.
Without web_root, /demo/ is 404 and the server starts as before; a web_root that is not a folder
stops the start with a message."""
import http.client
import os
import subprocess
import sys
import tempfile

from checks import check, finish
from server_fixture import Server

FACELIVE, MODELS, DATA = sys.argv[1:4]


def get(s, path, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
    try:
        c.putrequest(method, path, skip_host=False, skip_accept_encoding=True)  # the path as given: no normalising
        c.endheaders()
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def make_site():
    site = tempfile.mkdtemp(prefix="facelive-web-")
    outside = tempfile.mkdtemp(prefix="facelive-web-outside-")
    files = {"index.html": b"<!doctype html><title>facelive</title>", "app.mjs": b"export const x = 1;\n",
             "facelive.wasm": b"\0asm\1\0\0\0" + bytes(range(256)) * 64, "style.css": b"body{}",
             "sub/index.html": b"<p>sub</p>", "sub/data.bin": b"\x01\x02", ".secret": b"hidden"}
    for name, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(site, name)), exist_ok=True)
        open(os.path.join(site, name), "wb").write(data)
    open(os.path.join(outside, "passwd"), "wb").write(b"root:x:0:0")
    os.symlink(os.path.join(outside, "passwd"), os.path.join(site, "leak.txt"))  # a link leading out
    os.symlink(os.path.join(site, "app.mjs"), os.path.join(site, "alias.mjs"))    # a link staying inside
    os.makedirs(os.path.join(site, "empty"))
    return site, files


def test_served(s, files):
    want = {"/demo/": ("index.html", "text/html"), "/demo/index.html": ("index.html", "text/html"),
            "/demo/app.mjs": ("app.mjs", "text/javascript"), "/demo/facelive.wasm": ("facelive.wasm", "application/wasm"),
            "/demo/style.css": ("style.css", "text/css"), "/demo/sub/": ("sub/index.html", "text/html"),
            "/demo/sub/data.bin": ("sub/data.bin", "application/octet-stream"),
            "/demo/alias.mjs": ("app.mjs", "text/javascript")}
    for path, (name, ctype) in want.items():
        status, h, body = get(s, path)
        check(status == 200 and body == files[name] and h.get("content-type", "").startswith(ctype),
              f"{path}: {status} {h.get('content-type')} {len(body)} bytes (want {name} as {ctype})")
        check(h.get("cross-origin-opener-policy") == "same-origin" and
              h.get("cross-origin-embedder-policy") == "require-corp" and
              h.get("cross-origin-resource-policy") == "same-origin" and h.get("x-content-type-options") == "nosniff",
              f"{path}: the isolation headers: {h}")
    status, h, _ = get(s, "/v1/version")
    check(status == 200 and "cross-origin-embedder-policy" not in h, "the API's answers do not carry them")


def test_refused(s):
    for path in ["/demo/../serve.json", "/demo/sub/../../serve.json", "/demo/%2e%2e/serve.json",
                 "/demo/..%2fserve.json", "/demo/.secret", "/demo/leak.txt", "/demo/empty", "/demo/empty/",
                 "/demo/missing.js", "/demo//app.mjs", "/demo/sub//data.bin", "/demo/app.mjs%00.png",
                 "/demo/a\\b", "/demo/" + "a" * 300, "/demo/" + "b/" * 200, "/demo"]:
        status, h, body = get(s, path)
        check(status == 404 and b"root:x" not in body and b"hidden" not in body and b"token_secret" not in body,
              f"{path!r}: 404 without content ({status}, {body[:80]!r})")
    status, h, _ = get(s, "/demo/app.mjs", "POST")
    check(status == 405 and h.get("allow") == "GET", f"POST on a page file: 405 with Allow ({status})")


def test_without_web_root():
    s = Server(FACELIVE, MODELS, workers=1).start()
    try:
        status, _, body = get(s, "/demo/")
        check(status == 404 and b"no web_root" in body, f"without web_root: 404 ({status} {body[:120]!r})")
    finally:
        check(s.stop() == 0, "the server without web_root stops cleanly")
    bad = Server(FACELIVE, MODELS, workers=1, config={"web_root": "/nonexistent/facelive-web"})
    r = subprocess.run([FACELIVE, "serve", "--config", bad.write_config(), "--check"], capture_output=True, text=True)
    check(r.returncode != 0 and "web_root" in r.stderr, f"a web_root that is not a folder is refused: {r.stderr[-200:]}")


def main():
    site, files = make_site()
    s = Server(FACELIVE, MODELS, workers=1, config={"web_root": site}).start()
    try:
        test_served(s, files)
        test_refused(s)
    finally:
        check(s.stop() == 0, "the server stops cleanly")
    test_without_web_root()
    finish()


main()
