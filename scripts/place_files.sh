#!/usr/bin/env bash
# place_files.sh FROM LIST DEST: copies every file named in LIST (sha256sum format, paths
# relative to FROM) into DEST unless an identical copy is there, then verifies all of DEST
# against LIST. Used for the model pack and the evaluation data, which are never committed.
set -euo pipefail
from=$1 list=$2 dest=$3
if [ ! -d "$from" ]; then
  echo "place_files: no folder '$from'" >&2
  exit 1
fi
mkdir -p "$dest"
while read -r sum file; do
  if [ ! -f "$dest/$file" ] || ! echo "$sum  $dest/$file" | sha256sum --check --status; then
    [ -f "$from/$file" ] || { echo "place_files: $from/$file is missing" >&2; exit 1; }
    mkdir -p "$(dirname "$dest/$file")"
    cp "$from/$file" "$dest/$file"
    chmod u+w "$dest/$file"
  fi
done < "$list"
(cd "$dest" && sha256sum --check --quiet "$list") || { echo "place_files: checksum mismatch (see above)" >&2; exit 1; }
echo "place_files: $(wc -l < "$list") files in $dest verified"
