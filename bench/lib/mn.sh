# The start of each benchmark on the two-node test Slurm (bench/*_mn.sh):
# runs the script again under /tmp/hpctop-mn.lock (the cluster exists once
# per machine), then tests/tap.sh and tests/mnenv.sh, skipping, saying
# why, where namespaces cannot be made. Source it first, without
# arguments (the script's own stay in "$@").
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${HPCTOP_MN_LOCKED:-}" ]; then
	# -o: the daemons the run starts must not keep holding the lock.
	HPCTOP_MN_LOCKED=1 exec flock -o /tmp/hpctop-mn.lock "$0" "$@"
fi
export HPCTOP=${HPCTOP:-$src/hpctop} HPCTOP_SRCDIR=$src
. "$src/tests/tap.sh"
skip_all() { echo "bench/${0##*/}: skipped: $*"; exit 0; }
. "$src/tests/mnenv.sh"

# mn_ipcluster_config PROFILE LINE: ipcluster's profile for 4 engines as
# one Slurm job over both nodes, 2 per node, in the debug partition; LINE
# says where its controller runs and listens.
mn_ipcluster_config() {
	mkdir -p "$IPYTHONDIR/profile_$1"
	cat >"$IPYTHONDIR/profile_$1/ipcluster_config.py" <<EOF2
$2
c.SlurmLauncher.queue = 'debug'
c.SlurmLauncher.timelimit = '00:10:00'
c.SlurmEngineSetLauncher.batch_template = """#!/bin/sh
#SBATCH --job-name=ipy-engine-{cluster_id}
#SBATCH --ntasks={n}
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=2
srun {program_and_args}
"""
EOF2
}

# mn_ipcluster_wait PROFILE: once its connection file exists, a Client
# waits for 4 engines; prints when they were there (seconds since the
# epoch) and fails unless they are 2 on cn1 and 2 on cn2.
mn_ipcluster_wait() {
	/usr/bin/python3 - "$IPYTHONDIR" "$1" <<'PY'
import ipyparallel as ipp, os, socket, sys, time
f = os.path.join(sys.argv[1], 'profile_' + sys.argv[2], 'security', 'ipcontroller-client.json')
end = time.time() + 300
while not os.path.exists(f) and time.time() < end:
    time.sleep(0.05)
rc = ipp.Client(profile=sys.argv[2], timeout=120)
rc.wait_for_engines(4, timeout=600)
t1 = time.time()
hosts = sorted(rc[:].apply_sync(socket.gethostname))
rc.close()
if hosts != ['cn1', 'cn1', 'cn2', 'cn2']:
    sys.exit('ipcluster engines on %s' % hosts)
print('%.6f' % t1)
PY
}
