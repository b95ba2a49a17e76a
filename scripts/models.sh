#!/usr/bin/env bash
# Places the model pack in ./models (ignored by git) and checks every file against the
# committed list scripts/models.sha256. Source: $FACELIVE_MODELS_FROM, default ../shared/models.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
from=${FACELIVE_MODELS_FROM:-$root/../shared/models}
list=$root/scripts/models.sha256
dest=$root/models
if [ ! -d "$from" ]; then
  echo "models.sh: no model pack at '$from' (set FACELIVE_MODELS_FROM)" >&2
  exit 1
fi
mkdir -p "$dest/golden"
while read -r sum file; do
  if [ ! -f "$dest/$file" ] || ! echo "$sum  $dest/$file" | sha256sum --check --status; then
    [ -f "$from/$file" ] || { echo "models.sh: $from/$file is missing" >&2; exit 1; }
    cp "$from/$file" "$dest/$file"
    chmod u+w "$dest/$file"
  fi
done < "$list"
(cd "$dest" && sha256sum --check --quiet "$list") || { echo "models.sh: checksum mismatch (see above)" >&2; exit 1; }
echo "models.sh: $(wc -l < "$list") files in $dest verified"
