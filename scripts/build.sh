#!/usr/bin/env bash
# Installs the Debian packages pebench needs (only those missing), then
# configures and builds a Release build in ./build. Used by run.sh, test.sh and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make git libeigen3-dev libomp-dev nlohmann-json3-dev libfmt-dev
          libgtest-dev libgmock-dev libcli11-dev
          chromium)  # chromium: the HTML report's browser test (tests/html_in_browser.sh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "pebench: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
