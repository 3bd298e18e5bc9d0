#!/usr/bin/env bash
# The Slurm recipe of docs/running.md, tested on a real single-node Slurm.
#
# Brings up munged, slurmctld and slurmd by hand (no systemd) with a generated
# slurm.conf on 127.0.0.1 and all state under a temporary directory; submits
# the sbatch script *extracted from docs/running.md* (so the docs cannot drift from
# what is tested) through scripts/slurm/submit.sh as a 3-shard array over a
# 6-cell grid; cancels one array task mid-run; checks that `pebench status`
# says incomplete and the chained report job said so; resubmits; then checks
# that the cells finished in the first round were kept, `pebench status` says
# complete, and the result set equals an unsharded run's, timings and host
# aside. Every daemon is stopped by its PID at the end.
#
# Needs root and Debian's slurmctld slurmd slurm-client munge
# (scripts/slurm/install-test-deps.sh). Exit 77 (skipped) without them.
#   PEBENCH=path/to/pebench (default build/pebench)   KEEP=1 keeps the temp dir
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
pebench=$(realpath "${PEBENCH:-$repo/build/pebench}")
say() { echo "test_slurm: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || { say "SKIP: needs root (slurmd runs jobs as their user)"; exit 77; }
for tool in munged slurmctld slurmd sbatch squeue scancel sinfo; do
  command -v "$tool" >/dev/null || { say "SKIP: $tool missing (scripts/slurm/install-test-deps.sh)"; exit 77; }
done
[ -x "$pebench" ] || fail "no pebench binary at $pebench"

work=$(mktemp -d /tmp/pebench-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log "$work"/logs/*; do [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }; done >&2
  fi
  if [ "${KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local limit=$1; shift
  local waited=0
  until "$@"; do
    sleep 1
    waited=$((waited + 1))
    [ "$waited" -lt "$limit" ] || return 1
  done
}

# --- munge: a fresh key and socket under $work -----------------------------
mkdir -m 755 "$work/munge"  # clients need to reach the socket; the key itself is 0400
head -c 1024 /dev/urandom > "$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
munged --foreground --force --socket="$work/munge/munge.socket" --key-file="$work/munge/munge.key" \
       --pid-file="$work/munge/munged.pid" --seed-file="$work/munge/munged.seed" \
       --log-file="$work/munged.log" > "$work/munged.out" 2>&1 &
pids+=($!)
wait_for 20 test -S "$work/munge/munge.socket" || fail "munged did not start"

# --- Slurm: one node, on 127.0.0.1, ports unlikely to be taken --------------
port=$((20000 + RANDOM % 20000))
cpus=$(nproc)
export SLURM_CONF="$work/slurm.conf"
mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=pebenchtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=3600
NodeName=pebenchnode NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" > "$work/slurmctld.out" 2>&1 &
pids+=($!)
wait_for 30 scontrol ping >/dev/null 2>&1 || fail "slurmctld did not answer"
slurmd -D -f "$SLURM_CONF" -N pebenchnode > "$work/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { [ "$(sinfo -h -n pebenchnode -o %T 2>/dev/null)" = idle ]; }
wait_for 60 node_idle || fail "the node did not become idle: $(sinfo -h -o '%T %E' 2>&1)"
say "single-node Slurm up ($cpus CPUs, ports $port-$((port + 1)))"

# --- docs/running.md's sbatch script, and the grid ---------------------------------
# The first ``` block of docs/running.md that starts with #!/bin/bash and #SBATCH lines.
awk '/^```/ { if (taking) exit; fenced = !fenced; first = fenced; next }
     first { first = 0; taking = ($0 == "#!/bin/bash") }
     taking { print }' "$repo/docs/running.md" > "$work/readme.sbatch"
grep -q '^#SBATCH --array=' "$work/readme.sbatch" || fail "no sbatch script found in docs/running.md"
cmp -s "$work/readme.sbatch" "$repo/scripts/slurm/pebench.sbatch" ||
  fail "docs/running.md's sbatch script differs from scripts/slurm/pebench.sbatch: $(diff "$work/readme.sbatch" "$repo/scripts/slurm/pebench.sbatch")"

# Long enough that a shard (2 cells) is still training a few seconds after
# it starts: at 1,500 steps a cell took 1 s on a 2026 AMD EPYC (Zen 5) and
# the cancelled shard finished before the cancel.
steps=${PEBENCH_SLURM_TEST_STEPS:-6000}
cat > "$work/grid.json" <<JSON
{"description": "test_slurm.sh: 6 cells of a few seconds each",
 "model": {"d_model": 32, "n_layers": 2, "n_heads": 2, "d_ff": 64, "max_seq_len": 64},
 "train": {"steps": $steps, "batch_size": 16, "lr": 3e-3, "curve_points": 10, "lengths": {"from": 1, "to": 20}},
 "eval": {"sequences": 16, "sub_batch": 16, "lengths": {"id": {"count": 2}, "ood": [30]}},
 "tasks": ["parity_check"], "encodings": ["nope", "alibi", "rope"], "seeds": "0-1"}
JSON
out="$work/results"
cd "$work"
submit() {
  "$repo/scripts/slurm/submit.sh" --script "$work/readme.sbatch" --pebench "$pebench" --shards 3 \
    --out "$out" --log-dir "$work/logs" --config "$work/grid.json" -- --cpus-per-task=1 | tail -n 1
}
queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }
job_state() { squeue -h -j "$1" -o %T 2>/dev/null || true; }

# --- round 1: cancel shard 2 mid-run ------------------------------------------
line=$(submit); say "$line"
array=$(echo "$line" | awk '{print $2}')
report1=$(echo "$line" | awk '{print $6}' | tr -d ';')
shard2_running() { [ "$(job_state "${array}_2")" = RUNNING ]; }
wait_for 120 shard2_running || fail "shard 2 never ran"
sleep 1
scancel "${array}_2"
say "cancelled ${array}_2 while it ran"
wait_for 600 queue_empty || fail "round 1 did not end"
done_after_cancel=$(find "$out" -name 'seed*.json' | wc -l)
[ "$done_after_cancel" -lt 6 ] || fail "the cancelled shard finished anyway: raise PEBENCH_SLURM_TEST_STEPS"
status=0; "$pebench" status "$out" > "$work/status1.txt" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "pebench status after the cancel: exit $status, expected 1"
# The report job ran after the array (afterany: despite the cancelled task)
# and said the grid is incomplete.
grep -q '^incomplete$' "$work/logs/pebench-report-$report1.log" ||
  fail "the chained report job did not run pebench status: $(cat "$work/logs/pebench-report-$report1.log" 2>&1)"
grep -q "Grid: $done_after_cancel of 6 cells done" "$out/report.md" ||
  fail "the report does not state the partial grid: $(head -n 3 "$out/report.md")"

# --- round 2: resubmit as is ---------------------------------------------------
line=$(submit); say "$line"
wait_for 600 queue_empty || fail "round 2 did not end"
"$pebench" status "$out" > "$work/status2.txt" || fail "pebench status after the resubmission: $(cat "$work/status2.txt")"
grep -q '^complete$' "$work/status2.txt" || fail "status does not say complete"
kept=$(cat "$work"/logs/pebench-"$(echo "$line" | awk '{print $2}')"_*.log | sed -n 's/.* ran, \([0-9]*\) kept.*/\1/p' |
       awk '{s += $1} END {print s + 0}')
[ "$kept" -eq "$done_after_cancel" ] || fail "round 2 kept $kept cells, expected the $done_after_cancel done before"

# --- the same results as one unsharded run ---------------------------------------
OMP_WAIT_POLICY=PASSIVE "$pebench" run --config "$work/grid.json" --threads 1 --out "$work/reference" 2> "$work/reference.log"
list() { (cd "$1" && find . -name 'seed*.json' | sort); }
[ "$(list "$out")" = "$(list "$work/reference")" ] || fail "the sharded run has other cells than the unsharded one"
# Result files are written one key per line: drop the timings and the host.
reproducible() { grep -v -E '"(wall_time_s|tokens_per_s|date|host)":' "$1"; }
for cell in $(list "$out"); do
  diff <(reproducible "$out/$cell") <(reproducible "$work/reference/$cell") > /dev/null ||
    fail "$cell differs from the unsharded run: $(diff <(reproducible "$out/$cell") <(reproducible "$work/reference/$cell") | head)"
done
say "PASS: 6 cells over 3 shards, shard 2 cancelled mid-run ($done_after_cancel cells done then), resumed; equal to the unsharded run"
