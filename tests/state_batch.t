#!/usr/bin/env bash
# One state, true everywhere, for batch clusters (see tests/state.t for the
# local ones), on a test Slurm of its own (it takes a partition down): a
# pbs cluster whose controller job is held is queued (never degraded), and
# a running slurm cluster while squeue hangs is unknown (never stopped or
# gone), in profiles, status, status --json and the dashboard.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh" STATE /tmp/hpctop-slurm-state 17317
. "$(dirname "$0")/tmux.sh"

command -v tmux >/dev/null || skip_all "tmux is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
command -v qsub >/dev/null || skip_all "qsub (slurm-wlm-torque) is not installed"
nl=$'\n'
mkdir -p "$tmp/hang"
cat >"$tmp/hang/squeue" <<S
#!/bin/sh
sleep 100000 &
echo "\$!" >>"$tmp/hang.pids"
wait
S
chmod +x "$tmp/hang/squeue"
: >"$tmp/hang.pids"
kill_hung() { local p; for p in $(cat "$tmp/hang.pids"); do kill "$p" 2>/dev/null; done; }

# Every view of cluster NAME says STATE (a regex).
all_views() {	# all_views NAME STATE [PATH-DIR]
	local name=$1 want=$2 path=${3:+$3:}$PATH
	PATH=$path run "$HPCTOP" status "$name" --json
	is "$(jq -r '.[0].state' <<<"$out")" "$want" "status --json: $name is $want"
	PATH=$path run "$HPCTOP" status "$name"
	like "$out" "^$name  backend [a-z]+  $want  engines" "status: $name is $want"
	PATH=$path run "$HPCTOP" profiles
	like "$out" "(^|$nl)$name +[a-z]+ +2 +$want( |$nl|$)" "profiles: $name is $want"
	T kill-server 2>/dev/null
	pane_open 200 30 PATH="$path"
	dash_start "$name"
	wait_for " $name +[a-z]+ +2 +$want" 40
	ok $? "dashboard: $name is $want" || diag "$scr"
	keys F10
	wait_for 'rc=0' 30
	ok $? "the dashboard quits with 0" || diag "$(cat "$tmp/dash.err")"
	T kill-server 2>/dev/null
	kill_hung
}

# --- a pbs cluster whose controller job is held: queued ------------------
batch_profile pq pbs
scontrol update PartitionName=debug State=DOWN
run "$HPCTOP" start pq
is "$rc" 0 "start pq while its partition is down"
[ "$rc" = 0 ] || diag "$err"
ids=$(batch_jobids pq | tr '\n' ' ')
scontrol hold "${ids%% *}"
ok $? "hold its controller job"
all_views pq queued
run "$HPCTOP" stop pq
is "$rc" 0 "stop pq"
scontrol update PartitionName=debug State=UP

# --- a running slurm cluster while squeue hangs: unknown -----------------
batch_profile sq slurm
run "$HPCTOP" start sq --wait=150
is "$rc" 0 "start sq --wait"
[ "$rc" = 0 ] || diag "$err"
batch_jobids sq >/dev/null
all_views sq running
all_views sq unknown "$tmp/hang"
run "$HPCTOP" status sq --json
is "$(jq -r '.[0].state' <<<"$out")" running "sq is running again once squeue answers"
run "$HPCTOP" stop sq
is "$rc" 0 "stop sq"
done_testing
