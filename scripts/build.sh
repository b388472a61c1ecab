#!/usr/bin/env bash
# Configures and builds Sibyl into build/ (CMake + Ninja, ccache when present).
# The binary is build/sibyl. BUILD_TYPE defaults to RelWithDebInfo.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
fi
cmake --build "$BUILD_DIR" -- "$@"
