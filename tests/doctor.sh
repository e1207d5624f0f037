# Reading what hpctop doctor says: source after tap.sh.
# check_line OUTPUT CHECK: the line of one check in doctor's text output.
check_line() { grep -E "^  [a-z]+ +$2  " <<<"$1" | head -n1; }
# job_of OUTPUT: the id of doctor's probe job, from its own words ("job N ...").
job_of() { sed -n 's/.* job \([0-9][0-9]*\) .*/\1/p' <<<"$1" | head -n1; }
# checks_of JSON: doctor --json's checks, a line each: check|status|detail|fix.
checks_of() {
	/usr/bin/python3 -c '
import json, sys
for c in json.load(sys.stdin)["checks"]:
    print(c["check"], c["status"], c["detail"], c["fix"], sep="|")' <<<"$1"
}
# doctor_passes WHERE LIMITS LAUNCH MPI4PY MPIPROG ADDRESS -- ARGS: hpctop doctor ARGS passes, each
# check's detail matching its pattern (the hosts and ranks of that cluster), and the probe job is gone
# after; WHERE ends each test's name. Sets id to the probe job (recorded in $tmp/jobids).
doctor_passes() {
	local where=$1 limits=$2 launch=$3 mpi4py=$4 mpiprog=$5 address=$6
	shift 7
	run "$HPCTOP" doctor "$@"
	is "$rc" 0 "doctor $1 passes$where"
	[ "$rc" = 0 ] || diag_fail "$out" "$err"
	id=$(job_of "$out")
	[ -n "$id" ] && echo "$id" >>"$tmp/jobids"
	like "$(check_line "$out" "partition limits")" "ok +partition limits +partition debug: time limit infinite, $limits" \
		"partition limits against walltime and nodes$where"
	like "$(check_line "$out" launch)" "ok +launch +$launch" "the probe ran as a job$where"
	like "$(check_line "$out" mpi4py)" "ok +mpi4py +$mpi4py" "mpi4py against the launcher$where"
	like "$(check_line "$out" "mpi program")" "ok +mpi program +$mpiprog" "the MPI program inside the allocation$where"
	like "$(check_line "$out" "controller address")" "ok +controller address +$address" \
		"the engines reach the controller's node by its name (ipcontroller --ip='*')$where"
	is "$(batch_slurm_live "$id")" "" "the probe job is gone$where"
}
