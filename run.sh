#!/usr/bin/env bash
# Installs what is missing, builds (scripts/build.sh), then runs
#   build/pebench run --jobs <cores> "$@"
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
# One cell per core unless the caller chose: the shipped quick suite's models
# are too small for threads to speed one cell up, but cells run side by side.
jobs=()
case " $* " in *" --jobs "*|*" --jobs="*) ;; *) jobs=(--jobs "$(nproc 2>/dev/null || echo 1)") ;; esac
exec build/pebench run "${jobs[@]}" "$@"
