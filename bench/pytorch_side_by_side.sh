#!/usr/bin/env bash
# Impasto next to a plain PyTorch Gatys loop doing the same work, timed in one run (a benchmark, not a
# test). Needs Debian's python3-torch and ImageMagick; builds nothing: run scripts/build.sh first.
#   bench/pytorch_side_by_side.sh [--sizes 256,512] [--networks vgg19,squeezenet] [--iterations 6]
#                                 [--threads N] [--impasto-args '--tune off']
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python=/usr/bin/python3  # Debian's interpreter, where python3-torch installs (not a pyenv or venv one)
impasto="${IMPASTO:-$root/build/impasto}"
shared="${IMPASTO_SHARED:-$root/../shared}"
if ! "$python" -c "import torch, numpy" 2> /dev/null; then
  echo "pytorch_side_by_side: $python cannot import torch: install Debian's python3-torch (sudo apt-get install python3-torch)" >&2
  exit 2
fi
command -v convert > /dev/null || { echo "pytorch_side_by_side: needs ImageMagick's convert (sudo apt-get install imagemagick)" >&2; exit 2; }
[ -x "$impasto" ] || { echo "pytorch_side_by_side: no impasto binary at $impasto: run scripts/build.sh (or set IMPASTO)" >&2; exit 2; }
[ -d "$shared/images" ] || { echo "pytorch_side_by_side: no test images in $shared/images (set IMPASTO_SHARED)" >&2; exit 2; }
exec "$python" "$root/bench/pytorch_side_by_side.py" --impasto "$impasto" --shared "$shared" "$@"
