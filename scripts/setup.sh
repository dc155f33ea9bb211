#!/usr/bin/env bash
# Installs every Debian package that coda's build, tests and main job need.
# Idempotent: quiet and quick when everything is already present.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config make
  # libraries
  libyaml-cpp-dev libfmt-dev libcli11-dev nlohmann-json3-dev libeigen3-dev libtbb-dev
  libsqlite3-dev libsystemc-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # RTL co-simulation
  verilator
  # coda nas over MPI ranks (mpirun -np N coda nas ...)
  libopenmpi-dev openmpi-bin
  # plots
  python3 python3-matplotlib
  # corpus for the perplexity evaluator
  bible-kjv
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
