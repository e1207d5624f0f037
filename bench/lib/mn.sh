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
