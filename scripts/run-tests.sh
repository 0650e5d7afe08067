#!/usr/bin/env bash
# Installs everything, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DIMPASTO_BUILD_TESTS=ON
scripts/fetch-models.sh squeezenet resnet50  # the backbone tests use the real weights
# The studio's end-to-end test drives Chromium with playwright-core, pinned by the lockfile.
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
(cd build && ctest --output-on-failure -j "$(nproc)")
# The library and the fast tests again under AddressSanitizer and UndefinedBehaviorSanitizer
# (IMPASTO_SANITIZERS=0 leaves them out, for a quicker local run).
if [ "${IMPASTO_SANITIZERS:-1}" != 0 ]; then
  scripts/run-sanitizers.sh
fi
