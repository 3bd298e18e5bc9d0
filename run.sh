#!/usr/bin/env bash
# Installs what is missing, builds (scripts/build.sh), then runs
#   build/pebench run "$@"
# With no arguments: the quick suite, results in results/quick/ and the
# report in results/quick/report.md. Any `pebench run` flag works, e.g.
#   ./run.sh --suite smoke
#   ./run.sh --tasks parity_check,flip_flop --encodings nope,rope --seeds 0-2
set -euo pipefail
cd "$(dirname "$0")"
scripts/build.sh
# Idle OpenMP workers sleep instead of spinning: on a busy or small machine
# spinning workers of a small model made training ~20x slower in our
# measurements. Set OMP_WAIT_POLICY=ACTIVE to override on a dedicated machine.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec build/pebench run "$@"
