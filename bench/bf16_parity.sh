#!/usr/bin/env bash
# Learning parity of model.precision "bf16" against float32 (docs/speed.md#the-bf16-mode).
#
#   bench/bf16_parity.sh [--seeds 0-2] [--encoding rope] [--tasks flip_flop,bucket_sort,selective_copy] [--jobs N]
#
# Trains the same cells of the quick suite (harness/suites/quick.json) twice,
# once as shipped and once with "model": {"precision": "bf16"}, and prints
# per task the ID and OOD accuracy of every seed in both precisions, their
# means and ranges, and whether bf16's mean lies within the seeds' spread:
# |mean(bf16) − mean(fp32)| <= the larger of the two precisions' ranges
# (max − min over the seeds). Results go to bench/bf16_parity.out/ (not
# tracked); a finished cell is not run again (delete the folder to start over).
# Needs build/pebench (scripts/build.sh builds it) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=0-2 encoding=rope tasks=flip_flop,bucket_sort,selective_copy jobs=$(nproc 2>/dev/null || echo 1)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --encoding) encoding="$2"; shift 2 ;;
    --tasks) tasks="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "bf16_parity.sh: unknown argument '$1' (see the header for usage)" >&2; exit 2 ;;
  esac
done
[[ -x build/pebench ]] || { echo "bf16_parity.sh: build/pebench is missing; run scripts/build.sh first" >&2; exit 2; }

out=bench/bf16_parity.out
mkdir -p "$out"
python3 - "$out" <<'PY'
import json, sys
suite = json.load(open("harness/suites/quick.json"))
suite["description"] = "The quick suite with the linear layers' products in bfloat16 (bench/bf16_parity.sh)."
suite["model"]["precision"] = "bf16"
json.dump(suite, open(sys.argv[1] + "/quick_bf16.json", "w"), indent=2)
PY

export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
for precision in fp32 bf16; do
  config=harness/suites/quick.json
  [[ $precision == bf16 ]] && config="$out/quick_bf16.json"
  echo "== $precision: $tasks x $encoding x seeds $seeds"
  build/pebench run --config "$config" --tasks "$tasks" --encodings "$encoding" --seeds "$seeds" \
    --out "$out/$precision" --jobs "$jobs" > "$out/$precision.log" 2>&1 ||
    { echo "bf16_parity.sh: the $precision run failed, see $out/$precision.log" >&2; exit 1; }
done

python3 - "$out" "$tasks" "$encoding" <<'PY'
import glob, json, sys
out, tasks, encoding = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
def scores(precision, task):
    rows = []
    for path in sorted(glob.glob(f"{out}/{precision}/{task}/{encoding}/seed*.json")):
        e = json.load(open(path))["eval"]
        rows.append((e["id_accuracy"], e["ood_accuracy"]))
    return rows
all_within = True
print(f"{'task':<16} {'kind':<4} {'fp32 per seed':<26} {'bf16 per seed':<26} {'fp32 mean':>9} {'bf16 mean':>9} {'spread':>7}  within")
for task in tasks:
    fp32, bf16 = scores("fp32", task), scores("bf16", task)
    if not fp32 or len(fp32) != len(bf16):
        print(f"{task}: missing results"); all_within = False; continue
    for k, kind in enumerate(["id", "ood"]):
        a, b = [r[k] for r in fp32], [r[k] for r in bf16]
        mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
        spread = max(max(a) - min(a), max(b) - min(b))
        within = abs(mean_b - mean_a) <= spread
        all_within &= within
        fmt = lambda xs: " ".join(f"{x:.3f}" for x in xs)
        print(f"{task:<16} {kind:<4} {fmt(a):<26} {fmt(b):<26} {mean_a:>9.3f} {mean_b:>9.3f} {spread:>7.3f}  {'yes' if within else 'NO'}")
print("bf16 within the seeds' spread on every task and kind" if all_within else "bf16 NOT within the seeds' spread somewhere")
PY
