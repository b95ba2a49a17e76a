"""Challenges and their verification through a real `facelive serve` (2 workers): a challenge
verified on the real head-turn clip's frames passes; the monitor replay of the same actions and
the frames of the other order fail; expired, reused (on the other worker too), forged, malformed
and other-tenant tokens are refused with their own codes; the multipart form works; the store is
LMDB here and Redis in test_server_redis.py (the same checks, run by both).

usage: test_server_tokens.py FACELIVE MODELS_DIR DATA_DIR [redis PORT]"""
import base64
import os
import secrets
import sys
import time

from checks import check, finish
from server_fixture import Server, frames_doc, frames_of

FACELIVE, MODELS, DATA = sys.argv[1:4]
REAL = os.path.join(DATA, "video_tranvanluyt/videos/real.mp4")
REPLAY = os.path.join(DATA, "video_tranvanluyt/videos/fake.mp4")


def challenge(s, want=None, key="acme"):
    """A challenge from the server; with `want`, asked again until the random draw is that order."""
    for _ in range(40):
        r = s.request("POST", "/v1/challenges", b"", key=key)
        d = r.json()
        if r.status != 201 or want is None or d["actions"] == want:
            return r, d
    raise RuntimeError("the server never drew " + str(want))


def verify(s, token, frames, key="acme"):
    return s.post_json(f"/v1/challenges/{token}/verify", frames_doc(frames), key=key)


def test_issue(s):
    r, d = challenge(s)
    check(r.status == 201 and len(d["actions"]) == 2 and set(d["actions"]) <= {"turn_left", "turn_right"} and
          d["actions"][0] != d["actions"][1] and len(d["prompts"]) == 2 and d["expires_in_s"] == 120 and
          abs(d["expires_at"] - time.time() - 120) < 5, f"a challenge: {r.body}")
    seen = {tuple(challenge(s)[1]["actions"]) for _ in range(12)}
    check(len(seen) == 2, f"both orders are drawn: {seen}")
    tokens = {challenge(s)[1]["token"] for _ in range(10)}
    check(len(tokens) == 10, "every token is new")


def test_sessions(s, real, replay):
    _, d = challenge(s, ["turn_left", "turn_right"])
    r = verify(s, d["token"], real)
    v = r.json()
    check(r.status == 200 and v["decision"] == "real" and v["outcome"] == "passed" and
          [c["done"] for c in v["challenge"]] == [True, True] and v["silent"]["decision"] == "real",
          f"the real clip passes turn_left, turn_right: {r.body[:500]}")
    _, d = challenge(s, ["turn_right", "turn_left"])
    r = verify(s, d["token"], real)
    v = r.json()
    check(r.status == 200 and v["decision"] == "uncertain" and v["outcome"] != "passed" and
          not v["challenge"][1]["done"], f"the real clip does not pass the other order: {r.body[:400]}")
    _, d = challenge(s, ["turn_left", "turn_right"])
    r = verify(s, d["token"], replay)
    v = r.json()
    check(r.status == 200 and v["decision"] == "spoof" and v["outcome"] == "spoof",
          f"the monitor replay of the same actions is refused: {r.body[:400]}")
    # the client's claims are not read: a body that says it passed changes nothing
    _, d = challenge(s, ["turn_right", "turn_left"])
    doc = frames_doc(real)
    doc.update({"decision": "real", "passed": True})
    r = s.post_json(f"/v1/challenges/{d['token']}/verify", doc)
    check(r.status == 200 and r.json()["decision"] != "real", f"a claim of success in the body is ignored: {r.body[:200]}")
    # the multipart form: frames as files, their times in one field
    _, d = challenge(s, ["turn_left", "turn_right"])
    parts = [("frame", j, f"{i}.jpg") for i, (j, _) in enumerate(real)]
    parts.append(("timestamps", ",".join(str(t) for _, t in real).encode(), None))
    r = s.post_multipart(f"/v1/challenges/{d['token']}/verify", parts)
    check(r.status == 200 and r.json()["decision"] == "real", f"multipart frames pass too: {r.body[:300]}")


def test_video(s):
    """The frames as a short video file: the server samples it and runs the same session."""
    real = open(REAL, "rb").read()
    _, d = challenge(s, ["turn_left", "turn_right"])
    r = s.request("POST", f"/v1/challenges/{d['token']}/verify", real, {"Content-Type": "video/mp4"})
    v = r.json()
    check(r.status == 200 and v["decision"] == "real" and v["outcome"] == "passed" and v["frames_judged"] > 50,
          f"the real clip as an MP4 passes: {r.body[:300]}")
    _, d = challenge(s, ["turn_left", "turn_right"])
    r = s.request("POST", f"/v1/challenges/{d['token']}/verify", open(REPLAY, "rb").read(), {"Content-Type": "video/mp4"})
    check(r.status == 200 and r.json()["decision"] == "spoof", f"the monitor replay as an MP4 is refused: {r.body[:200]}")
    _, d = challenge(s, ["turn_left", "turn_right"])
    for bad, want in ((b"not a video at all, just text\n" * 20, (415, "video_format")),
                      (real[:5000], (422, "video_invalid")), (b"", (422, "video_invalid"))):
        r = s.request("POST", f"/v1/challenges/{d['token']}/verify", bad, {"Content-Type": "video/mp4"})
        check(code(r) == want, f"a broken video ({len(bad)} bytes): {want}: {r.body[:200]}")
    r = s.request("POST", f"/v1/challenges/{d['token']}/verify", real, {"Content-Type": "video/mp4"})
    check(r.status == 200 and r.json()["decision"] == "real", "the broken videos did not spend the token")
    check(not [f for f in os.listdir(os.environ.get("TMPDIR", "/tmp")) if f.startswith("facelive-verify-")],
          "no video is left in the temporary folder")


