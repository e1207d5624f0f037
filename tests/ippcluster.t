#!/usr/bin/env bash
# ipyparallel's cluster files for what hpctop starts (core/ippcluster.h),
# checked with ipyparallel's own tools: the file hpctop writes (mode 600),
# `ipcluster list` with the engine count as engines go, a client from
# Cluster.from_file() running a parallel sum, `ipcluster stop` stopping
# hpctop's processes (by the pids in the file), after which hpctop shows
# the cluster stopped and has cleared its record; hpctop's own stop removes
# the file.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/ippfile.sh"

ipp_isolated

f=$(ipp_file local)
run "$HPCTOP" start local -n 3 --wait=120
is "$rc" 0 "start local -n 3 --wait"
record_pids local
[ "$rc" = 0 ] || diag_fail "$err"
ok "$([ -f "$f" ]; echo $?)" "the cluster file is written: $f"
is "$(ipp_mode "$f")" 600 "mode 600"
sum0=$(md5sum <"$f")
is "$(ipp_list local)" "local '' True 3 Local" "ipcluster list: running, 3 engines, Local launcher"
is "$(md5sum <"$f")" "$sum0" "ipyparallel found nothing to rewrite (from_dict's to_dict() equals the file)"

run ipp_from_file local 3
is "$rc" 0 "Cluster.from_file(profile='local').connect_client_sync()"
like "$out" $'engines 3\npsum 4950' "a client on the 3 engines: psum of range(100) is 4950"
[ "$rc" = 0 ] || diag_fail "$err"

# An engine goes: the file follows at hpctop's next refresh.
epid=$(/usr/bin/python3 -c 'import json,sys
print([p["pid"] for p in json.load(open(sys.argv[1]))["procs"] if p["role"] == "engines"][0])' \
	"$XDG_STATE_HOME/hpctop/clusters/local/cluster.json")
kill -KILL "$epid"
wait_until 10 eval '! alive $epid'
"$HPCTOP" status local >/dev/null
is "$(ipp_list local)" "local '' True 2 Local" "one engine killed: ipcluster list says 2 engines"

# ipcluster stop ends hpctop's processes; hpctop then says stopped.
procs=$(recorded_pids "$XDG_STATE_HOME/hpctop/clusters/local/cluster.json" | tr '\n' ' ')
run /usr/bin/ipcluster stop --profile=local
is "$rc" 0 "ipcluster stop --profile=local"
left() { local p n=0; for p in $procs; do alive "$p" && n=$((n + 1)); done; echo $n; }
wait_until 20 eval '[ "$(left)" = 0 ]'
is "$(left)" 0 "every recorded process is gone ($procs)"
ok "$([ ! -e "$f" ]; echo $?)" "ipcluster removed the cluster file"
run "$HPCTOP" status local
like "$out" "^local +backend local +stopped" "hpctop status: stopped"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/local" ]; echo $?)" "hpctop cleared its record"
run "$HPCTOP" status local
like "$err" "no cluster 'local' \\(not started, or stopped\\)" "the next status finds no record"
is "$(ipp_list local)" "" "ipcluster list: nothing"

# hpctop's own stop removes the file.
run "$HPCTOP" start local -n 2 --wait=120
is "$rc" 0 "start local -n 2 again"
record_pids local
is "$(ipp_list local)" "local '' True 2 Local" "ipcluster list: 2 engines"
run "$HPCTOP" stop local
is "$rc" 0 "hpctop stop local"
ok "$([ ! -e "$f" ]; echo $?)" "the cluster file is removed"
is "$(ipp_list local)" "" "ipcluster list: nothing"

# mpi: one MPIEngineSetLauncher, mpiexec's pid, which ipcluster stop ends.
if command -v mpiexec.openmpi >/dev/null && /usr/bin/python3 -c 'import mpi4py' 2>/dev/null; then
	f=$(ipp_file mpi)
	run "$HPCTOP" start mpi -n 2 --wait=180
	is "$rc" 0 "start mpi -n 2 --wait"
	record_pids mpi
	[ "$rc" = 0 ] || diag_fail "$err"
	is "$(ipp_list mpi)" "mpi '' True 2 MPI" "ipcluster list: running, 2 engines, MPI launcher"
	mpiexec_pid=$(/usr/bin/python3 -c 'import json,sys
print([p["pid"] for p in json.load(open(sys.argv[1]))["procs"] if p["role"] == "engines"][0])' \
		"$XDG_STATE_HOME/hpctop/clusters/mpi/cluster.json")
	is "$(/usr/bin/python3 -c 'import json,sys
print(*[s["pid"] for s in json.load(open(sys.argv[1]))["engines"]["sets"].values()])' "$f")" \
		"$mpiexec_pid" "the engine set is hpctop's mpiexec ($mpiexec_pid)"
	run ipp_from_file mpi 2
	like "$out" $'engines 2\npsum 4950' "from_file client on the MPI engines: psum 4950"
	procs=$(recorded_pids "$XDG_STATE_HOME/hpctop/clusters/mpi/cluster.json" | tr '\n' ' ')
	run /usr/bin/ipcluster stop --profile=mpi
	is "$rc" 0 "ipcluster stop --profile=mpi"
	wait_until 20 eval '[ "$(left)" = 0 ]'
	is "$(left)" 0 "mpiexec and the controller are gone ($procs)"
	ipp_cleared mpi mpi
else
	diag "mpi part skipped: mpiexec.openmpi or mpi4py is not installed"
fi

done_testing
