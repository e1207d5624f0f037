#!/usr/bin/env bash
# Walltime on the real test Slurm: a cluster whose jobs have a 2-minute
# limit shows their time left (LEFT) and says when its engines will be lost
# in status, status --json and the dashboard, where the row and the engines
# gauge take the warning colour role (NO_COLOR: bold reverse); the pbs
# backend (Slurm's qstat wrapper: Req'd Time less Elap Time) says the same;
# a cluster whose jobs wait behind a full node shows the scheduler's
# estimated start beside the reason, and a held one the reason alone.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"
. "$(dirname "$0")/tmux.sh"

nl=$'\n'
# 2-minute limits, as `walltime: "00:02:00"` in a profile.
short_profile() {	# short_profile NAME BACKEND
	batch_profile "$1" "$2"
	sed -i 's/^walltime: .*/walltime: "00:02:00"/' "$profiles/$1.yaml"
}
# json_field CLUSTER-JSON ROLE FIELD: FIELD of the job of ROLE.
json_field() {
	/usr/bin/python3 -c '
import json, sys
c = json.loads(sys.argv[1])[0]
p = [p for p in c["procs"] if p["role"] == sys.argv[2]][0]
v = p[sys.argv[3]]
print("null" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$@"
}
# clock_secs H:MM:SS|M:SS: seconds.
clock_secs() {
	local IFS=: f s=0
	for f in $1; do s=$((s * 60 + 10#$f)); done
	echo "$s"
}

# --- slurm: time left and the warning ------------------------------------
short_profile wt slurm
run "$HPCTOP" start wt -n 1 --wait=100
is "$rc" 0 "start a cluster whose jobs have a 2-minute limit (--wait)"
[ "$rc" = 0 ] || diag_fail "$err"
ids=$(batch_jobids wt | tr '\n' ' ')
read -r ctl eng <<<"$ids"
t_start=$SECONDS

run "$HPCTOP" status wt
is "$rc" 0 "status wt"
like "$out" "JOBID +NAME +USER +QUEUE +NDS +TSK +MEM +TIME +LEFT +S +ELAP +NODES" \
	"the table has a LEFT column"
left=$(sed -nE "s/^  $eng +hpctop-wt-eng +[^ ]+ +debug +1 +1 +[^ ]+ +2:00 +([0-9:]+) +R .*/\1/p" <<<"$out")
like "$left" '^[01]:[0-5][0-9]$' "the engines job (R, TIME 2:00) shows LEFT under 2:00 ($left)"
like "$out" "(^|$nl)  engines job $eng reaches its time limit in [01]:[0-5][0-9] \(at [0-2][0-9]:[0-5][0-9]:[0-5][0-9]\)($nl|$)" \
	"status says when the engines will be lost"
like "$out" "(^|$nl)  controller job $ctl reaches its time limit in " \
	"and when the controller will"
# The end it names is now plus the time left (a second either way).
at=$(sed -nE "s/.*engines job $eng reaches its time limit in .* \(at (.*)\)$/\1/p" <<<"$out")
want=$(( $(date +%s) + $(clock_secs "$left") ))
ok "$(got=$(date -d "$at" +%s); [ $((got - want)) -le 2 ] && [ $((want - got)) -le 2 ]; echo $?)" \
	"the end it names ($at) is now plus the time left"

run "$HPCTOP" status --json wt
is "$rc" 0 "status --json wt"
tl=$(json_field "$out" engines time_left)
ok "$([ "$tl" -gt 0 ] 2>/dev/null && [ "$tl" -lt 120 ]; echo $?)" "--json: time_left in seconds, under 120 ($tl)"
is "$(json_field "$out" engines time_limit)" 120 "--json: time_limit 120"
is "$(json_field "$out" engines near_time_limit)" true "--json: near_time_limit"
is "$(json_field "$out" engines start_estimate)" null "--json: no start estimate for a running job"

# The dashboard: LEFT, the note above the jobs, and the warning role on the
# job rows and the engines gauge (white on red, bold).
if command -v tmux >/dev/null; then
	dash_open 130 30 -d 1 wt
	wait_for "reaches its time limit in" 30
	ok $? "the dashboard names the time limit"
	# The job that ends first: the controller's, if it started first.
	like "$scr" "(engines job $eng|controller job $ctl) reaches its time limit in [01]:[0-5][0-9] \(at " \
		"above the jobs, when the engines will be lost"
	like "$scr" "$eng +hpctop-wt-eng .* 2:00 +[01]:[0-5][0-9] R " "the row shows LEFT"
	is "$(attr_at "hpctop-wt-eng")" "bold fg=37 bg=41" \
		"the engines job row is drawn in the warning role (bold white on red)"
	is "$(attr_at "engines 1/1")" "bold fg=37 bg=41" "so is the engine count"
	is "$(attr_at $'\u2588')" "bold fg=37 bg=41" "and the engines gauge's full part"
	dash_close
	dash_open 130 30 NO_COLOR=1 -d 1 wt
	wait_for "reaches its time limit in" 30
	ok $? "NO_COLOR: the dashboard names the time limit"
	[ $? = 0 ] || diag_fail "$(cat "$tmp/dash.err")"
	is "$(attr_at "hpctop-wt-eng")" "bold reverse" \
		"NO_COLOR: the row is bold reverse, without colour"
	is "$(attr_at "engines 1/1")" "bold reverse" "so is the engine count"
	dash_close
fi
diag "the slurm checks took $((SECONDS - t_start)) s of the 120 s limit"

# --- pbs: Req'd Time less Elap Time ---------------------------------------
if command -v qsub >/dev/null; then
	short_profile wtp pbs
	run "$HPCTOP" start wtp -n 1 --wait=100
	is "$rc" 0 "start wtp (pbs) -n 1 --wait"
	wtp_ids=$(batch_jobids wtp | tr '\n' ' ')
	read -r _ peng <<<"$wtp_ids"
	run "$HPCTOP" status wtp
	like "$out" "(^|$nl)  $peng +hpctop-wtp-eng .* 2:00 +[0-2]:[0-5][0-9] +R " \
		"pbs: the engines job shows LEFT from qstat's Req'd and Elap Time"
	like "$out" "(^|$nl)  engines job $peng reaches its time limit in " \
		"pbs: status says when the engines will be lost"
	run "$HPCTOP" status --json wtp
	tl=$(json_field "$out" engines time_left)
	ok "$([ "$tl" -gt 0 ] 2>/dev/null && [ "$tl" -le 120 ]; echo $?)" "pbs --json: time_left ($tl)"
	run "$HPCTOP" stop wtp
	is "$rc" 0 "stop wtp"
fi

# --- waiting: the estimated start, or the reason alone -------------------
run "$HPCTOP" stop wt
is "$rc" 0 "stop wt"
# Jobs that are completing still hold their CPUs.
wait_until 60 says_nothing batch_slurm_live $ids $wtp_ids
ok $? "wt's and wtp's jobs are gone"
# Fill the node (8 CPUs, each shared by at most 4 jobs) with 3-minute jobs
# until one waits; the next cluster's jobs then wait behind them.
fill=
waits=
for ((i = 0; i < 8; i++)); do
	j=$(sbatch --parsable -J wt-fill -n 8 -t 3 -o /dev/null --wrap 'sleep 170')
	echo "$j" >>"$tmp/jobids"
	fill="$fill $j"
	# Until Slurm has placed it or said why it cannot.
	for ((k = 0; k < 50; k++)); do
		st=$(squeue --noheader --jobs="$j" --format='%T %r')
		[ "$st" != "PENDING None" ] && break
		sleep 0.1
	done
	# Still waiting after a backfill pass (2 s).
	[[ $st == PENDING* ]] && sleep 3 &&
		st=$(squeue --noheader --jobs="$j" --format='%T %r')
	[[ $st == PENDING* ]] && waits=$j && break
done
ok "$([ -n "$waits" ]; echo $?)" "filler jobs fill the node (job $waits waits: $st)"

# The controller job waits behind the fillers, with Slurm's estimate; the
# engines job waits for it (Dependency), for which Slurm gives none.
batch_profile wq slurm
run "$HPCTOP" start wq -n 2
is "$rc" 0 "start wq while the node is full"
qids=$(batch_jobids wq | tr '\n' ' ')
read -r qctl qeng <<<"$qids"
# Slurm's backfill (every 2 s here) sets the estimate.
est=
for ((i = 0; i < 30; i++)); do
	run "$HPCTOP" status wq
	est=$(sed -nE "s/^  $qctl +hpctop-wq-ctl .* Q .* \((Resources|Priority)\) start ([0-9:]+)$/\2/p" <<<"$out")
	[ -n "$est" ] && break
	sleep 1
done
[ -n "$est" ] || diag "$(squeue --noheader --format='%i %j %C %T %r %S')"
like "$est" '^[0-2][0-9]:[0-5][0-9]:[0-5][0-9]$' \
	"status: the waiting controller job shows the reason and Slurm's estimated start ($est)"
like "$out" "(^|$nl)  controller job $qctl waits \((Resources|Priority)\); estimated start $est \((in [0-9:]+|overdue)\)" \
	"and says it in words"
like "$out" "(^|$nl)  $qeng +hpctop-wq-eng .* Q .* \(Dependency\)($nl|$)" \
	"the engines job waiting for it shows its reason alone (Slurm gives no start)"
unlike "$out" "engines job $qeng waits" "and no estimate"
sstart=$(squeue --noheader --jobs="$qctl" --format=%S)
run "$HPCTOP" status --json wq
is "$(json_field "$out" controller start_estimate)" "$(date -d "$sstart" +%s)" \
	"--json: start_estimate is squeue's start time ($sstart) in Unix time"
is "$(json_field "$out" engines start_estimate)" null "--json: none for the engines job"
is "$(json_field "$out" controller time_left)" null "--json: no time_left while waiting"

if command -v tmux >/dev/null; then
	dash_open 130 30 -d 1 wq
	wait_for "hpctop-wq-ctl .* \((Resources|Priority)\) start [0-9:]+" 30
	ok $? "the dashboard shows the reason and the estimated start"
	like "$scr" "controller job $qctl waits \((Resources|Priority)\); estimated start " \
		"and the note above the jobs"
	is "$(attr_at "hpctop-wq-ctl")" "fg=33" "in the waiting role (yellow), not the warning"
	dash_close
fi

# Held: it starts when released, whatever estimate Slurm still prints for
# a while; the reason alone.
scontrol hold "$qctl"
for ((i = 0; i < 20; i++)); do
	run "$HPCTOP" status wq
	[[ $out =~ \(JobHeld(User|Admin)\) ]] && break
	sleep 0.5
done
# (JobHeldAdmin: root holds it.)
like "$out" "(^|$nl)  $qctl +hpctop-wq-ctl .* H .* \(JobHeld(User|Admin)\)($nl|$)" \
	"a held job shows its reason, without a start"
unlike "$out" "job $qctl waits" "and no estimate"

run "$HPCTOP" stop wq
is "$rc" 0 "stop wq"
scancel $fill
wait_until 60 says_nothing batch_slurm_live $ids $wtp_ids $qids $fill
ok $? "no job of this test is left"
done_testing