def code(r):
    return r.status, r.error()


def test_refusals(s, real):
    few = real[:3]
    # reuse: the token is spent by its first verification, on every worker
    _, d = challenge(s)
    first = verify(s, d["token"], few)
    reuses, used_pids = [], set()
    for _ in range(40):  # until both workers have refused it (which worker accepts is the kernel's choice)
        reuses.append(verify(s, d["token"], few))
        used_pids = {l["pid"] for l in s.log() if l.get("error") == "token_used"}
        if len(used_pids) == 2 and len(reuses) >= 4:
            break
    check(first.status == 200 and all(code(r) == (409, "token_used") for r in reuses),
          f"a used token is refused every time: {[code(r) for r in reuses]}")
    check(len(used_pids) == 2, f"the refusals came from both workers: {used_pids}")
    # expired: signed with the server's secret, expiry in the past
    t = s.sign("acme", int(time.time()) - 5, secrets.token_hex(16), ["turn_left", "turn_right"])
    check(code(verify(s, t, few)) == (410, "token_expired"), "an expired token")
    # forged: a valid token's payload with another signature, and a payload changed under its signature
    _, d = challenge(s)
    payload, mac = d["token"].split(".")
    forged = payload + "." + base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    check(code(verify(s, forged, few)) == (403, "token_forged"), "a token with another signature")
    decoded = base64.urlsafe_b64decode(payload + "==").decode()
    order = decoded.rsplit("|", 1)[1]
    swapped = decoded.replace(order, ",".join(reversed(order.split(","))))
    changed = base64.urlsafe_b64encode(swapped.encode()).rstrip(b"=").decode() + "." + mac
    check(code(verify(s, changed, few)) == (403, "token_forged"), "a token whose actions were changed")
    later = base64.urlsafe_b64encode(decoded.replace("|17", "|27", 1).encode()).rstrip(b"=").decode() + "." + mac
    check(code(verify(s, later, few)) == (403, "token_forged"), "a token whose expiry was pushed back")
    # malformed
    for bad in ["abc", "a.b.c", "%00", "x" * 600, base64.urlsafe_b64encode(b"1|acme").decode() + ".", "."]:
        r = verify(s, bad, few)
        check(code(r) in ((400, "token_malformed"), (404, "not_found")), f"a malformed token {bad[:20]!r}: {code(r)}")
    check(code(verify(s, "abc", few)) == (400, "token_malformed"), "'abc' is malformed")
    # another tenant's token, and a token signed with another secret for this tenant
    _, d = challenge(s, key="beta")
    check(code(verify(s, d["token"], few, key="acme")) == (403, "token_other_tenant"), "beta's token used by acme")
    r = verify(s, d["token"], few, key="beta")
    check(r.status == 200, f"beta can still use it (the refusal did not spend it): {code(r)}")
    other = Server.__new__(Server)
    other.secret = secrets.token_bytes(32)
    t = other.sign("acme", int(time.time()) + 60, secrets.token_hex(16), ["turn_left"])
    check(code(verify(s, t, few)) == (403, "token_forged"), "a token signed with another secret")
    # a body error does not spend the token
    _, d = challenge(s)
    r = s.post_json(f"/v1/challenges/{d['token']}/verify", {"frames": [{"image": "!!", "t": 0}]})
    check(code(r) == (400, "base64_invalid"), f"bad base64 in a frame: {code(r)}")
    r = s.post_json(f"/v1/challenges/{d['token']}/verify", {"frames": [{"image": frames_doc(few)["frames"][0]["image"]}]})
    check(code(r) == (400, "timestamps_invalid"), f"a frame without its time: {code(r)}")
    doc = frames_doc(few)
    doc["frames"][1]["t"] = -1
    check(code(s.post_json(f"/v1/challenges/{d['token']}/verify", doc)) == (400, "timestamps_invalid"), "a negative time")
    doc = frames_doc(few)
    doc["frames"][2]["t"] = 0.0
    doc["frames"][1]["t"] = 0.5
    check(code(s.post_json(f"/v1/challenges/{d['token']}/verify", doc)) == (400, "timestamps_invalid"), "time going back")
    check(verify(s, d["token"], few).status == 200, "the token still works after refused bodies")
    r = s.post_json("/v1/challenges/" + d["token"] + "/verify", frames_doc(few), key=None)
    check(code(r) == (401, "api_key_missing"), "verify needs a key")


def main():
    store = {"kind": "lmdb", "path": "store.lmdb"}
    if len(sys.argv) > 5 and sys.argv[4] == "redis":
        store = {"kind": "redis", "host": "127.0.0.1", "port": int(sys.argv[5]), "timeout_ms": 500}
    s = Server(FACELIVE, MODELS, workers=2, config={"store": store}).start()
    try:
        real = frames_of(REAL, 0, 11, 10)
        replay = frames_of(REPLAY, 0, 11, 10)
        check(len(real) > 100 and len(replay) > 100, f"frames cut: {len(real)} real, {len(replay)} replay")
        test_issue(s)
        test_sessions(s, real, replay)
        test_refusals(s, real)
        test_video(s)
    finally:
        check(s.stop() == 0, "the server stops cleanly")
    finish()


if __name__ == "__main__":
    main()
