"""Every command of `facelive` meets bad input with a clear message and its documented exit status,
never a signal or a hang: a table of commands x kinds of bad input (missing, unreadable, empty,
truncated, huge, wrong type, hostile, endless) and bad options.

usage: test_cli_errors.py FACELIVE MODELS_DIR DATA_DIR
Exit statuses (README): 0 real/success, 1 input or model error, 2 usage, 3 spoof, 4 uncertain.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

from checks import check, finish

EXE, MODELS, DATA = sys.argv[1:4]
TMP = tempfile.mkdtemp(prefix="fl_cli_errors_")
T1 = os.path.join(DATA, "silent_face_minivision/image_T1.jpg")
CLIP = os.path.join(DATA, "video_tranvanluyt/videos/real.mp4")


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def png_header(w, h):
    """A PNG whose header claims w x h pixels, with no image data."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


jpeg = open(T1, "rb").read()
BAD = {  # kind -> a path
    "missing": os.path.join(TMP, "missing.jpg"),
    "folder": TMP,
    "empty": write("empty.jpg", b""),
    "truncated": write("truncated.jpg", jpeg[:len(jpeg) // 3]),
    "header_only": write("header.jpg", jpeg[:600]),
    "huge_claim": write("huge.png", png_header(60000, 60000)),
    "wrong_type": write("text.jpg", b"relative_path\tlabel\nnot an image at all\n" * 20),
    "random": write("random.jpg", os.urandom(5000)),
    "hostile_name": write('bad "name"\\\n.jpg', os.urandom(100)),
    "endless": "/dev/zero",
}
VIDEO_BAD = {
    "missing": os.path.join(TMP, "missing.mp4"),
    "empty": write("empty.mp4", b""),
    "wrong_type": write("notes.mp4", b"this is a text file, not a video\n" * 50),
    "text_named_txt": write("notes.txt", b"hello\n" * 100),
    "random": write("random.mp4", os.urandom(20000)),
    "truncated_head": write("head.mp4", open(CLIP, "rb").read()[:4000]),
    "empty_folder": os.path.join(TMP, "empty_dir"),
    "folder_of_junk": os.path.join(TMP, "junk_dir"),
    "endless": "/dev/zero",
}
os.makedirs(VIDEO_BAD["empty_folder"], exist_ok=True)
os.makedirs(VIDEO_BAD["folder_of_junk"], exist_ok=True)
write("junk_dir/f001.jpg", b"junk")


def run(*args, timeout=120):
    try:
        p = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=timeout,
                           env={**os.environ, "FACELIVE_MODELS": MODELS})
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", "", ""


def expect(what, got, want, err, prefix):
    rc = got
    ok = rc in want and (rc not in (1, 2) or (err.strip() and prefix in err))
    check(ok, f"{what}: exit {rc}, wanted {sorted(want)}; stderr {err.strip()[:200]!r}")
    check(rc == "timeout" or rc >= 0, f"{what}: killed by signal {rc}")


rows = 0
for cmd in ("check", "analyze", "texture"):
    for kind, path in BAD.items():
        rc, out, err = run(cmd, path)
        expect(f"{cmd} {kind}", rc, {1}, err, f"facelive {cmd}:")
        rows += 1
        if kind != "endless" and cmd != "texture":  # --json still says which input failed
            rc, out, err = run(cmd, "--json", path)
            check(rc == 1 and '"error"' in out, f"{cmd} --json {kind}: an error object ({rc}, {out[:100]!r})")
    rc, out, err = run(cmd, T1, BAD["truncated"])
    expect(f"{cmd} good + bad image: the error counts", rc, {1}, err, f"facelive {cmd}:")

for kind, path in VIDEO_BAD.items():
    rc, out, err = run("video", path, "--actions", "blink")
    # A truncated file may still yield a few frames: then a verdict, never real.
    want = {1, 4} if kind == "truncated_head" else {1}
    expect(f"video {kind}", rc, want, err, "facelive video:")
    rows += 1

manifests = {
    "missing": os.path.join(TMP, "none.tsv"),
    "empty": write("empty.tsv", b""),
    "no_columns": write("cols.tsv", b"path\tlabel\nx.jpg\treal\n"),
    "binary": write("bin.tsv", os.urandom(3000)),
    "folder": TMP,
    "short_rows": write("short.tsv", b"relative_path\tlabel\tattack_type\nx.jpg\treal\n"),
    "no_readable_row": write("unreadable.tsv", b"relative_path\tlabel\tattack_type\nnone.jpg\treal\tnone\n"),
    "no_rows": write("header.tsv", b"relative_path\tlabel\tattack_type\n"),
    "long_line": write("long.tsv", b"relative_path\tlabel\tattack_type\n" + b"a" * 100000 + b"\treal\tnone\n"),
    "endless": "/dev/zero",
}
for kind, path in manifests.items():
    rc, out, err = run("eval", path, "--out", os.path.join(TMP, "ev"))
    expect(f"eval {kind}", rc, {1}, err, "facelive eval:")
    rows += 1

bad_models = os.path.join(TMP, "bad_models")
os.makedirs(bad_models, exist_ok=True)
write("bad_models/yunet_n_dynamic.onnx", open(os.path.join(MODELS, "yunet_n_dynamic.onnx"), "rb").read()[:5000])
for cmd, extra in (("check", [T1]), ("analyze", [T1]), ("video", [CLIP, "--actions", "blink"]), ("models", []),
                   ("eval", [manifests["short_rows"]])):
    for kind, d in (("missing models", os.path.join(TMP, "nowhere")), ("truncated models", bad_models),
                    ("models folder is a file", T1)):
        rc, out, err = run(cmd, *extra, "--models", d)
        expect(f"{cmd} {kind}", rc, {1}, err, f"facelive {cmd}:")
        rows += 1

usage = {  # bad command lines: exit 2 with a message
    "check": [["--bogus", T1], ["--threshold"], ["--threshold", "abc", T1], ["--threshold", "7", T1],
              ["--detect-size", "12x", T1], [], ["--frames"] + [T1] * 17],
    "analyze": [["--bogus", T1], ["--detect-size", "-5", T1], ["--draw"], []],
    "video": [[CLIP, "--actions", "jump"], [CLIP, "--actions", ""], [CLIP, "--random", "0"], [CLIP, "--fps", "x"],
              [CLIP, "--start", "5", "--end", "2"], [CLIP, CLIP], [CLIP, "--bogus"], [],
              [CLIP] + ["--actions", "blink"] * 8],
    "eval": [["--bogus"], [], ["m.tsv", "--threshold", "2"], ["a.tsv", "b.tsv"], ["m.tsv", "--compare-detect-size"]],
    "models": [["--runs", "0"], ["--runs", "many"], ["extra"]],
    "texture": [[], ["--size"], ["--size", "2", T1], ["--size", "x", T1], ["--bogus", T1], ["--size", "64"]],
}
for cmd, lines in usage.items():
    for args in lines:
        rc, out, err = run(cmd, *args)
        expect(f"{cmd} {args}", rc, {2}, err, "")
        rows += 1
rc, out, err = run("frobnicate")
expect("unknown command", rc, {2}, err, "facelive: unknown command")
rc, out, err = run()
expect("no command", rc, {2}, err, "usage")
print(f"{rows} rows of bad input")
finish()
