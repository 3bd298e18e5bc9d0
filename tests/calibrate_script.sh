#!/usr/bin/env bash
# scripts/calibrate.sh: a tiny budget search (16 steps, two variants, two
# encodings, 4 sequences per length) prints one row per variant with its best encoding and a learning
# curve of every evaluation (every 2 steps, then the final one); bad
# arguments are one line on stderr and exit status 2, before anything runs.
#   tests/calibrate_script.sh PEBENCH SOURCE_DIR WORK_DIR
set -uo pipefail
pebench="$1" source_dir="$2" work="$3"
script="$source_dir/scripts/calibrate.sh"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

rm -rf "$work" && mkdir -p "$work"

out=$(PEBENCH="$pebench" bash "$script" parity_check --steps 16 --variants base,lr3e-3 --encodings nope,rope \
        --sequences 4 --jobs 1 --out "$work/search" 2>"$work/stderr")
status=$?
[[ $status -eq 0 ]] || fail "search exited $status: $(cat "$work/stderr")"
[[ $(ls "$work"/search/parity_check.*/*/seed0.json 2>/dev/null | wc -l) -eq 4 ]] || fail "expected 4 result files"
for variant in base lr3e-3; do
  row=$(grep "^parity_check.$variant " <<< "$out") || { fail "no row for $variant in: $out"; continue; }
  [[ $(grep -o ' [0-9]*:' <<< "$row" | wc -l) -eq 8 ]] || fail "$variant: expected 8 curve points (2, 4, ..., 16): $row"
  grep -Eq "^parity_check.$variant +(nope|rope) +(no|[0-9]+) " <<< "$row" || fail "$variant: row shape: $row"
done
[[ $(head -1 <<< "$out") == variant* ]] || fail "first line is not the header: $out"

# The regularisation variants set exactly their one training option.
PEBENCH="$pebench" bash "$script" parity_check --variants decay,dropout --encodings rope --dry-run \
  --out "$work/regularised" >/dev/null 2>"$work/stderr" || fail "decay,dropout dry run: $(cat "$work/stderr")"
grep -q '"label": "parity_check.decay", "model": {}, "train": {"weight_decay": 0.1}' "$work/regularised.suite.json" \
  || fail "decay variant: $(cat "$work/regularised.suite.json")"
grep -q '"label": "parity_check.dropout", "model": {}, "train": {"dropout": 0.1}' "$work/regularised.suite.json" \
  || fail "dropout variant: $(cat "$work/regularised.suite.json")"

expect_usage_error() {
  local mentioned="$1"; shift
  local err status
  err=$(PEBENCH="$pebench" bash "$script" "$@" --out "$work/bad" 2>&1 >/dev/null)
  status=$?
  [[ $status -eq 2 ]] || fail "'$*' exited $status, expected 2"
  [[ $(wc -l <<< "$err") -eq 1 && "$err" == *"$mentioned"* ]] || fail "'$*' stderr: $err"
}
expect_usage_error "unknown variant 'fast'" parity_check --variants base,fast
expect_usage_error "--steps" parity_check --steps 3
expect_usage_error "--sequences" parity_check --sequences 0
expect_usage_error "missing TASK"
expect_usage_error "names 'base' twice" parity_check --variants base,base
expect_usage_error "unknown task 'no_such_task'" no_such_task --steps 16
expect_usage_error "unknown encoding 'ropee'" parity_check --encodings nope,ropee
[[ ! -e "$work/bad" && ! -e "$work/bad.suite.json" ]] || fail "a refused search wrote its suite or results"

[[ $failures -eq 0 ]] && echo "calibrate_script: PASS" || exit 1
