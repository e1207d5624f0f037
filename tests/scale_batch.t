#!/usr/bin/env bash
# Engine sets on the real test Slurm, with the slurm and the pbs backends:
# scale +2 adds an engines job (status and --json list both sets with their
# jobs and engine ids, the count goes 2 -> 4), scale -1 cancels that job
# (the count back to 2, no engine `lost`, the job gone from squeue), and
# stop leaves no job.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"

js() {	# js NAME PY-EXPR: evaluated on status --json's cluster, as c
	"$HPCTOP" status "$1" --json | /usr/bin/python3 -c "import json,sys
c = json.load(sys.stdin)[0]
print($2)"
}
registered() { [ "$(js "$1" 'c["engines_registered"]')" = "$2" ]; }

for backend in slurm pbs; do
	name=sc$backend
	batch_profile "$name" "$backend"
	batch_start_ok "$name" 2
	t0=$SECONDS
	run "$HPCTOP" scale "$name" +2
	is "$rc" 0 "$backend: scale +2"
	like "$out" "engine set 1 of 2 engines started \(4 engines in all\)" "$backend: names set 1"
	ids=$(batch_jobids "$name" | tr '\n' ' ')
	is "$(echo $ids | wc -w)" 3 "$backend: a third job recorded"
	set1=$(js "$name" '[p["job_id"] for p in c["procs"] if p["set"] == 1][0]')
	wait_until 150 registered "$name" 4
	ok $? "$backend: 4/4 registered"
	diag "$backend: scale +2 to 4/4 took $((SECONDS - t0)) s"
	run "$HPCTOP" status "$name"
	like "$out" "^$name +backend $backend +running +engines 4/4" "$backend: status running 4/4"
	like "$out" $'\n'"  set 1: ids [0-9]+,[0-9]+ of 2 engines; job ${set1%%.*}[^ ]*"$'\n' \
		"$backend: status lists set 1 with its job and ids"
	is "$(js "$name" '[(s["set"], len(s["engine_ids"])) for s in c["sets"]]')" "[(0, 2), (1, 2)]" \
		"$backend: --json sets, 2 ids each"

	run "$HPCTOP" scale "$name" -1
	is "$rc" 0 "$backend: scale -1"
	[ "$rc" = 0 ] || diag_fail "$err"
	wait_until 60 registered "$name" 2
	ok $? "$backend: 2 registered"
	# The wrapper's qstat shows a completing job as C already (as pbs.t).
	wait_until 20 says_nothing batch_slurm_live "$set1"
	is "$(batch_slurm_live "$set1")" "" "$backend: set 1's job is gone"
	sleep 3
	run "$HPCTOP" status "$name"
	like "$out" "^$name +backend $backend +running +engines 2/2" "$backend: running 2/2"
	unlike "$out" "lost" "$backend: nothing lost after a planned stop"
	unlike "$out" "exited: task" "$backend: the stopped set's tasks are no failure"
	is "$(js "$name" 'c["lost_ids"], len(c["retired_ids"])')" "[] 2" "$backend: --json none lost, 2 retired"

	run "$HPCTOP" stop "$name"
	is "$rc" 0 "$backend: stop"
	wait_until 20 says_nothing batch_slurm_live $ids
	left=$(batch_slurm_live $ids)
	is "$left" "" "$backend: stop leaves no job"
	[ -z "$left" ] || diag_fail "left: $left of $ids" "$(squeue --states=all --format='%i %j %T %r' 2>&1 | tail -8)"
done

# controller.placement allocation (the default): a set added later is
# engines only (no second controller), and set 0, whose job runs the
# controller, is not stopped on its own.
batch_placement=allocation batch_profile scalloc slurm
batch_start_ok scalloc 2
run "$HPCTOP" scale scalloc +2
is "$rc" 0 "allocation: scale +2"
wait_until 150 registered scalloc 4
ok $? "allocation: 4/4 registered"
is "$(js scalloc 'len([p for p in c["procs"] if p["role"] == "controller"])')" 1 \
	"allocation: still one controller"
ids=$(batch_jobids scalloc | tr '\n' ' ')
run "$HPCTOP" scale scalloc -0
is "$rc" 1 "allocation: scale -0 refused"
like "$err" "set 0 runs the controller too \(in allocation [0-9]+\): 'hpctop stop scalloc' stops the cluster" \
	"allocation: ... saying why"
registered scalloc 4
ok $? "allocation: nothing stopped"
run "$HPCTOP" stop scalloc
is "$rc" 0 "allocation: stop"
wait_until 20 says_nothing batch_slurm_live $ids
is "$(batch_slurm_live $ids)" "" "allocation: stop leaves no job"
done_testing
