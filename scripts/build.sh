#!/usr/bin/env bash
# Configures and builds vdep into build/ (Ninja, RelWithDebInfo, ccache when present).
# Extra arguments go to the CMake configure step, e.g. scripts/build.sh -DVDEP_BUILD_TESTS=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build build --parallel "$(nproc)"
