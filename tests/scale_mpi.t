#!/usr/bin/env bash
# Engine sets on the mpi backend: a set is an mpiexec of its own (its ranks
# one MPI world of their own, registered with the set's idents). scale +2
# then -1 on a running cluster of the shipped mpi profile (Open MPI): the
# count 2 -> 4 -> 2, status lists each set with its mpiexec and ids, px
# shows each engine in a world of 2, the stopped set's mpiexec and ranks
# gone, none lost, and stop leaving nothing.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"
need_mpi

tmp=$(mktemp -d)
isolate
trap cleanup EXIT

js() {	# js PY-EXPR: evaluated on status --json's first cluster, as c
	"$HPCTOP" status mpi --json | /usr/bin/python3 -c "import json,sys
c = json.load(sys.stdin)[0]
print($1)"
}
registered() { [ "$(js 'c["engines_registered"]')" = "$1" ]; }
# The live processes of a set's mpiexec session (mpiexec and its ranks).
session_of() { ps -eo pid=,sid=,stat= | awk -v s="$1" '$2 == s && $3 !~ /^Z/ {print $1}'; }

run "$HPCTOP" start mpi -n 2 --wait=300
is "$rc" 0 "start mpi -n 2"
[ "$rc" = 0 ] || diag_fail "$err"
record_pids mpi

run "$HPCTOP" scale mpi +2
is "$rc" 0 "scale mpi +2"
[ "$rc" = 0 ] || diag_fail "$err"
like "$out" "engine set 1 of 2 engines started \(4 engines in all\)" "it names the new set"
record_pids mpi
wait_until 180 registered 4
ok $? "4/4 registered"
run "$HPCTOP" status mpi
like "$out" "^mpi +backend mpi +running +engines 4/4" "status: running 4/4"
like "$out" $'\n  set 0: ids [0-9]+,[0-9]+ of 2 engines; mpiexec\n' "status: set 0, its mpiexec and ids"
like "$out" $'\n  set 1: ids [0-9]+,[0-9]+ of 2 engines; mpiexec.s1\n' "status: set 1, its own mpiexec"
is "$(js 'sorted(i for s in c["sets"] for i in s["engine_ids"]) == c["engine_ids"]')" True \
	"every registered id is in one set"
run "$HPCTOP" px mpi 'from mpi4py import MPI; print(MPI.COMM_WORLD.Get_size())'
is "$rc" 0 "px on the 4 engines"
is "$(grep -c '^\[stdout:[0-9]*\] 2$' <<<"$out")" 4 "each set's ranks are an MPI world of 2"
set1=$(js '" ".join(str(p["pid"]) for p in c["procs"] if p["set"] == 1)')
is "$(wc -w <<<"$set1")" 1 "set 1 is one process group (its mpiexec)"
ranks=$(session_of "$set1" | tr '\n' ' ')
ok "$([ "$(wc -w <<<"$ranks")" -ge 3 ]; echo $?)" "its mpiexec and 2 ranks run ($ranks)"

run "$HPCTOP" scale mpi -1
is "$rc" 0 "scale mpi -1"
like "$out" "engine set 1 stopped \(2 engines left\)" "says what is left"
left=0
for p in $ranks; do alive "$p" && left=$((left + 1)); done
is "$left" 0 "set 1's mpiexec and its ranks are gone"
wait_until 30 registered 2
ok $? "2 registered"
sleep 3
run "$HPCTOP" status mpi
like "$out" "^mpi +backend mpi +running +engines 2/2" "status: running 2/2"
unlike "$out" "lost" "no engine of the stopped set counts as lost"
is "$(js 'c["lost_ids"], len(c["retired_ids"])')" "[] 2" "--json: none lost, 2 retired"
run "$HPCTOP" px mpi 'print(6*7)'
is "$(grep -c '^\[stdout:[0-9]*\] 42$' <<<"$out")" 2 "set 0's engines still run code"

dir=$XDG_STATE_HOME/hpctop/clusters/mpi
run "$HPCTOP" stop mpi
is "$rc" 0 "stop"
is "$(marked "$dir" all | wc -l)" 0 "stop leaves no process"
done_testing
