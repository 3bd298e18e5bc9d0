#!/usr/bin/env bash
# Regenerates the golden-value fixtures (tests/data/golden/*.json) with the
# independent PyTorch model in bench/golden_values.py. Installs Debian's
# python3-torch if it is missing; nothing else in the project needs it (the
# fixtures are committed, so building and testing never run this).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
  echo "pebench: installing python3-torch" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-torch >/dev/null
fi
# Debian's interpreter, where python3-torch lives (not a virtualenv's or pyenv's).
/usr/bin/python3 bench/golden_values.py "$@"
