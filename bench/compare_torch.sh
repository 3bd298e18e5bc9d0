#!/usr/bin/env bash
# Side-by-side speed of pebench and PyTorch eager on the shapes of
# `pebench bench` (harness/bench/cli_bench.cpp; bench/torch_reference.py builds the
# same models and steps in PyTorch).
#
#   bench/compare_torch.sh [--pairs N] [--threads N] [--steps N] [--shape che|flipflop|quick|all]
#                          [--precision fp32|bf16]
#
# --precision bf16 runs pebench with its linear layers' products in
# bfloat16 (`bench --precision bf16`, model.precision); torch stays in
# float32, so that row reads as what the option buys over the float32
# reference, not as an equal-precision comparison.
#
# 1. Installs what it needs from Debian if missing: python3-torch, and
#    OpenBLAS (libopenblas0-pthread), made the system BLAS/LAPACK alternative:
#    Debian's torch calls whatever libblas.so.3 points to, and the reference
#    BLAS it falls back to is about 10x slower, which would make any ratio
#    meaningless. Prints the BLAS torch actually loads, and the kernel set
#    OpenBLAS uses: where that set is older than the CPU (OpenBLAS does not
#    know the CPU and falls back to generic SSE3 kernels, ~3x slower, or the
#    environment names an older set) it is told the newest set the CPU's
#    flags support.
#    And jemalloc (libjemalloc2), which torch runs on, keeping the memory it
#    frees (the tuning PyTorch's CPU performance guides give): with glibc's
#    allocator torch hands its large tensors back to the kernel after every
#    step and faults them in again on the next; on a VM where a page fault
#    is expensive that cost torch 40% of its CHE training speed and 94% of
#    its speed at length 1000 (2026-12-02, AMD EPYC Zen 5: 67 s of system
#    time in a 68 s run; 10.1k vs 16.8k and 565 vs 10.2k tokens/s).
#    pebench reuses its buffers and runs on glibc's malloc, as its users
#    run it.
# 2. Runs `build/pebench bench` and bench/torch_reference.py alternately,
#    N pairs (default 3), same shapes, steps and thread count, both with
#    OMP_WAIT_POLICY=PASSIVE (idle OpenMP workers sleep: on a shared machine
#    spinning workers distort both sides).
# 3. Prints, per shape and measurement, both sides' tokens/s ranges and the
#    ratio pebench/torch over the pairs (min–median–max), for wall-clock
#    tokens/s and for tokens per CPU-second (the latter is what other
#    processes on a busy machine disturb least), plus the machine's load.
#
# Needs build/pebench (scripts/build.sh builds it). Raw outputs are kept in
# bench/compare_torch.out/ (not tracked).
set -euo pipefail
cd "$(dirname "$0")/.."

pairs=3 threads=2 steps=5 shape=all precision=fp32
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --shape) shape="$2"; shift 2 ;;
    --precision) precision="$2"; shift 2 ;;
    *) echo "compare_torch.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for value in "$pairs" "$threads" "$steps"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "compare_torch.sh: '$value' is not a positive integer" >&2; exit 2; }
done
case "$shape" in che|flipflop|quick|all) ;; *) echo "compare_torch.sh: --shape must be che, flipflop, quick or all" >&2; exit 2 ;; esac
case "$precision" in fp32|bf16) ;; *) echo "compare_torch.sh: --precision must be fp32 or bf16" >&2; exit 2 ;; esac
[ -x build/pebench ] || { echo "compare_torch.sh: build/pebench not found; run scripts/build.sh first" >&2; exit 2; }

# ---------------------------------------------------------------- packages
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
missing=()
for p in python3-torch libopenblas0-pthread libjemalloc2; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "compare_torch.sh: installing ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
arch=x86_64-linux-gnu
for lib in libblas.so.3 liblapack.so.3; do
  target=/usr/lib/$arch/openblas-pthread/$lib
  [ -e "$target" ] || { echo "compare_torch.sh: $target missing after installing libopenblas0-pthread" >&2; exit 1; }
  $sudo_cmd update-alternatives --set "$lib-$arch" "$target" >/dev/null
done

# ---------------------------------------------------------------- environment
# Debian's interpreter: python3-torch lives in its dist-packages (a python3
# earlier on PATH, e.g. pyenv's, would not see it).
py=/usr/bin/python3
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads"
echo "== compare_torch.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pebench: $(build/pebench --version 2>/dev/null | head -1)"
# A CPU newer than OpenBLAS gets older kernels than its flags allow (generic
# SSE3 ones, or AVX2 ones on an AVX-512 CPU): name the newest set the CPU's
# flags support instead (bench/openblas_kernels.sh), or torch runs 1.3-3x
# slower and every ratio flatters pebench. An OPENBLAS_CORETYPE inherited from
# the environment is judged by the same rule (one machine of ours set
# Haswell for every process, on a CPU with AVX-512), and overridden, loudly,
# where it is older.
source bench/openblas_kernels.sh
openblas_core() { OPENBLAS_VERBOSE=2 $py -c 'import torch' 2>&1 | sed -n 's/^Core: //p' | head -1; }
inherited="${OPENBLAS_CORETYPE:-}"
detected=$(unset OPENBLAS_CORETYPE; openblas_core)
forced=$(openblas_kernels_for_cpu "${inherited:-$detected}" "$(grep -m1 '^flags' /proc/cpuinfo)")
if [ -n "$forced" ]; then
  [ -n "$inherited" ] && echo "compare_torch.sh: OPENBLAS_CORETYPE=$inherited from the environment is older than this CPU; using $forced" >&2
  export OPENBLAS_CORETYPE="$forced"
