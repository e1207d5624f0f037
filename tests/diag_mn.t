#!/usr/bin/env bash
# Engines that never register say why, on the two-node test Slurm (the
# cluster tests/multinode.t uses): each failure made for real and its
# diagnosis asserted in `status`, `status --json`, `start --wait` (exit 1,
# well before its timeout) and the dashboard:
#   - a loopback controller.ip is refused at start (nothing submitted);
#     with controller.allow_loopback the engine on the other node cannot
#     register (stalled: the controller advertises a loopback address);
#   - an engine command missing on the nodes (every task exits 127);
#   - a node that cannot reach the address the controller advertises;
#   - a Python without ipyparallel for the engines.
. "$(dirname "$0")/tap.sh"


. "$(dirname "$0")/mnenv.sh"
. "$(dirname "$0")/tmux.sh"

WAIT=120	# start --wait's timeout: a diagnosis must come well before

# set_line NAME REGEX LINE: replaces the line of profile NAME matching
# REGEX (batch_profile's controller: or engine: line).
set_line() {
	sed -i "s|$2|$3|" "$XDG_CONFIG_HOME/hpctop/profiles/$1.yaml"
}

# Jobs of profile NAME that squeue still lists, by name.
jobs_named() {
	squeue --noheader --name="hpctop-$1-ctl,hpctop-$1-eng" --format=%i 2>/dev/null
}

# start_stalls NAME: start --wait=$WAIT, which must fail with the
# diagnosis; sets $took (seconds).
start_stalls() {
	local t0=$SECONDS
	run "$HPCTOP" start "$1" --wait=$WAIT
	took=$((SECONDS - t0))
	batch_jobids "$1" >/dev/null
	is "$rc" 1 "$1: start --wait exits 1"
	ok "$([ "$took" -lt $((WAIT / 3)) ]; echo $?)" "$1: after $took s, well under its timeout of $WAIT s"
	diag "$1: start --wait gave up after $took s (timeout $WAIT s)"
}

# Whether an engine task of NAME recorded its exit.
task_exited() {
	compgen -G "$XDG_STATE_HOME/hpctop/clusters/$1/tasks/*.exit" >/dev/null
}

# stop_clean NAME: stop, and nothing of it left in squeue.
stop_clean() {
	local ids
	ids=$(batch_jobids "$1" | tr '\n' ' ')
	run "$HPCTOP" stop "$1"
	is "$rc" 0 "$1: stop"
	wait_until 20 says_nothing batch_slurm_live $ids
	is "$(batch_slurm_live $ids)" "" "$1: no job left"
}

# --- A loopback controller.ip where engines run on compute nodes.
batch_profile lo slurm "queue: debug" "nodes: 2" "tasks_per_node: 1" "stall_after: 5s"
set_line lo '^controller: {command: /usr/bin/ipcontroller' '&, ip: 127.0.0.1'
run "$HPCTOP" start lo --wait=60
is "$rc" 1 "loopback controller.ip for slurm: start refuses"
like "$err" "lo\.yaml:[0-9]+:[0-9]+: controller\.ip: 127\.0\.0\.1 is a loopback address, which only the controller's own node reaches, but backend slurm runs engines on the compute nodes slurm gives" \
	"it says why, naming the key and file:line:col"
like "$err" "controller\.allow_loopback: true" "and names the override"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/lo/cluster.json" ]; echo $?)" "no record is written"
is "$(jobs_named lo)" "" "nothing is submitted"

# With the override: the engine on the controller's node registers, the
# one on the other node tries its own loopback and times out.
set_line lo 'ip: 127.0.0.1' '&, allow_loopback: true'
start_stalls lo
engid=$(batch_jobids lo | sed -n 2p)
diag "lo: the engines job had been R for $(squeue --noheader --jobs="$engid" --format=%M) (squeue, 1 s resolution) when start --wait said stalled (stall_after 5 s)"
like "$err" "hpctop: lo: stalled after [0-9.]+ s: [01]/2 engines registered" "lo: start --wait says stalled"
like "$err" $'\n'"hpctop: why: the controller advertises 127\.0\.0\.1:[0-9]+, a loopback address, but backend slurm runs engines on the compute nodes slurm gives \((cn[12]|cn\[1-2\])\), which cannot reach it" \
	"lo: the reason: a loopback address, engines on another node"
