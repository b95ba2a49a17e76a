#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install packages, place the models, build,
# load every model of the pack and report what it is and how fast it runs, then analyse sample
# images (a live face, a head turned, an open mouth, a blurred and a dark frame), then judge live
# faces, screen replays and a print with the silent liveness check, and run a whole session over a
# real clip and over its monitor replay; then start the service on loopback and call it over HTTP.
# Each step says when it starts; verdicts show their exit status (0 real, 3 spoof, 4 uncertain: see the README).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS
step() { echo; echo "== [$((SECONDS - start)) s] $* =="; }
verdict() { # runs a facelive command whose exit status is a verdict, and shows it
  local rc=0
  "$@" || rc=$?
  case $rc in
    0|3|4) echo "   (exit $rc: $( [ $rc = 0 ] && echo real || { [ $rc = 3 ] && echo spoof || echo uncertain; } ))" ;;
    *) echo "run.sh: '$*' failed with exit $rc" >&2; exit "$rc" ;;
  esac
}
step "packages (apt-get, first run only)"
"$root/scripts/setup.sh"
step "model pack and data (copied, checked against their sha256 lists)"
"$root/scripts/models.sh"
"$root/scripts/data.sh"
step "build (a few minutes on a fresh machine)"
"$root/scripts/build.sh" release
fl=$root/build/facelive
export FACELIVE_MODELS=$root/models
step "every model of the pack, on both backends"
"$fl" models "$@"
step "face analysis: a live face, a turned head, an open mouth, a blurred and a dark frame"
"$fl" analyze \
  "$root/data/silent_face_minivision/image_T1.jpg" "$root/data/wenhua_chen_blog/037.jpg" \
  "$root/data/wenhua_chen_blog/346.jpg" "$root/data/wenhua_chen_blog/0_0_00030_1_001_scene.jpg" \
  "$root/data/wenhua_chen_blog/0_0_00041_1_000_scene.jpg"
step "silent liveness: two live faces, two screen replays, a print"
for img in silent_face_minivision/image_T1.jpg wenhua_chen_blog/0_0_00008_1_000_scene.jpg \
           silent_face_minivision/image_F2.jpg wenhua_chen_blog/0_0_05580_7_001_scene.jpg \
           wenhua_chen_blog/0_3_00476_2_001_scene.jpg; do
  verdict "$fl" check "$root/data/$img"
done
for clip in real fake; do
  step "a whole session (turn left, turn right, head down, head up; then the silent check) on $clip.mp4"
  verdict "$fl" video --actions turn_left,turn_right,head_down,head_up "$root/data/video_tranvanluyt/videos/$clip.mp4"
done
step "the service: facelive serve on loopback, called over HTTP (docs/server.md)"
srv=$(mktemp -d)
"$fl" token --secret > "$srv/token_secret.hex"
entry=$("$fl" token --tenant demo | tee "$srv/key.txt" | sed -n 's/^configuration entry: //p')
key=$(sed -n 's/^api key.*: //p' "$srv/key.txt")
cat > "$srv/serve.json" <<JSON
{"listen": "127.0.0.1:0", "workers": 2, "models": "$root/models", "token_secret_file": "token_secret.hex",
 "log": "access.log", "tenants": [$entry]}
JSON
"$fl" serve --config "$srv/serve.json" 2> "$srv/stderr.txt" &
srv_pid=$!
trap 'kill $srv_pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q "listening on" "$srv/stderr.txt" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$srv/stderr.txt")
echo "   $(cat "$srv/stderr.txt")"
for img in silent_face_minivision/image_T1.jpg silent_face_minivision/image_F2.jpg; do
  echo "   POST /v1/liveness $img:"
  curl -s -H "Authorization: Bearer $key" -F "image=@$root/data/$img" "$url/v1/liveness" | cut -c1-160
done
echo "   POST /v1/challenges:"
curl -s -H "Authorization: Bearer $key" -X POST "$url/v1/challenges" | cut -c1-200
echo "   GET /metrics (decisions):"
curl -s "$url/metrics" | grep -E '^facelive_(decisions_total|answered_locally_ratio)' | sed 's/^/     /'
kill -TERM $srv_pid && wait $srv_pid
trap - EXIT
echo "   stopped (SIGTERM); access log: $srv/access.log"
step "done"
