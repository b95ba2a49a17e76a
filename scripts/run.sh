#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install packages, place the models, build,
# then load every model of the pack and report what it is and how fast it runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/models.sh"
"$root/scripts/data.sh"
"$root/scripts/build.sh" release >/dev/null
"$root/build/facelive" models --models "$root/models" "$@"
