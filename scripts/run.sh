#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install packages, place the models, build,
# load every model of the pack and report what it is and how fast it runs, then analyse sample
# images (a live face, a head turned, an open mouth, a blurred and a dark frame), then judge live
# faces, screen replays and a print with the silent liveness check, and run a whole session over a
# real clip and over its monitor replay.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/models.sh"
"$root/scripts/data.sh"
"$root/scripts/build.sh" release >/dev/null
"$root/build/facelive" models --models "$root/models" "$@"
echo
"$root/build/facelive" analyze --models "$root/models" \
  "$root/data/silent_face_minivision/image_T1.jpg" "$root/data/wenhua_chen_blog/037.jpg" \
  "$root/data/wenhua_chen_blog/346.jpg" "$root/data/wenhua_chen_blog/0_0_00030_1_001_scene.jpg" \
  "$root/data/wenhua_chen_blog/0_0_00041_1_000_scene.jpg"
echo
"$root/build/facelive" check --models "$root/models" \
  "$root/data/silent_face_minivision/image_T1.jpg" "$root/data/wenhua_chen_blog/0_0_00008_1_000_scene.jpg" \
  "$root/data/silent_face_minivision/image_F2.jpg" "$root/data/wenhua_chen_blog/0_0_05580_7_001_scene.jpg" \
  "$root/data/wenhua_chen_blog/0_3_00476_2_001_scene.jpg"
echo
for clip in real fake; do
  "$root/build/facelive" video --models "$root/models" --silent \
    --actions turn_left,turn_right,head_down,head_up "$root/data/video_tranvanluyt/videos/$clip.mp4"
done
