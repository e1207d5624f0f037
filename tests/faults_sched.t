#!/usr/bin/env bash
# Scheduler faults under a running Slurm cluster, on a test Slurm of its
# own (it restarts slurmctld, which must not pull the shared one from
# under other tests): a squeue that hangs, fails or prints garbage leaves
# the cluster listed as unknown with its recorded jobs (never stopped or
# gone), the hung squeue is killed, the record stays intact, and status
# recovers, in status, status --json and the dashboard; a slurmctld outage
# keeps the jobs and px running and status recovers with the same jobs;
# stop with a hung squeue says it cannot tell; qstat (the pbs backend)
# that hangs, fails or prints garbage does the same; a job killed at its
# time limit says TimeLimit.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh" FAULTS /tmp/hpctop-slurm-sched 17017
. "$(dirname "$0")/tmux.sh"

rec=$XDG_STATE_HOME/hpctop/clusters/sf/cluster.json
nl=$'\n'
mkdir -p "$tmp/hang" "$tmp/garbage"
# A squeue that never answers, in a group of its own making: a child
# sleeps too, so only a kill of the whole process group leaves nothing.
cat >"$tmp/hang/squeue" <<S
#!/bin/sh
sleep 100000 &
echo "\$\$ \$!" >>"$tmp/hang.pids"
wait
S
cat >"$tmp/garbage/squeue" <<'S'
#!/bin/sh
echo "<html><body>502 Bad Gateway</body></html>"
S
chmod +x "$tmp/hang/squeue" "$tmp/garbage/squeue"

# A cluster whose jobs reach their 1-minute limit while the rest runs:
# Slurm kills them within its 30 s check period plus KillWait (5 s).
batch_profile tl slurm
sed -i 's/^walltime: .*/walltime: "00:01:00"/' "$XDG_CONFIG_HOME/hpctop/profiles/tl.yaml"
# --wait: two controllers starting at once on one node can race for a
# port (ipyparallel picks them at random before binding), so sf starts
# once tl's controller is up.
run "$HPCTOP" start tl -n 1 --wait=150
is "$rc" 0 "start a cluster with a 1-minute walltime"
tl_t0=$SECONDS
tl_ids=$(batch_jobids tl | tr '\n' ' ')

batch_profile sf slurm
run "$HPCTOP" start sf -n 2 --wait=150
is "$rc" 0 "start sf -n 2 --wait"
if [ "$rc" != 0 ]; then
	diag "$err"
	done_testing
	exit 1
fi
ids=$(batch_jobids sf | tr '\n' ' ')
ctl=${ids%% *}
cp "$rec" "$tmp/record.before"

# --- squeue hangs -------------------------------------------------------
t0=$SECONDS
PATH=$tmp/hang:$PATH run "$HPCTOP" status
took=$((SECONDS - t0))
is "$rc" 1 "status with a hung squeue exits 1"
ok "$([ "$took" -lt 30 ]; echo $?)" "within its 10 s timeout plus slack (took $took s)"
like "$err" "hpctop: sf: squeue: no answer after 10 s \(killed\)" "says squeue did not answer"
like "$out" "(^|$nl)sf  backend slurm  unknown  engines 2/2" "the cluster is listed, unknown"
like "$out" "$ctl +hpctop-sf-ctl .* \? +-- +\(squeue did not answer\)" \
	"its controller job is shown from the record, state ?"
unlike "$out" "jobs have ended" "nothing says its jobs ended"
pids=$(cat "$tmp/hang.pids" 2>/dev/null)
is "$(echo $pids | wc -w)" 2 "the hung squeue ran (script and its child)"
left=
for p in $pids; do alive "$p" && left="$left $p"; done
is "$left" "" "no process of the hung squeue is left"
cmp -s "$rec" "$tmp/record.before"
ok $? "the record is intact"

: >"$tmp/hang.pids"
PATH=$tmp/hang:$PATH run "$HPCTOP" status --json sf
is "$rc" 1 "status --json with a hung squeue exits 1"
state=$(/usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)[0]
print(c["name"], c["state"], " ".join(p["state"] + "/" + p["sched_state"] for p in c["procs"]))' <<<"$out")
is "$state" "sf unknown ?/unknown ?/unknown" "--json: the cluster unknown, its jobs ? (unknown)"
for p in $(cat "$tmp/hang.pids"); do alive "$p" && diag "left: $p"; done

