#!/usr/bin/env bash
# The mpi backend end to end, the seed scenario: `hpctop start mpi`, then a
# real ipyparallel.Client(profile='mpi') sees 4 engines [0,1,2,3] in one MPI
# world of size 4, and an Allreduce sum over a scattered array gives 496.0
# on every engine. Also the Hydra launcher's script.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"
need_mpi

tmp=$(mktemp -d)
isolate
trap cleanup EXIT	# kills only what this test started, by recorded session id

run "$HPCTOP" script mpi
is "$rc" 0 "script mpi exits 0"
like "$out" "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 setsid mpiexec.openmpi -n 4 --oversubscribe ipengine --profile=mpi [^
]*--mpi " "script: Open MPI detected, -n 4 --oversubscribe, ipengine --mpi"

if command -v mpiexec.mpich >/dev/null; then
	printf 'backend: mpi\nengines: 2\nmpiexec: mpiexec.mpich\nhosts: [localhost]\ntasks_per_node: 2\n' \
		>"$profiles/hydra.yaml"
	run "$HPCTOP" script hydra
	like "$out" "setsid mpiexec.mpich -n 2 -hosts localhost -ppn 2 ipengine " \
		"script: Hydra detected from mpiexec --version, -hosts/-ppn"
fi

run "$HPCTOP" start mpi --wait=300
is "$rc" 0 "start mpi --wait exits 0"
record_pids mpi
like "$out" "engines 4/4 registered" "4 engines registered"
[ "$rc" -eq 0 ] || diag_fail "$err" "$("$HPCTOP" logs mpi 2>&1 | tail -30)"

run "$HPCTOP" status mpi
like "$out" "engines 4/4" "status: engines 4/4"
like "$out" "mpiexec +R " "status: one row for the mpiexec process group"

cat >"$tmp/psum.py" <<'PY'
from mpi4py import MPI
import numpy as np


def psum(a):
    locsum = np.sum(a)
    rcvBuf = np.array(0.0, 'd')
    MPI.COMM_WORLD.Allreduce([locsum, MPI.DOUBLE], [rcvBuf, MPI.DOUBLE],
                             op=MPI.SUM)
    return rcvBuf
PY
cd "$tmp" || exit 1
run /usr/bin/python3 -c "
import ipyparallel as ipp, numpy as np
rc = ipp.Client(profile='mpi', timeout=60)
print(sorted(rc.ids))
view = rc[:]
view.block = True
print(view.apply(lambda: __import__('mpi4py.MPI').MPI.COMM_WORLD.Get_size()))
view.run('psum.py')
view.scatter('a', np.arange(32.))
print([float(x) for x in view['psum(a)']])
rc.close()"
is "$rc" 0 "the client script ran"
[ "$rc" -eq 0 ] || diag_fail "$err"
lines=()
mapfile -t lines <<<"$out"
is "${lines[0]}" "[0, 1, 2, 3]" "engine ids [0, 1, 2, 3]"
is "${lines[1]}" "[4, 4, 4, 4]" "MPI.COMM_WORLD.Get_size() is 4 on each engine"
is "${lines[2]}" "[496.0, 496.0, 496.0, 496.0]" "psum(a) is 496.0 on every engine"

mapfile -t started <"$pids"
run "$HPCTOP" stop mpi
is "$rc" 0 "stop mpi exits 0"
left=0
for p in "${started[@]}"; do
	left=$((left + $(ps -eo sid=,stat= | awk -v s="$p" '$1 == s && $2 !~ /^Z/' | wc -l)))
done
is "$left" 0 "stop leaves no rank, mpiexec or controller behind"
ok "$([ ! -e "$IPYTHONDIR/profile_mpi/security/ipcontroller-client.json" ]; echo $?)" \
	"connection file removed"

done_testing
