#!/usr/bin/env bash
# Start-up on the two-node test Slurm (tests/slurm/cluster, cn1 and cn2):
# `hpctop start slurm -n 4 --wait` (engines job over both nodes, 2 tasks
# per node) against ipyparallel's own Slurm launchers (`ipcluster start
# --engines=Slurm --controller=Slurm -n 4 --daemonize`, the same layout
# and partition through its batch template, timed until a Client sees 4
# engines), alternating in the same run; medians.
# Usage: bench/start_mn.sh [REPEATS]   (default 3)
# Needs root and network namespaces: skips, saying why, where they cannot
# be made. Holds /tmp/hpctop-mn.lock (the cluster exists once per machine).
. "$(dirname "$0")/lib/mn.sh"
reps=${1:-3}

# ipcluster writes its batch scripts into its working directory, and
# sbatch the jobs' slurm-N.out files: both into $tmp.
cd "$tmp" || exit 1
ipc() { /usr/bin/ipcluster "$@" --profile=bench >/dev/null 2>&1; }
trap 'ipc stop; batch_cleanup' EXIT

now() { date +%s.%N; }
queue_empty() { [ -z "$(squeue --noheader --format=%i)" ]; }

batch_profile mnbench slurm "queue: debug" "nodes: 2" "tasks_per_node: 2"

# ipcluster's profile: a controller that listens on every interface (the
# engines are on other nodes; Cluster.controller_ip does not reach a batch
# controller's script in ipyparallel 7.1: the launcher's list is extended
# in place, so its observer never runs), engines 2 per node on both nodes.
mn_ipcluster_config bench "c.SlurmControllerLauncher.controller_args = ['--ip=*']"

# Each run checks, after its clock stopped, that the engines are 2 on
# each node.
time_hpctop() {
	local t0 t1
	t0=$(now)
	"$HPCTOP" start mnbench -n 4 --wait=300 >/dev/null 2>"$tmp/start.err" ||
		{ cat "$tmp/start.err" >&2; return 1; }
	t1=$(now)
	"$HPCTOP" status mnbench | grep -q '^  nodes cn1 2/2  cn2 2/2$' ||
		{ "$HPCTOP" status mnbench >&2; return 1; }
	"$HPCTOP" stop mnbench >/dev/null
	wait_until 60 queue_empty
	echo "$t1 - $t0" | bc
}

time_ipcluster() {
	local t0 t1
	t0=$(now)
	ipc start -n 4 --engines=Slurm --controller=Slurm --daemonize || return 1
	# The connection file appears once the controller job runs.
	t1=$(mn_ipcluster_wait bench) || {
		cat "$tmp"/slurm_*.sbatch >&2
		return 1
	}
	ipc stop
	wait_until 60 queue_empty
	echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

: >"$tmp/h"
: >"$tmp/i"
for _ in $(seq "$reps"); do
	time_hpctop >>"$tmp/h" || { echo "hpctop start failed" >&2; exit 1; }
	time_ipcluster >>"$tmp/i" || { echo "ipcluster start failed" >&2; exit 1; }
done
h=$(median <"$tmp/h")
i=$(median <"$tmp/i")
echo "start-up to 4 engines registered on 2 nodes (Slurm, median of $reps), seconds"
printf '%-22s %10s %10s %8s\n' what hpctop ipcluster ratio
printf '%-22s %10.2f %10.2f %8.2f\n' "slurm -n 4, 2 nodes" "$h" "$i" \
	"$(echo "$h / $i" | bc -l)"
echo "runs: hpctop $(tr '\n' ' ' <"$tmp/h")| ipcluster $(tr '\n' ' ' <"$tmp/i")"
