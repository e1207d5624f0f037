#!/usr/bin/env bash
# How soon hpctop says why engines do not register, on the two-node test
# Slurm (tests/slurm/cluster, cn1 and cn2), as tests/diag_mn.t makes the
# failures:
#   - an engine command missing on the nodes (every task exits 127): from
#     the first task's exit record (tasks/HOST.RANK.exit, its mtime) to
#     `hpctop status` listing `exited: task ...` (polled back to back) and
#     to the dashboard (open before the start, default refresh 2 s, its
#     tmux pane polled every 0.1 s) showing the reason;
#   - engines that never register, with stall_after 5 s, one engine per
#     node: from the first squeue (polled back to back) showing the engines
#     job R to `hpctop status` (back to back) first saying stalled; engines
#     that hang (a Python that sleeps, the controller answering) and a
#     loopback controller.ip allowed (the engine on the other node cannot
#     reach it; the one on the controller's node registers).
# Medians, min-max. Usage: bench/diag_mn.sh [REPEATS]   (default 3)
# Needs root and network namespaces: skips, saying why, where they cannot
# be made. Holds /tmp/hpctop-mn.lock (the cluster exists once per machine).
. "$(dirname "$0")/lib/mn.sh"
reps=${1:-3}
stall=5
. "$src/tests/tmux.sh"

# sbatch writes the jobs' slurm-N.out files into $tmp.
cd "$tmp" || exit 1
poller=
trap '[ -n "$poller" ] && kill "$poller" 2>/dev/null; batch_cleanup' EXIT

now() { date +%s.%N; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a - b }'; }
queue_empty() { [ -z "$(squeue --noheader --format=%i)" ]; }

# until_status NAME REGEX: `hpctop status NAME` back to back until its
# output matches REGEX (60 s at most); prints the time it returned.
until_status() {
	local end=$((SECONDS + 60)) o
	while [ $SECONDS -lt $end ]; do
		o=$("$HPCTOP" status "$1" 2>/dev/null)
		[[ $o =~ $2 ]] && { now; return 0; }
	done
	echo "status $1 never matched $2; last:" >&2
	echo "$o" >&2
	return 1
}

# until_running JOBNAME: squeue back to back until the job is R (120 s at
# most); prints the time it first was.
until_running() {
	local end=$((SECONDS + 120))
	while [ $SECONDS -lt $end ]; do
		[ "$(squeue --noheader --name="$1" --format=%T)" = RUNNING ] &&
			{ now; return 0; }
	done
	echo "$1 never ran" >&2
	return 1
}

# stop_clean NAME: stop, the queue empty again, no exit record left.
stop_clean() {
	"$HPCTOP" stop "$1" >/dev/null || return 1
	wait_until 60 queue_empty || { echo "jobs of $1 left in squeue" >&2; return 1; }
	! compgen -G "$XDG_STATE_HOME/hpctop/clusters/$1/tasks/*.exit" >/dev/null
}

batch_profile nocmd slurm "queue: debug" "stall_after: 60s"
sed -i 's|^engine: {command: /usr/bin/ipengine}$|engine: {command: /nonexistent/ipengine}|' \
	"$profiles/nocmd.yaml"
batch_profile hang slurm "queue: debug" "nodes: 2" "tasks_per_node: 1" "stall_after: ${stall}s"
sed -i 's|^engine: {command: /usr/bin/ipengine}$|engine: {command: [/usr/bin/python3, -c, "import time; time.sleep(600)"]}|' \
	"$profiles/hang.yaml"
batch_profile lo slurm "queue: debug" "nodes: 2" "tasks_per_node: 1" "stall_after: ${stall}s"
sed -i 's|^controller: {command: /usr/bin/ipcontroller|&, ip: 127.0.0.1, allow_loopback: true|' \
	"$profiles/lo.yaml"

# One missing-command start with the dashboard open: appends the seconds
# from the first exit record to status to $tmp/st, to the dashboard to
# $tmp/dash.
time_exit() {
	local first s d
	pane_open 250 30
	dash_start
	wait_for 'F10 Quit' 20 || { echo "the dashboard did not open" >&2; return 1; }
	"$HPCTOP" start nocmd >/dev/null 2>"$tmp/start.err" ||
		{ cat "$tmp/start.err" >&2; return 1; }
	batch_jobids nocmd >/dev/null
	until_status nocmd $'\n  exited: task [01] on cn[12], code 127' >"$tmp/seen" &
	poller=$!
	wait_for 'engine task [01] on cn[12] exited with code 127' 60 ||
		{ echo "the dashboard never said why:" >&2; echo "$scr" >&2; return 1; }
	d=$(now)
	wait "$poller" || return 1
	poller= s=$(cat "$tmp/seen")
	first=$(stat -c %.9Y "$XDG_STATE_HOME"/hpctop/clusters/nocmd/tasks/*.exit | sort -n | head -1)
	minus "$s" "$first" >>"$tmp/st"
	minus "$d" "$first" >>"$tmp/dash"
	keys F10
	wait_for 'rc=0' 10 || { echo "the dashboard did not quit with 0" >&2; return 1; }
	dash_close
	stop_clean nocmd
}

# time_stall NAME: one stalling start of NAME; appends the seconds from
# the engines job's R to status saying stalled to $tmp/NAME.
time_stall() {
	local r s
	"$HPCTOP" start "$1" >/dev/null 2>"$tmp/start.err" ||
		{ cat "$tmp/start.err" >&2; return 1; }
	batch_jobids "$1" >/dev/null
	r=$(until_running "hpctop-$1-eng") || return 1
	s=$(until_status "$1" "^$1  backend slurm  stalled ") || return 1
	minus "$s" "$r" >>"$tmp/$1"
	stop_clean "$1"
}

# stats FILE: median, min-max.
stats() {
	sort -g "$1" | awk '{v[NR]=$1} END {printf "%8.2f %6.2f-%.2f", v[int((NR+1)/2)], v[1], v[NR]}'
}

: >"$tmp/st"
: >"$tmp/dash"
: >"$tmp/hang"
: >"$tmp/lo"
for _ in $(seq "$reps"); do
	time_exit || { echo "missing-command run failed" >&2; exit 1; }
	time_stall hang || { echo "hanging-engine run failed" >&2; exit 1; }
	time_stall lo || { echo "loopback run failed" >&2; exit 1; }
done
over() { awk -v s=$stall '{printf "%.3f\n", $1 - s}' "$tmp/$1" >"$tmp/$1.over"; }
over hang
over lo
row() { printf '%-46s %s\n' "$1" "$(stats "$2")"; }
echo "diagnosis latency on 2 nodes (Slurm, $reps runs), seconds"
printf '%-46s %8s %s\n' what median min-max
row "task exit record -> status 'exited: task'" "$tmp/st"
row "task exit record -> dashboard (refresh 2 s)" "$tmp/dash"
row "engines R -> status stalled (hanging engines)" "$tmp/hang"
row "  the same minus stall_after ($stall s)" "$tmp/hang.over"
row "engines R -> status stalled (loopback ctl)" "$tmp/lo"
row "  the same minus stall_after ($stall s)" "$tmp/lo.over"
runs() { tr '\n' ' ' <"$tmp/$1"; }
echo "runs: status $(runs st)| dashboard $(runs dash)| hanging $(runs hang)| loopback $(runs lo)"
