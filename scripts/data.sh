#!/usr/bin/env bash
# Places the labelled evaluation data in ./data (ignored by git), checked against
# scripts/data.sha256. Source: $FACELIVE_DATA_FROM, default ../shared/data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/place_files.sh" "${FACELIVE_DATA_FROM:-$root/../shared/data}" "$root/scripts/data.sha256" "$root/data"