like "$err" $'\n'"hpctop: hint: set controller\.ip to an address the engines' nodes reach, or controller\.interface" "lo: and the hint"
[ "$rc" = 1 ] || diag_fail "$out" "$err"
ctl=$(squeue --noheader --name=hpctop-lo-ctl --format=%N)
other=$([ "$ctl" = cn1 ] && echo cn2 || echo cn1)

# The engine on the other node gives up registering and exits: its
# record names the node, its code and the line that says why.
wait_until 30 task_exited lo
run "$HPCTOP" status lo --json
is "$(jq -r '.[0].exited_tasks[0].node' <<<"$out")" "$other" "lo: the exited task is on $other"
like "$(jq -r '.[0].exited_tasks[0].line' <<<"$out")" "Registration timed out" "lo: its telling line: registration timed out"
ok "$(jq -e '.[0].exited_tasks[0].exit_code != 0' <<<"$out" >/dev/null; echo $?)" "lo: with a non-zero exit code"
run "$HPCTOP" status lo
like "$out" $'\n'"  exited: task [0-9]+ on $other, code [1-9][0-9]*: .*Registration timed out" "lo: status text lists the exited task"
# Once that task exited, the diagnosis names its node.
run "$HPCTOP" status lo
is "$rc" 0 "lo: status exits 0"
like "$out" "^lo  backend slurm  stalled  engines [01]/2" "lo: status says stalled"
like "$out" $'\n'"  why: the controller advertises 127\.0\.0\.1:[0-9]+, a loopback address, .*\($other\)" \
	"lo: status names the node that cannot reach it ($other, the controller on $ctl)"
run "$HPCTOP" status lo --json
is "$(jq -r '.[0].state' <<<"$out")" stalled "lo: --json state stalled"
is "$(jq -r '.[0].diagnosis.node' <<<"$out")" "$other" "lo: --json diagnosis.node"
like "$(jq -r '.[0].diagnosis.reason' <<<"$out")" "^the controller advertises 127\.0\.0\.1:[0-9]+, a loopback address" "lo: --json diagnosis.reason"
like "$(jq -r '.[0].diagnosis.hint' <<<"$out")" "^set controller\.ip to" "lo: --json diagnosis.hint"

# The dashboard: the same state and reason, through the same function.
pane_open 250 30
dash_start
wait_for 'stalled [01]/2: the controller advertises 127\.0\.0\.1' 30
ok $? "lo: the dashboard shows stalled with the reason"
keys F10
wait_for 'rc=0' 10
ok $? "the dashboard quits with status 0 (ASan: no leak)"
T kill-server 2>/dev/null
stop_clean lo

# --- The engine command missing on the nodes.
batch_profile nocmd slurm "queue: debug" "stall_after: 5s"
set_line nocmd '^engine: {command: /usr/bin/ipengine}$' 'engine: {command: /nonexistent/ipengine}'
start_stalls nocmd
like "$err" $'\n'"hpctop: why: engine task [01] on cn[12] exited with code 127: .*/nonexistent/ipengine: not found" \
	"nocmd: start --wait: the task, its node, code 127 and the line"
like "$err" $'\n'"hpctop: hint: the engine command /nonexistent/ipengine is missing on cn[12]: install ipyparallel there, or set engine\.command" \
	"nocmd: and the hint"
[ "$rc" = 1 ] || diag_fail "$out" "$err"
run "$HPCTOP" status nocmd
is "$rc" 0 "nocmd: status exits 0"
like "$out" "^nocmd  backend slurm  stalled  engines 0/2" "nocmd: status says stalled"
like "$out" $'\n'"  why: engine task [01] on cn[12] exited with code 127: .*/nonexistent/ipengine: not found" "nocmd: status says why"
is "$(grep -c '^  exited: task [01] on cn[12], code 127: .*not found' <<<"$out")" 2 "nocmd: both tasks listed with code 127"
run "$HPCTOP" status nocmd --json
is "$(jq -r '.[0].state' <<<"$out")" stalled "nocmd: --json state"
like "$(jq -r '.[0].diagnosis.hint' <<<"$out")" "^the engine command /nonexistent/ipengine is missing on cn[12]" "nocmd: --json hint"
like "$(jq -r '.[0].diagnosis.node' <<<"$out")" "^cn[12]$" "nocmd: --json node"
stop_clean nocmd

