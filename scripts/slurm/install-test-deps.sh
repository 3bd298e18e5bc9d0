#!/usr/bin/env bash
# Installs what tests/slurm/test_slurm.sh needs to bring up a single-node
# Slurm: Debian's slurmctld, slurmd, slurm-client and munge (only those
# missing). Installing them starts nothing: the test runs the daemons itself.
set -euo pipefail
packages=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "pebench: installing ${missing[*]}" >&2
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
# policy-rc.d 101: Debian's maintainer scripts must not start the daemons
# (there may be no init system; the test starts its own, on its own config).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null
  $sudo_cmd chmod +x "$policy"
  created_policy=1
fi
$sudo_cmd apt-get -o DPkg::Lock::Timeout=900 update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${missing[@]}" >/dev/null
[ "$created_policy" -eq 0 ] || $sudo_cmd rm -f "$policy"
