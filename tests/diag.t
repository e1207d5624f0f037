#!/usr/bin/env bash
# Engines that never register say why, on the single-node test Slurm
# (tests/diag_mn.t has the multi-node cases): an engine command missing
# makes every task exit 127; start --wait gives up at once with the task's
# node, code and line, status says stalled with the same reason, and the
# controller's own-node address is not taken for a loopback problem
# (controller and engines share the node).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"

batch_profile nocmd slurm "queue: debug" "stall_after: 5s"
sed -i 's|^engine: {command: /usr/bin/ipengine}$|engine: {command: /nonexistent/ipengine}|' \
	"$XDG_CONFIG_HOME/hpctop/profiles/nocmd.yaml"
host=$(hostname)
t0=$SECONDS
run "$HPCTOP" start nocmd --wait=120
took=$((SECONDS - t0))
batch_jobids nocmd >/dev/null
is "$rc" 1 "start --wait exits 1"
ok "$([ "$took" -lt 40 ]; echo $?)" "after $took s, not its timeout of 120 s"
like "$err" "hpctop: nocmd: stalled after [0-9.]+ s: 0/2 engines registered, every engine task exited" "it says stalled: every task exited"
like "$err" $'\n'"hpctop: why: engine task 0 on $host exited with code 127: hpctop-engine: 1: /nonexistent/ipengine: not found \(and 1 more task\)" \
	"why: the task, its node, code and line"
like "$err" $'\n'"hpctop: hint: the engine command /nonexistent/ipengine is missing on $host" "hint: the command is missing"
unlike "$err" "loopback" "one node: no loopback diagnosis"
run "$HPCTOP" status nocmd
is "$rc" 0 "status exits 0 (no leak, no error)"
like "$out" "^nocmd  backend slurm  stalled  engines 0/2" "status: stalled"
is "$(grep -c "^  exited: task [01] on $host, code 127: hpctop-engine: 1: /nonexistent/ipengine: not found$" <<<"$out")" 2 \
	"status lists both tasks"
run "$HPCTOP" status nocmd --json
is "$rc" 0 "status --json exits 0"
is "$(jq -r '.[0].diagnosis.node' <<<"$out")" "$host" "--json diagnosis.node"
is "$(jq -r '[.[0].exited_tasks[].exit_code] | join(",")' <<<"$out")" "127,127" "--json exited_tasks' codes"
ids=$(batch_jobids nocmd | tr '\n' ' ')
run "$HPCTOP" stop nocmd
is "$rc" 0 "stop"
wait_until 20 says_nothing batch_slurm_live $ids
is "$(batch_slurm_live $ids)" "" "no job left"
done_testing