# --- A node that cannot reach the controller's address: the controller
# advertises an address of the test subnet that no node has, so the
# engine's registration times out (nothing leaves the bridge). stall_after
# is longer than the engine takes to give up, so the task's exit says why.
nowhere=${HPCTOP_SLURM_SUBNET:-10.213.7}.250
batch_profile unreach slurm "queue: debug" "stall_after: 40s"
set_line unreach '^controller: {command: /usr/bin/ipcontroller' "&, args: [--location=$nowhere]"
t0=$SECONDS
run "$HPCTOP" start unreach -n 1 --wait=$WAIT
took=$((SECONDS - t0))
batch_jobids unreach >/dev/null
is "$rc" 1 "unreach: start --wait exits 1"
ok "$([ "$took" -lt $((WAIT / 2)) ]; echo $?)" "unreach: after $took s, well under its timeout of $WAIT s"
diag "unreach: start --wait gave up after $took s (timeout $WAIT s)"
like "$err" $'\n'"hpctop: why: engine task 0 on cn[12] exited with code [1-9][0-9]*: .*Registration timed out after [0-9.]+ seconds" \
	"unreach: why: the task's registration timed out"
like "$err" $'\n'"hpctop: hint: cn[12] cannot reach the controller at ${nowhere//./\\.}:[0-9]+: " \
	"unreach: hint: the node cannot reach the controller's address:port, named"
[ "$rc" = 1 ] || diag_fail "$out" "$err"
run "$HPCTOP" status unreach --json
is "$(jq -r '.[0].state' <<<"$out")" stalled "unreach: --json state"
like "$(jq -r '.[0].diagnosis.hint' <<<"$out")" "^cn[12] cannot reach the controller at ${nowhere//./\\.}:[0-9]+" "unreach: --json hint"
stop_clean unreach

# --- A Python without ipyparallel for the engines (-S: no site-packages).
batch_profile nomod slurm "queue: debug" "stall_after: 5s"
set_line nomod '^engine: {command: /usr/bin/ipengine}$' 'engine: {command: [/usr/bin/python3, -S, -m, ipyparallel.engine]}'
# The dashboard open before the start: how long from the first task's exit
# record to the dashboard saying why.
pane_open 250 30
dash_start
wait_for 'F10 Quit' 20
t0=$SECONDS
"$HPCTOP" start nomod --wait=$WAIT >"$tmp/nomod.out" 2>"$tmp/nomod.err" &
spid=$!
wait_for "stalled 0/2: engine task [01] on cn[12] exited with code 1: .*No module named 'ipyparallel'" 60
ok $? "nomod: the dashboard shows stalled and the module error"
seen=$(date +%s.%N)
first=$(stat -c %.9Y "$XDG_STATE_HOME"/hpctop/clusters/nomod/tasks/*.exit 2>/dev/null | sort -n | head -1)
diag "nomod: the dashboard said why within $(awk -v a="$seen" -v b="$first" 'BEGIN { printf "%.1f", a - b }') s of the first task's exit record (the dashboard refreshes every 2 s)"
keys F10
wait_for 'rc=0' 10
ok $? "the dashboard quits with status 0 (ASan: no leak)"
T kill-server 2>/dev/null
wait $spid
rc=$? took=$((SECONDS - t0)) err=$(cat "$tmp/nomod.err")
batch_jobids nomod >/dev/null
is "$rc" 1 "nomod: start --wait exits 1"
ok "$([ "$took" -lt $((WAIT / 3)) ]; echo $?)" "nomod: after $took s, well under its timeout of $WAIT s"
like "$err" $'\n'"hpctop: why: engine task [01] on cn[12] exited with code 1: .*ModuleNotFoundError: No module named 'ipyparallel'" \
	"nomod: start --wait: the module error"
like "$err" $'\n'"hpctop: hint: the engines' Python on cn[12] \(/usr/bin/python3\) cannot import ipyparallel" "nomod: and the hint"
[ "$rc" = 1 ] || diag_fail "$err"
run "$HPCTOP" status nomod --json
is "$(jq -r '.[0].state' <<<"$out")" stalled "nomod: --json state"
like "$(jq -r '.[0].diagnosis.reason' <<<"$out")" "No module named 'ipyparallel'" "nomod: --json reason"
run "$HPCTOP" status nomod
like "$out" $'\n'"  why: engine task [01] on cn[12] exited with code 1: .*No module named 'ipyparallel'" "nomod: status says why"
stop_clean nomod

done_testing
