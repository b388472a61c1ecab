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
# The web console (console/, TypeScript + Preact, bundled by esbuild into console/dist), served
# by `sibyl serve` under /console/. Needs npm (scripts/install-deps.sh installs Node.js).
if command -v npm >/dev/null 2>&1; then
  (cd console && { [ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error; } \
     && npm run --silent build)
else
  echo "npm not found: the web console is not built (run scripts/install-deps.sh)" >&2
fi
