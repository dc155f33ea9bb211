#!/usr/bin/env bash
# Set up, build (warnings are errors), run every test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" -DCODA_WERROR=ON
cd "${CODA_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "${CODA_JOBS:-$(nproc)}" "$@"
