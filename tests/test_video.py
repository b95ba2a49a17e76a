"""Action liveness end to end on the real clips of the data set, through `facelive video`.

usage: test_video.py FACELIVE MODELS_DIR DATA_DIR

Times listed in the data set's MANIFEST are approximate (read off frames sampled at 1-2 fps), so
"near" means within the listed interval widened by 1.5 s on each side.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish

EXE, MODELS, DATA = sys.argv[1:4]


def video(path, *args):
    p = subprocess.run([EXE, "video", os.path.join(DATA, path), "--models", MODELS, *args], capture_output=True,
                       text=True)
    if p.returncode:
        raise RuntimeError(f"facelive video {path} {args}: {p.returncode} {p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def near(events, action, lo, hi):
    return any(e["action"] == action and lo - 1.5 <= e["t"] <= hi + 1.5 for e in events)


# The listed actions of each real clip (those in facelive's vocabulary), with their times, and
# whether the clip needs the light gate relaxed (studio clips lit from behind).
CLIPS = {
    "video_tranvanluyt/videos/real.mp4": ([("turn_left", 3, 5), ("turn_right", 8, 10), ("head_down", 13, 17),
                                           ("head_up", 13, 17)], False),
    "video_liveportrait_driving/d0.mp4": ([("blink", 2.5, 2.8)], True),
    "video_liveportrait_driving/d3.mp4": ([("head_down", 2.6, 4.1), ("open_mouth", 10, 11.5)], True),
    "video_liveportrait_driving/d5.mp4": ([("open_mouth", 2.3, 3.0)], True),
    "video_liveportrait_driving/d7.mp4": ([("blink", 2.4, 2.4)], True),
    "video_liveportrait_driving/d8.mp4": ([("open_mouth", 8.3, 8.3)], True),
    "video_liveportrait_driving/d9.mp4": ([("blink", 0.4, 1.2), ("blink", 14.3, 14.3)], True),
    "video_wolf_huo/videos/eff17845a21796d55db31abd0579ac76.mp4": ([("blink", 1.4, 1.4)], False),
}
for path, (listed, studio) in CLIPS.items():
    gate = ["--no-light-gate"] if studio else []
    seen = video(path, *gate)["events"]
    for action, lo, hi in listed:
        check(near(seen, action, lo, hi), f"{path}: {action} near {lo}-{hi} s; seen {seen}")
    own = []
    for action, _, _ in listed:  # the clip's own actions, in order, without immediate repeats
        if not own or own[-1] != action:
            own.append(action)
    r = video(path, "--actions", ",".join(own), *gate)
    check(r["passed"] and [a["action"] for a in r["actions"]] == own, f"{path} passes its own actions {own}: {r}")
    if len(set(own)) > 1:
        rev = list(reversed(own))
        r = video(path, "--actions", ",".join(rev), *gate)
        check(not r["passed"], f"{path} fails its actions reversed {rev}")
    absent = [a for a in ("nod", "shake", "turn_right", "open_mouth", "blink") if a not in own][0]
    r = video(path, "--actions", ",".join(own + [absent]), *gate)
    check(not r["passed"] and r["reason"] in ("action_timeout", "the video ended before the challenge did"),
          f"{path} fails when {absent} is asked too: {r['reason']}")

# The whole session flow: the real clip passes and its best frames are judged real; the monitor
# replay performs the same actions, but the silent check on its best frames says spoof.
order = "turn_left,turn_right,head_down,head_up"
real = video("video_tranvanluyt/videos/real.mp4", "--actions", order, "--silent")
check(real["passed"] and real["silent"]["decision"] == "real", f"real clip: {real}")
fake = video("video_tranvanluyt/videos/fake.mp4", "--actions", order, "--silent")
check(len(fake["actions"]) == 4 and not fake["passed"] and fake["reason"] == "spoof" and
      fake["silent"]["decision"] == "spoof", f"monitor replay: actions done, silent spoof: {fake}")

sheet = os.path.join(tempfile.mkdtemp(prefix="fl_sheet_"), "sheet.png")
video("video_tranvanluyt/videos/real.mp4", "--actions", "turn_left", "--draw", sheet)
with open(sheet, "rb") as f:
    check(f.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(sheet) > 100000, "--draw writes a contact sheet PNG")

# A replay started late does not satisfy an order it no longer contains.
late = video("video_tranvanluyt/videos/real.mp4", "--start", "6", "--actions", "turn_left,turn_right")
check(not late["passed"], f"the clip started at 6 s cannot turn left first: {late['reason']}")
late = video("video_tranvanluyt/videos/real.mp4", "--start", "6", "--actions", "turn_right,head_down")
check(late["passed"], f"the clip started at 6 s still turns right then down: {late['reason']}")

# A still photo, as a folder of the same frame: passes no action.
tmp = tempfile.mkdtemp(prefix="fl_video_test_")
for i in range(90):
    shutil.copy(os.path.join(DATA, "silent_face_minivision/image_T1.jpg"), os.path.join(tmp, f"f{i:03d}.jpg"))
for action in ("blink", "open_mouth", "turn_left", "turn_right", "head_up", "head_down", "nod", "shake"):
    r = video(tmp, "--actions", action, "--fps", "10")
    check(not r["passed"] and r["events"] == [], f"a still photo passed {action}: {r}")

# The EyeBlink8 clips hold only the ~0.2 s of a blink: they are used for closed-eye measures.
# On these compressed 640x480 clips the mesh reads the closure only partly; every frame must be
# measured, and the lowest eye openness of each clip is recorded for docs/actions.md.
ratios = []
root = os.path.join(DATA, "video_eyeblink8_clips")
for sub in sorted(os.listdir(root)):
    for clip in sorted(os.listdir(os.path.join(root, sub))):
        p = subprocess.run([EXE, "video", os.path.join(root, sub, clip), "--models", MODELS, "--json",
                            "--no-light-gate"], capture_output=True, text=True)
        frames = [json.loads(l) for l in p.stdout.splitlines()[:-1]]
        ears = [(f["ear_image_left"] + f["ear_image_right"]) / 2 for f in frames if "ear_image_left" in f]
        check(p.returncode == 0 and len(ears) == len(frames) > 0, f"{clip}: every frame measured")
        if ears:
            ratios.append(min(ears) / max(ears))
ratios.sort()
print(f"EyeBlink8: {len(ratios)} clips; lowest/highest eye openness within a clip: median {ratios[len(ratios) // 2]:.2f},"
      f" lowest {ratios[0]:.2f}")

finish()