# dashboard DIR REGEX: opens the dashboard on sf with DIR first on PATH
# until the screen matches REGEX (30 s at most); sets $scr.
dashboard() {
	dash_open 120 30 "PATH=$1:$PATH" -d 10 sf
	wait_for "$2" 30
}

# The dashboard opened meanwhile: unknown with the recorded jobs, never
# stopped.
if command -v tmux >/dev/null; then
	: >"$tmp/hang.pids"
	dashboard "$tmp/hang" " sf +slurm +2 +unknown"
	like "$scr" " sf +slurm +2 +unknown: squeue: no answer after 10 s" \
		"the dashboard shows sf unknown, not stopped"
	like "$scr" "$ctl +hpctop-sf-ctl .* \? +-+ +\(squeue did not answer\)" \
		"with its recorded jobs"
	T kill-server 2>/dev/null
	# SIGHUP: the dashboard exits and kills its squeue (bounded wait, a
	# sanitized build on a busy machine).
	for ((i = 0; i < 150; i++)); do
		left=
		for p in $(cat "$tmp/hang.pids"); do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && break
		sleep 0.1
	done
	is "$left" "" "the dashboard leaves no hung squeue"
fi

run "$HPCTOP" status sf
is "$rc" 0 "without the wrapper, status works again"
like "$out" "^sf  backend slurm  running  engines 2/2" "and shows the cluster running"

# --- squeue prints garbage ----------------------------------------------
PATH=$tmp/garbage:$PATH run "$HPCTOP" status sf
is "$rc" 1 "status with garbage from squeue exits 1"
like "$out" "^sf  backend slurm  unknown" "the cluster is unknown, not gone"
like "$out" "\(1 malformed scheduler line skipped\)" "the unreadable line is counted"
like "$out" "$ctl +hpctop-sf-ctl .* \? +-- +\(squeue output unreadable\)" "and says why"
if command -v tmux >/dev/null; then
	dashboard "$tmp/garbage" " sf +slurm +2 +unknown"
	like "$scr" " sf +slurm +2 +unknown: scheduler output unreadable" \
		"the dashboard shows sf unknown, not failed"
	T kill-server 2>/dev/null
fi

# --- slurmctld goes away under the running cluster ----------------------
run "$batch_cluster" stop-ctld
is "$rc" 0 "slurmctld stopped"
t0=$SECONDS
run "$HPCTOP" status sf
is "$rc" 1 "status during the outage exits 1"
like "$err" "hpctop: sf: squeue(: no answer after 10 s \(killed\)| exited with status 1: .*Unable to contact slurm controller)" \
	"and says squeue could not reach slurmctld ($((SECONDS - t0)) s)"
like "$out" "^sf  backend slurm  unknown  engines 2/2" "the cluster is unknown, not stopped"
run "$HPCTOP" px sf 'print(6 * 7)'
is "$rc" 0 "px works during the outage"
is "$(grep -c '42$' <<<"$out")" 2 "both engines answer"
[ "$rc" = 0 ] || diag_fail "$out" "$err"
run "$batch_cluster" start-ctld
is "$rc" 0 "slurmctld started again"
[ "$rc" = 0 ] || diag_fail "$err"
run "$HPCTOP" status sf
is "$rc" 0 "status after the restart"
like "$out" "^sf  backend slurm  running  engines 2/2" "the cluster is running again"
for j in $ids; do
	like "$out" "(^|$nl)  $j +hpctop-sf-(ctl|eng) .* R +[0-9:]+ +[^ (]" "job $j is the same, R"
done
cmp -s "$rec" "$tmp/record.before"
ok $? "the record is unchanged"

# --- stop while squeue hangs --------------------------------------------
: >"$tmp/hang.pids"
PATH=$tmp/hang:$PATH run "$HPCTOP" stop sf
is "$rc" 1 "stop with a hung squeue fails"
like "$err" "cannot tell whether .*job $ctl \(hpctop-sf-ctl\).* ended: squeue: no answer after 10 s \(killed\)" \
	"and says it cannot tell whether the jobs ended"
ok "$([ -e "$rec" ]; echo $?)" "the record is kept"
left=
for p in $(cat "$tmp/hang.pids"); do alive "$p" && left="$left $p"; done
is "$left" "" "no hung squeue is left"
run "$HPCTOP" stop sf
is "$rc" 0 "stop once squeue answers"
is "$(batch_slurm_live $ids)" "" "no job left"
ok "$([ ! -e "$rec" ]; echo $?)" "the record is gone"

