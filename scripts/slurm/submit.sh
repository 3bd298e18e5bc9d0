#!/usr/bin/env bash
# Submits a pebench grid as a Slurm job array, one shard per array task, and
# a report job that starts when the whole array has ended (afterany: also when
# tasks failed, timed out or were cancelled; the report then says how many
# cells of the grid it found, and `pebench status` lists the rest).
#
#   scripts/slurm/submit.sh [--shards N] [--out DIR] [--pebench PATH]
#                           [--script FILE] [--log-dir DIR] [-- SBATCH_OPTION...]
#                           [run selection: --suite NAME | --config FILE, --tasks ...]
#
# e.g. scripts/slurm/submit.sh --shards 100 --out /shared/results/full --suite full
#      scripts/slurm/submit.sh --shards 100 --out /shared/results/full --suite full -- --partition=long
# Resubmitting the same command resumes: every finished cell is kept.
# Prints the array's and the report's job ids.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=100 out=results/full pebench=build/pebench script="$here/pebench.sbatch" log_dir=logs
selection=() sbatch_options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --pebench) pebench=$2; shift 2 ;;
    --script) script=$2; shift 2 ;;
    --log-dir) log_dir=$2; shift 2 ;;
    --) shift; sbatch_options=("$@"); break ;;
    *) selection+=("$1"); shift ;;
  esac
done
[ ${#selection[@]} -gt 0 ] || selection=(--suite full)
case "$shards" in ''|*[!0-9]*|0) echo "submit.sh: --shards must be a positive integer, got '$shards'" >&2; exit 2 ;; esac
[ -x "$pebench" ] || { echo "submit.sh: --pebench '$pebench' is not an executable" >&2; exit 2; }
pebench=$(cd "$(dirname "$pebench")" && pwd)/$(basename "$pebench")

# The grid must be valid before anything is queued: `pebench status` expands
# it exactly as `pebench run` will (exit 2 and one line on bad input).
empty=$(mktemp -d)
status=0
error=$("$pebench" status "${selection[@]}" "$empty" 2>&1 >/dev/null) || status=$?
rmdir "$empty"
if [ "$status" -eq 2 ]; then echo "$error" >&2; exit 2; fi

mkdir -p "$log_dir"  # Slurm does not create the --output directory: without it every task fails unlogged
export PEBENCH="$pebench" PEBENCH_SHARDS="$shards" PEBENCH_OUT="$out" PEBENCH_RUN_ARGS="${selection[*]}"
array=$(sbatch --parsable --array="1-$shards" --output="$log_dir/pebench-%A_%a.log" \
               "${sbatch_options[@]}" "$script")
array=${array%%;*}
report=$(sbatch --parsable --dependency="afterany:$array" --job-name=pebench-report \
                --output="$log_dir/pebench-report-%j.log" "${sbatch_options[@]}" \
                --wrap "'$pebench' status '$out'; '$pebench' report '$out' --out '$out/report.md'")
report=${report%%;*}
echo "array $array ($shards shards), report $report; logs in $log_dir/"
