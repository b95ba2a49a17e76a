#!/usr/bin/env bash
# Places the model pack in ./models (ignored by git), checked against scripts/models.sha256.
# Source: $FACELIVE_MODELS_FROM, default ../shared/models.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/place_files.sh" "${FACELIVE_MODELS_FROM:-$root/../shared/models}" "$root/scripts/models.sha256" "$root/models"
