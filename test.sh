#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (GoogleTest through CTest).
set -euo pipefail
cd "$(dirname "$0")"
scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j"$jobs" "$@"
