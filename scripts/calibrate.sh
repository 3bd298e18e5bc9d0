#!/usr/bin/env bash
# Budget search for one task (docs/calibration.md): trains the task under a
# set of recipe variants (learning rate, schedule, normalisation, width,
# depth, batch) with the encodings the calibration target names, evaluates
# each cell every --steps/8 steps (CHE tasks at lengths 20..40 in distribution
# and 41, 60, 100 beyond, --sequences each; memory tasks at their own
# lengths), and prints for every variant the learning
# curve of its best encoding and the first step at which that encoding's ID
# accuracy over the upper half of the training lengths reaches the target.
#
#   scripts/calibrate.sh TASK [--steps N] [--encodings a,b] [--variants a,b]
#                             [--target 0.9] [--sequences 128] [--jobs J] [--out DIR]
#                             [--dry-run]
#
# The variants are labels of one task in one suite file (written to
# DIR.suite.json, beside the results, so the search reruns and resumes like
# any suite):
#   base     5 layers, d_model 64, 8 heads, d_ff 256, pre-LN, batch 32,
#            lr 1e-3 with 200 warmup steps (a tenth of a shorter search)
#            and cosine decay to 0.1 lr
#            (the CHE reference encoder with the recipe that learns fastest
#            in our probes)
#   lr3e-4   base at lr 3e-4          lr3e-3   base at lr 3e-3
#   post     base with post-LN        constant base with a constant lr
#   wide     d_model 128, d_ff 512    deep     8 layers
#   batch128 batch 128 (4x the tokens per step)
#   decay    AdamW weight decay 0.1   dropout  dropout 0.1
# Needs build/pebench (./run.sh or scripts/build.sh builds it).
set -euo pipefail

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
fail() { echo "calibrate.sh: $*" >&2; exit 2; }

root="$(cd "$(dirname "$0")/.." && pwd)"
pebench="${PEBENCH:-$root/build/pebench}"
task="" steps=6000 encodings="nope,rope,alibi,txl" variants="base,lr3e-4,lr3e-3,post" target=0.9 sequences=128 jobs=2 out="" dry=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) steps="${2:-}"; shift 2 ;;
    --encodings) encodings="${2:-}"; shift 2 ;;
    --variants) variants="${2:-}"; shift 2 ;;
    --target) target="${2:-}"; shift 2 ;;
    --sequences) sequences="${2:-}"; shift 2 ;;
    --jobs) jobs="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --dry-run) dry="--dry-run"; shift ;;
    -h|--help) usage ;;
    -*) fail "unknown option '$1' (see --help)" ;;
    *) [[ -z "$task" ]] || fail "one task only, got '$task' and '$1'"; task="$1"; shift ;;
  esac
done
[[ -n "$task" ]] || fail "missing TASK (see --help)"
[[ "$steps" =~ ^[0-9]+$ && "$steps" -ge 8 ]] || fail "--steps must be an integer >= 8, got '$steps'"
[[ "$sequences" =~ ^[0-9]+$ && "$sequences" -ge 1 ]] || fail "--sequences must be a positive integer, got '$sequences'"
[[ "$jobs" =~ ^[0-9]+$ && "$jobs" -ge 1 ]] || fail "--jobs must be a positive integer, got '$jobs'"
[[ "$target" =~ ^(0(\.[0-9]+)?|1(\.0*)?)$ ]] || fail "--target must be a number in [0, 1], got '$target'"
[[ -x "$pebench" ]] || fail "no pebench at $pebench: build it first (scripts/build.sh)"
out="${out:-$root/results/calibrate/$task}"
# Names are checked before anything is written.
error=$("$pebench" sample "$task" --count 1 2>&1 >/dev/null) || fail "${error#pebench: }"
known_encodings=$("$pebench" list encodings | awk '{print $1}')
IFS=',' read -r -a encoding_names <<< "$encodings"
[[ ${#encoding_names[@]} -gt 0 ]] || fail "--encodings is empty"
for name in "${encoding_names[@]}"; do
  grep -qxF -- "$name" <<< "$known_encodings" || fail "unknown encoding '$name' (see pebench list encodings)"
done

# One suite entry per variant: the task under a label "<task>.<variant>".
variant_entry() {
  local model="" train=""
  case "$1" in
    base) ;;
    lr3e-4) train='"lr": 3e-4' ;;
    lr3e-3) train='"lr": 3e-3' ;;
    post) model='"norm": "post"' ;;
    constant) train='"schedule": "constant"' ;;
    wide) model='"d_model": 128, "d_ff": 512' ;;
    deep) model='"n_layers": 8' ;;
    batch128) train='"batch_size": 128' ;;
    decay) train='"weight_decay": 0.1' ;;
    dropout) train='"dropout": 0.1' ;;
    *) fail "unknown variant '$1' (base, lr3e-4, lr3e-3, post, constant, wide, deep, batch128, decay, dropout)" ;;
  esac
  printf '{"name": "%s", "label": "%s.%s", "model": {%s}, "train": {%s}}' "$task" "$task" "$1" "$model" "$train"
}

