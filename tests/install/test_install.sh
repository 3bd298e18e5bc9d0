#!/usr/bin/env bash
# The installed package, end to end: `cmake --install` into a temporary
# prefix, the prefix moved elsewhere (nothing may point back at it or need
# the source tree), then the moved pebench runs a shipped suite found beside
# itself, and examples/plugin/ is built out of tree against the moved package
# (find_package(pebench) + pebench_add_plugin) and loaded: list, sample and a
# two-step run whose result records the plugin.
#   test_install.sh BUILD_DIR      (run by CTest as install_and_plugin)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:?usage: test_install.sh BUILD_DIR}")
fail() { echo "test_install: FAIL: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/pebench-install.XXXXXX)
trap '[ "${KEEP:-0}" = 1 ] || rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/staged" > "$work/install.log"
mv "$work/staged" "$work/moved"
prefix="$work/moved"
pebench="$prefix/bin/pebench"
for file in bin/pebench share/pebench/suites/quick.json include/pebench/tasks/task.hpp \
            include/pebench/models/encoding.hpp include/pebench/common/plugin_abi.hpp \
            lib/cmake/pebench/pebenchConfig.cmake; do
  [ -e "$prefix/$file" ] || fail "not installed: $file"
done
grep -q '#define PEBENCH_PLUGIN_ABI_TAG "pebench ' "$prefix/include/pebench/common/plugin_abi.hpp" ||
  fail "the installed plugin_abi.hpp does not carry the literal ABI tag"

# Suites are found beside the moved binary, not in the source tree.
"$pebench" list suites --json > "$work/suites.json"
grep -q "\"path\": \"$prefix/bin/../share/pebench/suites/quick.json\"\|\"path\": \"$prefix/share/pebench/suites/quick.json\"" \
  "$work/suites.json" || fail "quick is not found in the moved prefix: $(cat "$work/suites.json")"
OMP_WAIT_POLICY=PASSIVE "$pebench" run --suite quick --tasks parity_check --encodings nope --steps 2 --threads 1 \
  --out "$work/quick" 2> "$work/quick.log" || fail "the moved pebench cannot run --suite quick: $(tail -3 "$work/quick.log")"
[ -f "$work/quick/parity_check/nope/seed0.json" ] || fail "no result from --suite quick"

# The example plugin, built against the moved package only.
cmake -S "$repo/examples/plugin" -B "$work/plugin-build" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix" > "$work/plugin-configure.log" 2>&1 ||
  fail "configuring examples/plugin: $(tail -5 "$work/plugin-configure.log")"
cmake --build "$work/plugin-build" -j"$(nproc)" > "$work/plugin-build.log" 2>&1 ||
  fail "building examples/plugin: $(tail -20 "$work/plugin-build.log")"
plugin="$work/plugin-build/libpebench_example.so"
[ -f "$plugin" ] || fail "no $plugin"

"$pebench" --plugin "$plugin" list tasks | grep -q '^majority' || fail "list tasks does not show majority"
"$pebench" list encodings --plugin "$plugin" | grep -q '^sqrt_alibi' || fail "list encodings does not show sqrt_alibi"
[ "$("$pebench" --plugin "$plugin" sample majority --length 9 --count 4 | grep -c '"task":"majority"')" -eq 4 ] ||
  fail "sample majority did not print 4 examples"
cat > "$work/plugin-suite.json" <<'JSON'
{"model": {"d_model": 16, "n_layers": 1, "n_heads": 2, "d_ff": 32, "max_seq_len": 256},
 "train": {"steps": 2, "batch_size": 4, "curve_points": 2, "lengths": {"from": 1, "to": 8}},
 "eval": {"sequences": 4, "sub_batch": 4, "lengths": {"ood": [100]}},
 "tasks": ["majority", "parity_check"], "encodings": ["sqrt_alibi", "nope"], "seeds": [0]}
JSON
PEBENCH_PLUGIN_PATH="$work/plugin-build" OMP_WAIT_POLICY=PASSIVE \
  "$pebench" run --config "$work/plugin-suite.json" --threads 1 --out "$work/plugin-run" 2> "$work/plugin-run.log" ||
  fail "the two-step run with the plugin failed: $(tail -5 "$work/plugin-run.log")"
result="$work/plugin-run/majority/sqrt_alibi/seed0.json"
[ -f "$result" ] || fail "no result for majority × sqrt_alibi"
grep -q '"status": "ok"' "$result" || fail "majority × sqrt_alibi did not end ok"
sha=$(sha256sum "$plugin" | cut -d' ' -f1)
grep -q "\"sha256\": \"$sha\"" "$result" || fail "the result does not record the plugin's sha256"
grep -q "\"file\": \"$plugin\"" "$result" || fail "the result does not record the plugin's file"
"$pebench" status --config "$work/plugin-suite.json" --plugin "$plugin" "$work/plugin-run" > /dev/null ||
  fail "pebench status does not find the plugin grid complete"
echo "test_install: PASS (installed, moved, quick suite found, example plugin built and run)"
