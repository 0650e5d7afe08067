#!/usr/bin/env bash
# Installs every build and run dependency from Debian's packages (Debian 12).
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libtorch-dev libopenblas0-pthread libopenblas-dev
  libopencv-dev libcli11-dev nlohmann-json3-dev libmatio-dev libhdf5-dev
  libgtest-dev libssl-dev curl
  libcpp-httplib-dev
  libsndfile1-dev
  espeak-ng sox  # sounds for the audio tests
  chromium
  opencv-doc
  slurm-wlm munge iproute2  # the single-node Slurm cluster of the batch tests (scripts/slurm-local.sh)
  libjpeg62-turbo-dev libpng-dev libwebp-dev
  libeigen3-dev
  libopencv-contrib-dev libavformat-dev libavcodec-dev libswresample-dev libavutil-dev
)
missing=()
command -v npm > /dev/null || packages+=(npm)  # fetches ResNet-50; machines with Node.js already have it
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
