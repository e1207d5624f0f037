#!/usr/bin/env bash
# S -> N/N on a full queue, by controller placement, on the two-node test
# Slurm (tests/slurm/cluster, cn1 and cn2, 4 CPUs each, debug partition
# OverSubscribe=FORCE:4, FIFO priority, backfill): filler jobs hold every
# CPU share of both nodes for T seconds; hpctop starts -n 4 (2 per node)
# and right after, a competing user's 8 one-node jobs of 4 CPUs for C
# seconds are submitted. Measured from submission to 4/4 registered, in
# the same run: placement job, allocation and login (controller.interface
# hpctopbr0), and ipcluster --engines=Slurm with its controller local.
# Usage: bench/placement_mn.sh [T] [C]   (defaults 20 and 40)
# Needs root and network namespaces: skips, saying why, where they cannot
# be made. Holds /tmp/hpctop-mn.lock (the cluster exists once per machine).
. "$(dirname "$0")/lib/mn.sh"
fill=${1:-20}
compete=${2:-40}

cd "$tmp" || exit 1
ipc() { /usr/bin/ipcluster "$@" --profile=bplace >/dev/null 2>&1; }
# The competing user: one of our own, removed at exit (only if made here).
rival=hpctopbq
made_rival=0
if ! id "$rival" >/dev/null 2>&1; then
	useradd -M -d /nonexistent -s /usr/sbin/nologin -c "hpctop placement bench" "$rival" || exit 1
	made_rival=1
fi
others() { squeue --noheader --user="$rival" --format=%i | tr '\n' ' '; }
fillers=()
cleanup() {
	local ids
	ipc stop
	ids=$(others)
	[ -n "$ids" ] && scancel $ids 2>/dev/null
	[ ${#fillers[@]} -gt 0 ] && scancel "${fillers[@]}" 2>/dev/null
	[ "$made_rival" = 1 ] && userdel "$rival" 2>/dev/null
	batch_cleanup
}
trap cleanup EXIT

now() { date +%s.%N; }
queue_empty() { [ -z "$(squeue --noheader --format=%i)" ]; }
bridge=$(ip -o -4 addr show dev hpctopbr0 | awk '{sub("/.*", "", $4); print $4}')

for pl in job allocation login; do
	batch_placement=$pl batch_profile "bp$pl" slurm "queue: debug" "nodes: 2" "tasks_per_node: 2"
done
sed -i "s|^controller: {command: /usr/bin/ipcontroller|&, interface: hpctopbr0|" \
	"$XDG_CONFIG_HOME/hpctop/profiles/bplogin.yaml"

# ipcluster: the controller here on the bridge, engines as one Slurm job
# over both nodes, 2 per node.
mn_ipcluster_config bplace "c.LocalControllerLauncher.controller_args = ['--ip=$bridge']"

# Every CPU share of both nodes (FORCE:4: four jobs of all 8 CPUs), held
# for $fill s from when all run; prints when they end.
fill_queue() {
	local t
	fillers=()
	for _ in 1 2 3 4; do
		fillers+=("$(sbatch --parsable --partition=debug --nodes=2 --ntasks=8 --ntasks-per-node=4 \
			--job-name=bplace-fill --output=/dev/null --chdir=/tmp --time=10 --wrap "sleep $fill")")
	done
	wait_until 30 says_nothing squeue --noheader --states=PENDING --name=bplace-fill --format=%i
	t=$(now)
	echo "$t + $fill" | bc
}

# The other user's jobs, submitted right after hpctop's (or ipcluster's).
compete() {
	for _ in $(seq 8); do
		runuser -u "$rival" -- env SLURM_CONF="$SLURM_CONF" sbatch --parsable --partition=debug \
			--nodes=1 --ntasks=4 --job-name=bplace-rival --output=/dev/null --chdir=/tmp \
			--time=10 --wrap "sleep $compete" >/dev/null || return 1
	done
}

# Prints "seconds-from-submission seconds-after-the-fillers-ended".
time_hpctop() {
	local name=bp$1 end t0 t1 pid
	end=$(fill_queue)
	t0=$(now)
	"$HPCTOP" start "$name" -n 4 --wait=600 >"$tmp/start.out" 2>"$tmp/start.err" &
	pid=$!
	# Right after hpctop's submission: once its engines job is recorded.
	wait_until 30 engines_job "$name"
	compete || return 1
	wait "$pid" || { cat "$tmp/start.err" >&2; return 1; }
	t1=$(now)
	"$HPCTOP" status "$name" | grep -q '^  nodes cn1 2/2  cn2 2/2$' ||
		{ "$HPCTOP" status "$name" >&2; return 1; }
	"$HPCTOP" stop "$name" >/dev/null
	scancel $(others) 2>/dev/null
	wait_until 60 queue_empty
	echo "$(echo "$t1 - $t0" | bc) $(echo "$t1 - $end" | bc)"
}
engines_job() {
	/usr/bin/python3 -c '
import json, sys
try:
    procs = json.load(open(sys.argv[1]))["procs"]
except (OSError, ValueError):
    sys.exit(1)
sys.exit(0 if any(p.get("role") == "engines" and p.get("job_id") for p in procs) else 1)' \
		"$XDG_STATE_HOME/hpctop/clusters/$1/cluster.json"
}

time_ipcluster() {
	local end t0 t1
	end=$(fill_queue)
	t0=$(now)
	ipc start -n 4 --engines=Slurm --daemonize || return 1
	wait_until 60 ipy_engines_job
	compete || return 1
	t1=$(mn_ipcluster_wait bplace) || return 1
	ipc stop
	scancel $(others) 2>/dev/null
	wait_until 60 queue_empty
	echo "$(echo "$t1 - $t0" | bc) $(echo "$t1 - $end" | bc)"
}
ipy_engines_job() { squeue --noheader --format=%j | grep -q '^ipy-engine'; }

echo "S -> 4/4 on a full queue (fillers for ${fill} s, then a rival's 8 jobs of ${compete} s), seconds"
printf '%-28s %12s %16s\n' what submission "fillers' end"
for pl in job allocation login; do
	r=$(time_hpctop "$pl") || { echo "hpctop ($pl) failed" >&2; exit 1; }
	printf '%-28s %12.1f %16.1f\n' "hpctop placement $pl" $r
done
r=$(time_ipcluster) || { echo "ipcluster failed" >&2; exit 1; }
printf '%-28s %12.1f %16.1f\n' "ipcluster (controller local)" $r
