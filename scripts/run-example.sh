#!/usr/bin/env bash
# Installs everything, builds, and paints Debian's opencv-doc building.jpg in the style of its
# starry_night.jpg with the default network. Result: building_starry.png
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DIMPASTO_BUILD_TESTS=OFF
scripts/fetch-models.sh squeezenet
data=/usr/share/doc/opencv-doc/examples/data
./build/impasto stylize --content "$data/building.jpg" --style "$data/starry_night.jpg" \
  --output building_starry.png "$@"