fi
echo "OpenBLAS kernels: $(openblas_core) (detected for this CPU: ${detected:-unknown}${OPENBLAS_CORETYPE:+; OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE})"
$py - <<'EOF'
import torch
blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line or "lapack" in line})
print(f"torch {torch.__version__}; BLAS libraries loaded: {', '.join(blas) or 'none'}")
EOF
jemalloc=/usr/lib/$arch/libjemalloc.so.2
[ -e "$jemalloc" ] || { echo "compare_torch.sh: $jemalloc missing after installing libjemalloc2" >&2; exit 1; }
torch_env=(env LD_PRELOAD="$jemalloc" MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1")
echo "torch's allocator: jemalloc, freed memory kept (${torch_env[*]:1})"
echo "threads $threads, $steps timed steps per measurement, $pairs pairs, OMP_WAIT_POLICY=PASSIVE"
echo "pebench's linear layers in $precision, torch in float32"

out=bench/compare_torch.out
mkdir -p "$out"
rm -f "$out"/pebench.*.txt "$out"/torch.*.txt
for ((i = 1; i <= pairs; ++i)); do
  echo "pair $i/$pairs: pebench ..." >&2
  build/pebench bench --shape "$shape" --steps "$steps" --threads "$threads" --precision "$precision" \
    >"$out/pebench.$i.txt"
  echo "pair $i/$pairs: torch ..." >&2
  "${torch_env[@]}" $py bench/torch_reference.py --shape "$shape" --steps "$steps" --threads "$threads" >"$out/torch.$i.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- table
$py - "$out" "$pairs" <<'EOF'
import re, statistics, sys

out, pairs = sys.argv[1], int(sys.argv[2])
ROWS = [("train", "training"), ("eval", "evaluation at the training length"), ("long", "evaluation at length 1000")]

def parse(path):
    """{shape: {row: (tokens/s, tokens per CPU-second or None, peak MiB or None)}}"""
    shapes, current = {}, None
    for line in open(path):
        header = re.match(r"^(\w+): ", line)
        if header and not line.startswith(" "):
            current = shapes.setdefault(header.group(1), {})
            continue
        m = re.match(r"^\s+(train|eval)\s+nope\s+([\d.]+) tokens/s", line)
        if not m or current is None:
            continue
        cpu = re.search(r"([\d.]+) tokens per CPU-second", line)
        rss = re.search(r"peak RSS ([\d.]+) MiB", line)
        row = "long" if "length 1000" in line else m.group(1)
        current[row] = (float(m.group(2)), float(cpu.group(1)) if cpu else None, float(rss.group(1)) if rss else None)
    return shapes

ours = [parse(f"{out}/pebench.{i}.txt") for i in range(1, pairs + 1)]
theirs = [parse(f"{out}/torch.{i}.txt") for i in range(1, pairs + 1)]

def k(x):
    return f"{x / 1000:.1f}k" if x >= 1000 else f"{x:.0f}"

def span(values, fmt=k):
    return fmt(min(values)) if min(values) == max(values) else f"{fmt(min(values))}–{fmt(max(values))}"

def ratio(values):
    values = sorted(values)
    return f"{values[0]:.2f}–{statistics.median(values):.2f}–{values[-1]:.2f}×"

print()
print("| shape | measurement | pebench tokens/s | PyTorch tokens/s | ratio (min–median–max) | ratio per CPU-second |")
print("|---|---|---:|---:|---:|---:|")
for shape in ours[0]:
    for row, label in ROWS:
        if row not in ours[0][shape] or shape not in theirs[0] or row not in theirs[0][shape]:
            continue
        a = [o[shape][row] for o in ours]
        b = [t[shape][row] for t in theirs]
        wall = ratio([x[0] / y[0] for x, y in zip(a, b)])
        cpu = ratio([x[1] / y[1] for x, y in zip(a, b)]) if all(x[1] and y[1] for x, y in zip(a, b)) else "–"
        print(f"| {shape} | {label} | {span([x[0] for x in a])} | {span([y[0] for y in b])} | {wall} | {cpu} |")
        if a[0][2] and b[0][2]:
            print(f"| {shape} | peak RSS of that evaluation, MiB | {span([x[2] for x in a], lambda v: f'{v:.0f}')} | "
                  f"{span([y[2] for y in b], lambda v: f'{v:.0f}')} | {ratio([x[2] / y[2] for x, y in zip(a, b)])} | |")
EOF