# --- qstat (the pbs backend) that hangs, fails or prints garbage --------
if command -v qsub >/dev/null; then
	batch_profile pf pbs
	run "$HPCTOP" start pf -n 1 --wait=150
	is "$rc" 0 "start a pbs cluster (qsub over the test Slurm)"
	[ "$rc" = 0 ] || diag_fail "$err"
	pf_ids=$(batch_jobids pf | tr '\n' ' ')
	pf_ctl=${pf_ids%% *}
	mkdir -p "$tmp/qhang" "$tmp/qfail" "$tmp/qgarbage"
	cp "$tmp/hang/squeue" "$tmp/qhang/qstat"
	printf '#!/bin/sh\necho "qstat: cannot connect to server pbs01 (errno=111)" >&2\nexit 1\n' \
		>"$tmp/qfail/qstat"
	printf '#!/bin/sh\necho "Job id  Name  User"\necho "%%%%%% garbage"\n' >"$tmp/qgarbage/qstat"
	chmod +x "$tmp/qhang/qstat" "$tmp/qfail/qstat" "$tmp/qgarbage/qstat"

	: >"$tmp/hang.pids"
	PATH=$tmp/qhang:$PATH run "$HPCTOP" status pf
	is "$rc" 1 "status with a hung qstat exits 1"
	like "$err" "hpctop: pf: qstat: no answer after 10 s \(killed\)" "says qstat did not answer"
	like "$out" "^pf  backend pbs  unknown" "the pbs cluster is unknown"
	like "$out" "$pf_ctl +hpctop-pf-ctl .* \? +-- +\(qstat did not answer\)" "its jobs ? from the record"
	left=
	for p in $(cat "$tmp/hang.pids"); do alive "$p" && left="$left $p"; done
	is "$left" "" "no process of the hung qstat is left"

	PATH=$tmp/qfail:$PATH run "$HPCTOP" status pf
	is "$rc" 1 "status with a failing qstat exits 1"
	like "$err" "qstat exited with status 1: qstat: cannot connect to server" "with qstat's message"
	like "$out" "$pf_ctl +hpctop-pf-ctl .* \? +-- +\(qstat failed\)" "the jobs say qstat failed"

	PATH=$tmp/qgarbage:$PATH run "$HPCTOP" status pf
	is "$rc" 1 "status with garbage from qstat exits 1"
	like "$out" "^pf  backend pbs  unknown" "the cluster is unknown, not gone"

	run "$HPCTOP" status pf
	is "$rc" 0 "the real qstat again"
	like "$out" "^pf  backend pbs  running  engines 1/1" "the cluster is running"
	run "$HPCTOP" stop pf
	is "$rc" 0 "stop pf"
	# As in pbs.t: the wrapper's qstat shows a job still completing as C
	# already; Slurm finishes it within its KillWait.
	wait_until 20 says_nothing batch_slurm_live $pf_ids
	is "$(batch_slurm_live $pf_ids)" "" "no pbs job left"
fi

# --- the time limit -----------------------------------------------------
# 60 s limit, up to 30 s until slurmctld checks, 5 s KillWait, and the
# outage above: 240 s is generous.
while [ $((SECONDS - tl_t0)) -lt 240 ]; do
	run "$HPCTOP" status tl
	[ "$(grep -c ' C .*(TimeLimit)$' <<<"$out")" = 2 ] && break
	sleep 3
done
diag "the time limit took $((SECONDS - tl_t0)) s to show"
for j in $tl_ids; do
	like "$out" "(^|$nl)  $j +hpctop-tl-(ctl|eng) .* C +[0-9:]+ +\(TimeLimit\)" \
		"job $j killed at its time limit says TimeLimit"
done
like "$out" "^tl  backend slurm  gone" "the cluster is gone"
run "$HPCTOP" status --json tl
reasons=$(/usr/bin/python3 -c '
import json, sys
print(" ".join(p["state"] + "/" + p["sched_state"] + "/" + p["reason"] for p in json.load(sys.stdin)[0]["procs"]))' <<<"$out")
is "$reasons" "C/TIMEOUT/TimeLimit C/TIMEOUT/TimeLimit" "--json: C, TIMEOUT, TimeLimit"
run "$HPCTOP" stop tl
is "$rc" 0 "stop clears the timed-out cluster"

done_testing
