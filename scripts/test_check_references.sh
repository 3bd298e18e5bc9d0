#!/usr/bin/env bash
# Tests of scripts/check_references.sh on small made-up trees: a tree whose
# references all resolve passes, and each kind of broken reference is found,
# reported with its file and line, and makes the check exit 1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
check="$here/check_references.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# A tree where every reference resolves.
make_clean_tree() {
  local root=$1
  mkdir -p "$root/docs" "$root/models/encodings" "$root/tasks"
  cat > "$root/docs/guide.md" <<'EOF'
# Guide

## Threads and determinism

See [the other page](other.md#a-section_with-code) and [below](#threads-and-determinism),
the file `models/encodings/alibi.cpp`, and [the web](https://example.org/x.md).

```
`models/not_checked_inside_a_code_block.hpp`
```
EOF
  cat > "$root/docs/other.md" <<'EOF'
# Other

## A `section_with` code
EOF
  printf '// alibi (docs/guide.md#threads-and-determinism).\n' > "$root/models/encodings/alibi.cpp"
  printf '# Project\n\nRead [the guide](docs/guide.md).\n' > "$root/README.md"
}

expect_pass() {
  local name=$1 root=$2 output
  if ! output=$("$check" "$root" 2>&1); then fail "$name: expected success, got: $output"; fi
}

# expect_problem NAME ROOT FILE:LINE TEXT: the check fails and names FILE:LINE with TEXT.
expect_problem() {
  local name=$1 root=$2 where=$3 text=$4 output status=0
  output=$("$check" "$root" 2>&1) || status=$?
  [ "$status" -eq 1 ] || fail "$name: expected exit 1, got $status"
  grep -q -F -- "$where: " <<<"$output" || fail "$name: '$where' not reported in: $output"
  grep -q -F -- "$text" <<<"$output" || fail "$name: '$text' not reported in: $output"
}

root="$work/clean"; make_clean_tree "$root"
expect_pass "clean tree" "$root"

# The forbidden spellings are assembled from pieces so that this file does not
# contain them literally (the reference check scans scripts/ too).
design="DES""IGN"; spec_dir="sp""ecs"

root="$work/design"; make_clean_tree "$root"
printf '// one\n// resolved in %s §2\n' "$design" > "$root/tasks/task.hpp"
expect_problem "design citation" "$root" "tasks/task.hpp:2" "outside the repository"

root="$work/spec"; make_clean_tree "$root"
printf '// see %s/encodings.md §5\n' "$spec_dir" > "$root/models/encodings/alibi.cpp"
expect_problem "spec file citation" "$root" "models/encodings/alibi.cpp:1" "outside the repository"

root="$work/short_spec"; make_clean_tree "$root"
printf '// slopes (%s §5)\n' "$spec_dir" > "$root/models/encodings/alibi.cpp"
expect_problem "short spec citation" "$root" "models/encodings/alibi.cpp:1" "outside the repository"

root="$work/shared"; make_clean_tree "$root"
printf '# Project\n\nSee ../%s/notes.txt\n' "shared" > "$root/README.md"
expect_problem "shared folder" "$root" "README.md:3" "outside the repository"

root="$work/missing_page"; make_clean_tree "$root"
printf '// see docs/nowhere.md\n' > "$root/models/encodings/alibi.cpp"
expect_problem "missing docs page" "$root" "models/encodings/alibi.cpp:1" "docs/nowhere.md (no such file)"

root="$work/missing_section"; make_clean_tree "$root"
printf '// see docs/guide.md#threads\n' > "$root/models/encodings/alibi.cpp"
expect_problem "missing docs section" "$root" "models/encodings/alibi.cpp:1" 'no section "#threads"'

root="$work/broken_link"; make_clean_tree "$root"
printf '# Project\n\nRead [the guide](docs/gide.md).\n' > "$root/README.md"
expect_problem "broken relative link" "$root" "README.md:3" "docs/gide.md (no such file)"

root="$work/broken_anchor_link"; make_clean_tree "$root"
printf '# Other\n\nBack to [threads](guide.md#threadz).\n' > "$root/docs/other.md"
expect_problem "broken link anchor" "$root" "docs/other.md:3" 'no section "#threadz"'

root="$work/missing_path"; make_clean_tree "$root"
printf '# Project\n\nThe template is `models/encodings/alibl.cpp`.\n' > "$root/README.md"
expect_problem "missing backticked path" "$root" "README.md:3" "models/encodings/alibl.cpp"

if [ "$failures" -gt 0 ]; then
  echo "test_check_references: $failures failure(s)" >&2
  exit 1
fi
echo "test_check_references: all cases pass"