entries="" seen=","
IFS=',' read -r -a variant_list <<< "$variants"
[[ ${#variant_list[@]} -gt 0 ]] || fail "--variants is empty"
for variant in "${variant_list[@]}"; do
  [[ "$seen" != *",$variant,"* ]] || fail "--variants names '$variant' twice"
  seen+="$variant,"
  entries+="${entries:+, }$(variant_entry "$variant")"
done
encoding_list="\"${encodings//,/\", \"}\""

warmup=$((steps / 10 < 200 ? steps / 10 : 200))  # 200, or a tenth of a shorter search

mkdir -p "$out"
suite="$out.suite.json"
cat > "$suite.tmp" <<EOF
{
  "description": "Budget search for $task (scripts/calibrate.sh): recipe variants as labels, evaluated every $((steps / 8)) steps.",
  "model": {"d_model": 64, "n_layers": 5, "n_heads": 8, "d_ff": 256, "norm": "pre", "activation": "relu",
            "embed_scale": true, "max_seq_len": 512},
  "train": {"steps": $steps, "batch_size": 32, "lr": 1e-3, "schedule": "warmup_cosine", "warmup_steps": $warmup,
            "min_lr_ratio": 0.1, "clip_norm": 1.0, "weight_decay": 0.0, "dropout": 0.0,
            "curve_points": 100, "eval_every": $((steps / 8))},
  "eval": {"splits": "*", "sequences": $sequences, "sub_batch": 64, "seed": 1,
           "lengths": {"id": [20, 25, 30, 35, 40], "ood": [41, 60, 100]}},
  "families": {"memory": {"eval": {"lengths": {"id": "default", "ood": "default"}}}},
  "tasks": [$entries],
  "encodings": [$encoding_list],
  "seeds": [0]
}
EOF
mv "$suite.tmp" "$suite"

"$pebench" run --config "$suite" --out "$out" --jobs "$jobs" $dry
[[ -z "$dry" ]] || exit 0

# Per variant: the encoding with the best final upper-half ID accuracy, its
# curve, and the first evaluated step at which it reaches the target.
printf "%-36s %-14s %-10s %s\n" "variant" "best encoding" "reached" "upper-half ID accuracy by step"
"$pebench" report "$out" --format csv-curves | awk -F, -v target="$target" '
  NR == 1 { next }
  {
    key = $2 SUBSEP $3
    curve[key] = curve[key] sprintf(" %s:%s", $5, $7)
    if ($7 != "NA" && $7 + 0 >= target && !(key in reached)) reached[key] = $5
    last[key] = $7; variants[$2] = 1
  }
  END {
    for (v in variants) {
      best = ""; best_score = -1
      for (key in last) {
        split(key, part, SUBSEP)
        if (part[1] == v && last[key] != "NA" && last[key] + 0 > best_score) { best = part[2]; best_score = last[key] + 0 }
      }
      k = v SUBSEP best
      printf "%-36s %-14s %-10s%s\n", v, best, (k in reached) ? reached[k] : "no", curve[k]
    }
  }' | sort
