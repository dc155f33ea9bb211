#!/usr/bin/env bash
# The main job: set up, build, then simulate the default hardware config on the default workload.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$root"
exec build/coda sim -c configs/hw/gemmini-default.yaml -w configs/workloads/bert-base.yaml "$@"
