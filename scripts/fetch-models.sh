#!/usr/bin/env bash
# Makes the default network's weights available: keeps a copy already in a model directory,
# otherwise downloads it from its public origin and verifies its SHA-256. Offline, it says where to
# put the file by hand. Usage: scripts/fetch-models.sh [squeezenet]
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-squeezenet}
case "$name" in
  squeezenet)
    file=squeezenet1_1/sqz_notop.mat
    url=https://github.com/avoroshilov/neural-style/raw/33818aa47eebc1d16ad89bc50be687a87de47ec5/sqz_notop.mat
    sha256=1bb1685c050e78053830d0c70a813479952e0c6fa5f334118cd0a93fb8acd166
    ;;
  *) echo "fetch-models: unknown network '$name' (known: squeezenet)" >&2; exit 2 ;;
esac
user_dir=${IMPASTO_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/impasto/models}
for dir in "$user_dir" models ../shared/models; do
  if [ -f "$dir/$file" ] && echo "$sha256  $dir/$file" | sha256sum -c --quiet 2>/dev/null; then
    echo "fetch-models: $name weights present in $dir"
    exit 0
  fi
done
mkdir -p "$user_dir/$(dirname "$file")"
tmp="$user_dir/$file.part"
if curl -fsSL --max-time 120 -o "$tmp" "$url" && echo "$sha256  $tmp" | sha256sum -c --quiet; then
  mv "$tmp" "$user_dir/$file"
  echo "fetch-models: downloaded $name weights to $user_dir/$file"
else
  rm -f "$tmp"
  echo "fetch-models: cannot download $url (offline?); put $(basename "$file") (SHA-256 $sha256) into $user_dir/$(dirname "$file")/" >&2
  exit 1
fi
