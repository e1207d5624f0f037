#!/usr/bin/env bash
# Findings 3 and the interrupted start on Slurm: a batch cluster whose
# record is empty or garbled is listed as unreadable, stop says which jobs
# it found by their names, and stop --force cancels them; jobs a killed
# start did not record are found by name and cancelled by stop. Uses its own test Slurm (directory and ports),
# so another test's `cluster down` cannot stop it.
: "${HPCTOP_SLURM_DIR:=/tmp/hpctop-slurm-life}"
: "${HPCTOP_SLURMCTLD_PORT:=16917}"
: "${HPCTOP_SLURMD_PORT:=16918}"
export HPCTOP_SLURM_DIR HPCTOP_SLURMCTLD_PORT HPCTOP_SLURMD_PORT
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"
. "$(dirname "$0")/tmux.sh"

batch_profile lslurm slurm
record=$XDG_STATE_HOME/hpctop/clusters/lslurm/cluster.json
for kind in empty garbled; do
	run "$HPCTOP" start lslurm -n 1
	is "$rc" 0 "$kind: start lslurm"
	[ "$rc" = 0 ] || diag "$err"
	ids=$(batch_jobids lslurm | tr '\n' ' ')
	is "$(echo $ids | wc -w)" 2 "$kind: two jobs submitted"
	if [ "$kind" = empty ]; then : >"$record"; else
		printf '{"version": 1, "name": "lslurm", "backend": "slu' >"$record"
	fi
	run "$HPCTOP" status lslurm
	like "$out" "^lslurm  unreadable record: $record" "$kind: status lists it as unreadable"
	run "$HPCTOP" stop lslurm
	is "$rc" 1 "$kind: stop fails"
	like "$err" "cannot be read; jobs named as its own: hpctop-lslurm-ctl \(job [0-9]+\), hpctop-lslurm-eng \(job [0-9]+\); 'hpctop stop --force lslurm'" \
		"$kind: and names the jobs it found"
	is "$(batch_slurm_live $ids | wc -l)" 2 "$kind: both jobs are still there"
	run "$HPCTOP" stop --force lslurm
	is "$rc" 0 "$kind: stop --force exits 0"
	[ "$rc" = 0 ] || diag "$err"
	like "$out" "stopped 'lslurm' without its record: ended hpctop-lslurm-ctl \(job" \
		"$kind: and says what it ended"
	is "$(batch_slurm_live $ids)" "" "$kind: nothing of it is left in squeue"
	ok "$([ ! -e "$record" ]; echo $?)" "$kind: the record is removed"
done

# A start killed between submitting the engines job and recording it: the
# record lists the controller job only and is not complete.
run "$HPCTOP" start lslurm -n 1
is "$rc" 0 "interrupted: start lslurm"
ids=$(batch_jobids lslurm | tr '\n' ' ')
jq '.procs |= [.[0]] | .complete = false' "$record" >"$tmp/rec.json" &&
	cat "$tmp/rec.json" >"$record"
run "$HPCTOP" status lslurm
like "$out" $'\n'"  $(echo $ids | awk '{print $2}') +hpctop-lslurm-e" \
	"interrupted: status shows the unrecorded engines job"
run "$HPCTOP" stop lslurm
is "$rc" 0 "interrupted: stop exits 0"
[ "$rc" = 0 ] || diag "$err"
is "$(batch_slurm_live $ids)" "" "interrupted: stop cancels the unrecorded job too"

# The dashboard: X on a Slurm cluster whose record is unreadable cancels
# its jobs (found by name), not just the record.
if command -v tmux >/dev/null; then
	run "$HPCTOP" start lslurm -n 1
	is "$rc" 0 "dashboard: start lslurm"
	ids=$(batch_jobids lslurm | tr '\n' ' ')
	: >"$record"
	dash_open 100 30 lslurm
	wait_for 'unreadable record' 20
	ok $? "dashboard: the cluster shows as unreadable"
	keys X
	wait_for 'y/n'
	keys y
	wait_for ' lslurm +slurm +[0-9]+ +stopped' 60
	ok $? "dashboard: X then y stops it"
	is "$(batch_slurm_live $ids)" "" "dashboard: its jobs are cancelled"
	ok "$([ ! -e "$record" ]; echo $?)" "dashboard: the record is removed"
	T kill-server 2>/dev/null
fi

done_testing
