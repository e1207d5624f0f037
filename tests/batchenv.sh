# Shared by the batch backend tests (slurm.t, pbs.t): a temporary HOME,
# IPYTHONDIR and XDG dirs, the real test Slurm (tests/slurm/cluster, brought
# up when it is not, and taken down at exit only then), the ipyparallel
# client script, and cleanup that cancels whatever a test left behind.
# Source after tap.sh. Sourced with NAME DIR PORT, the test has a test Slurm
# of its own: $HPCTOP_<NAME>_SLURM_DIR, _SLURMCTLD_PORT and _SLURMD_PORT
# where set, else DIR and ports PORT and PORT+1.

if [ $# -ge 3 ]; then
	batch_own() { local v=HPCTOP_$1_$2; echo "${!v:-$3}"; }
	HPCTOP_SLURM_DIR=$(batch_own "$1" SLURM_DIR "$2")
	HPCTOP_SLURMCTLD_PORT=$(batch_own "$1" SLURMCTLD_PORT "$3")
	HPCTOP_SLURMD_PORT=$(batch_own "$1" SLURMD_PORT $(($3 + 1)))
	export HPCTOP_SLURM_DIR HPCTOP_SLURMCTLD_PORT HPCTOP_SLURMD_PORT
fi

[ -x /usr/bin/ipcontroller ] && [ -x /usr/bin/ipengine ] ||
	skip_all "ipyparallel is not installed (python3-ipyparallel)"
[ -x /usr/sbin/slurmctld ] && command -v sbatch >/dev/null ||
	skip_all "Slurm is not installed (slurm-wlm slurm-wlm-torque munge)"

tmp=$(mktemp -d)
batch_cluster=$HPCTOP_SRCDIR/tests/slurm/cluster
batch_ours=0
batch_profiles=()

batch_cleanup() {
	local p ids
	declare -F T >/dev/null && T kill-server 2>/dev/null	# tests/tmux.sh
	for p in "${batch_profiles[@]}"; do
		[ -e "$XDG_STATE_HOME/hpctop/clusters/$p/cluster.json" ] || continue
		"$HPCTOP" stop "$p" >/dev/null 2>&1
	done
	# Whatever survived: this test's jobs only, by id.
	ids=$(cat "$tmp"/jobids 2>/dev/null | tr '\n' ' ')
	[ -n "$ids" ] && scancel $ids 2>/dev/null
	[ "$batch_ours" = 1 ] && "$batch_cluster" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap batch_cleanup EXIT

. "$HPCTOP_SRCDIR/tests/cluster.sh"
isolate

"$batch_cluster" status >/dev/null 2>&1 || batch_ours=1
# stdout into a file, not $(...): a daemon `up` starts may hold the pipe.
if ! "$batch_cluster" up >"$tmp/slurm.env" 2>"$tmp/slurm-up.log"; then
	ok 1 "the test Slurm comes up"
	sed 's/^/# /' "$tmp/slurm-up.log"
	done_testing
	exit 1
fi
. "$tmp/slurm.env"

# batch_profile NAME BACKEND [YAML LINES...]: writes a profile that runs
# ipyparallel from /usr/bin with mpi4py over Open MPI (as root); for slurm
# and pbs with controller.placement $batch_placement (job unless set: what
# the tests of the two-job layout assert). More controller keys go after
# its command: sed "s|^controller: {command: /usr/bin/ipcontroller|&, KEY: V|".
batch_profile() {
	local name=$1 backend=$2 f place=
	shift 2
	f=$profiles/$name.yaml
	batch_profiles+=("$name")
	case $backend in slurm | pbs) place=", placement: ${batch_placement:-job}" ;; esac
	{
		echo "version: 1"
		echo "backend: $backend"
		echo "engines: 2"
		echo "walltime: \"00:10:00\""
		echo "controller: {command: /usr/bin/ipcontroller$place}"
		echo "engine: {command: /usr/bin/ipengine}"
		echo "mpiexec: mpiexec.openmpi"
		echo "mpiexec_args: [--oversubscribe]"
		echo "env:"
		echo "  OMPI_ALLOW_RUN_AS_ROOT: 1"
		echo "  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: 1"
		printf '%s\n' "$@"
	} >"$f"
}

# Job ids of a cluster's record, one per line (also kept for cleanup).
batch_jobids() {
	/usr/bin/python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["procs"]:
    if p.get("job_id"):
        print(p["job_id"])' "$XDG_STATE_HOME/hpctop/clusters/$1/cluster.json" |
		tee -a "$tmp/jobids"
}

# batch_start_ok NAME N: start NAME -n N --wait, every engine registers
# and two jobs are recorded; leaves start's output in $out and the job ids
# in $ids.
batch_start_ok() {
	local t0=$SECONDS
	run "$HPCTOP" start "$1" -n "$2" --wait=150
	is "$rc" 0 "start $1 -n $2 --wait"
	like "$out" "engines $2/$2 registered" "all $2 engines registered"
	[ "$rc" = 0 ] || diag_fail "$err" "$(cat "$XDG_STATE_HOME/hpctop/clusters/$1/logs/"* 2>/dev/null | tail -20)"
	diag "start --wait took $((SECONDS - t0)) s"
	ids=$(batch_jobids "$1" | tr '\n' ' ')
	is "$(echo $ids | wc -w)" 2 "two jobs recorded"
}

# batch_bad_queue BACKEND SUBMITTER: a queue that does not exist fails
# start with the submitter's reason (sbatch's, under the pbs wrappers too)
# and leaves no record.
batch_bad_queue() {
	batch_profile badq "$1" "queue: nosuch"
	run "$HPCTOP" start badq --wait=30
	is "$rc" 1 "start with a missing queue fails"
	like "$err" "^hpctop: cannot start 'badq': controller job: $2 exited with status 1: sbatch: error: .*(invalid partition|Invalid partition)" \
		"the message says the queue is invalid"
	ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/badq" ]; echo $?)" "no record left"
}

# Jobs among the ids given that Slurm still runs or queues.
batch_slurm_live() {
	local ids
	ids=$(echo "$*" | tr ' ' ',')
	squeue --noheader --jobs="$ids" --states=PENDING,RUNNING,COMPLETING,SUSPENDED,CONFIGURING \
		--format=%i 2>/dev/null | tr -d ' '
}

# The seed scenarios through a real ipyparallel.Client(profile=NAME):
# each engine's host name, map_sync squares, MPI Send/Recv of 100 ints
# between ranks 0 and 1.
batch_client() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys
import ipyparallel as ipp
rc = ipp.Client(profile=sys.argv[1], timeout=60)
rc.wait_for_engines(int(sys.argv[2]), timeout=60)
dv = rc[:]
for h in dv.apply_sync(socket.gethostname):
    print("host", h)
print("squares", dv.map_sync(lambda x: x**2, range(32)))
def pingpong():
    from mpi4py import MPI
    import numpy as np
    comm = MPI.COMM_WORLD
    if comm.rank == 0:
        comm.Send(np.arange(100, dtype='i'), dest=1, tag=7)
        return "sent"
    if comm.rank == 1:
        buf = np.zeros(100, dtype='i')
        comm.Recv(buf, source=0, tag=7)
        return "got %d ints, sum %d" % (len(buf), int(buf.sum()))
    return ""
print("mpi", " | ".join(dv.apply_sync(pingpong)))
rc.close()
PY
}

# batch_client_ok NAME N: batch_client on cluster NAME's N engines on this
# host, and what it must print (with more than 2 ranks, the others' empty
# answers follow the pingpong's).
batch_client_ok() {
	local more= host
	host=$(hostname)
	[ "$2" -gt 2 ] && more=' \| '
	run batch_client "$1" "$2"
	is "$rc" 0 "ipyparallel.Client(profile='$1') works"
	is "$(grep -c "^host $host\$" <<<"$out")" "$2" "hostname from each of the $2 engines"
	like "$out" "squares \[0, 1, 4, 9, 16, 25, .*, 900, 961\]" "map_sync(x**2, range(32))"
	like "$out" "mpi sent \| got 100 ints, sum 4950$more" "MPI Send/Recv of 100 ints, rank 0 to 1"
	[ "$rc" = 0 ] || diag_fail "$err"
}
