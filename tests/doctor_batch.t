#!/usr/bin/env bash
# hpctop doctor on the test Slurm: the shipped slurm profile passes (the
# probe job runs where the engines job would, the MPI program across the
# allocation), a walltime longer than the partition's MaxTime fails before
# anything is submitted, and a job that cannot start is reported as pending
# at the timeout and cancelled.
. "$(dirname "$0")/tap.sh"
# A test Slurm of its own (directory, ports), as faults_sched.t has.
. "$(dirname "$0")/batchenv.sh" DOCTOR /tmp/hpctop-slurm-doctor 17217

. "$(dirname "$0")/doctor.sh"

t0=$SECONDS
doctor_passes "" "[0-9]+ nodes?; the engines job asks for 00:30:00, 1 node" \
	"job [0-9]+ ran on $(hostname) in [0-9]+ s" "Open MPI .* as mpiexec.openmpi" \
	"2 ranks on $(hostname) \(2\) see a world of 2" "$(hostname) reached $(hostname):[0-9]+" -- slurm -n 2
diag "doctor slurm -n 2 took $((SECONDS - t0)) s"

batch_profile long slurm "queue: short"	# walltime 00:10:00
t0=$SECONDS
run "$HPCTOP" doctor long --json
is "$rc" 1 "walltime over the partition's MaxTime: doctor fails"
checks=$(checks_of "$out")
like "$checks" "(^|"$'\n'")partition limits\|failed\|walltime 00:10:00 is longer than partition short's time limit 5:00\|ask for at most 5:00 \(walltime\)" \
	"the reason names both limits, the fix the one allowed"
like "$checks" $'\n'"launch\|failed\|not submitted: the job does not fit the partition" "nothing submitted"
ok "$([ $((SECONDS - t0)) -lt 30 ]; echo $?)" "and no waiting for a job"

batch_profile later slurm "directives: [--begin=now+1hour]"
t0=$SECONDS
run "$HPCTOP" doctor later --timeout 5
is "$rc" 1 "a job that cannot start: doctor fails"
id=$(job_of "$out")
[ -n "$id" ] && echo "$id" >>"$tmp/jobids"
like "$(check_line "$out" launch)" "failed +launch +job [0-9]+ still pending after 5 s \(PENDING: BeginTime\); cancelled" \
	"reported as pending with the scheduler's reason"
ok "$([ $((SECONDS - t0)) -lt 40 ]; echo $?)" "bounded by --timeout"
is "$(batch_slurm_live "$id")" "" "the pending job is cancelled"
like "$(check_line "$out" ipyparallel)" "skipped +ipyparallel" "checks without a report are skipped"

is "$(ls "$XDG_STATE_HOME/hpctop/doctor" 2>/dev/null)" "" "doctor leaves no files behind"
done_testing
