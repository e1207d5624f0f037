#!/usr/bin/env bash
# One state, true everywhere: `profiles`, `status`, `status --json` and the
# dashboard say the same word for the same clusters (core/clusterstate.h):
# a running local cluster, one with a killed engine (degraded), one whose
# controller was killed (failed, or gone once its engines gave up: never
# running, controller_up false, its count stale) and one whose controller
# is SIGSTOPped (not answering). The dashboard also rescans the profile
# directories.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"
. "$(dirname "$0")/cluster.sh"

command -v tmux >/dev/null || skip_all "tmux is not installed"
[ -x /usr/bin/ipcontroller ] || skip_all "ipyparallel is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

nl=$'\n'
tmp=$(mktemp -d)
isolate
trap cleanup EXIT
profiles=$XDG_CONFIG_HOME/hpctop/profiles
mkdir -p "$profiles"
for p in run eng ctlkill ctlstop; do
	cp "$HPCTOP_SRCDIR/profiles/local.yaml" "$profiles/$p.yaml"
done

for p in run eng ctlkill ctlstop; do
	run "$HPCTOP" start "$p" -n 2 --wait=240
	is "$rc" 0 "start $p -n 2 --wait"
	[ "$rc" -eq 0 ] || diag "$err"
done

pid_of() {	# pid_of CLUSTER PROC-NAME
	"$HPCTOP" status "$1" --json 2>/dev/null |
		jq -r --arg n "$2" '.[0].procs[] | select(.name == $n) | .pid'
}
json_state() { "$HPCTOP" status "$1" --json 2>/dev/null | jq -r '.[0].state'; }
until_state() {	# until_state CLUSTER REGEX SECONDS
	local end=$((SECONDS + $3))
	until [[ $(json_state "$1") =~ $2 ]]; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.5
	done
}

kill -KILL "$(pid_of eng ipengine.1)"
kill -KILL "$(pid_of ctlkill ipcontroller)"
kill -STOP "$(pid_of ctlstop ipcontroller)"
# The Hub notices the lost engine by its heartbeat.
until_state eng '^degraded$' 90
ok $? "eng: degraded after one engine was killed"

declare -A want=([run]='running' [eng]='degraded' [ctlkill]='failed|gone'
	[ctlstop]='not answering')

# status --json
run "$HPCTOP" status --json
for p in run eng ctlkill ctlstop; do
	st=$(jq -r --arg n "$p" '.[] | select(.name == $n) | .state' <<<"$out")
	like "$st" "^(${want[$p]})\$" "status --json: $p is ${want[$p]}"
done
is "$(jq -r '.[] | select(.name == "run") | "\(.controller_up) \(.engines_stale)"' <<<"$out")" \
	"true false" "status --json: run's controller up, its count fresh"
is "$(jq -r '.[] | select(.name == "ctlkill") | "\(.controller_up) \(.engines_stale)"' <<<"$out")" \
	"false true" "status --json: the killed controller is not up, its count stale"
is "$(jq -r '.[] | select(.name == "ctlstop") | "\(.controller_up) \(.engines_stale)"' <<<"$out")" \
	"false true" "status --json: the stopped controller is not up, its count stale"
is "$(jq -r '.[] | select(.name == "ctlstop") | .procs[] | select(.role == "controller") | .sched_state' <<<"$out")" \
	"stopped" "status --json: the stopped controller's row says stopped"

# status
run "$HPCTOP" status
for p in run eng ctlkill ctlstop; do
	like "$out" "(^|$nl)$p  backend local  (${want[$p]})  engines" \
		"status: $p is ${want[$p]}"
done
like "$out" "(^|$nl)ctlkill  backend local  [a-z]+  engines 2/2 \(stale\)" \
	"status: the killed controller's engine count is stale"
like "$out" "(^|$nl)ctlstop  backend local  not answering  engines 2/2 \(stale\)" \
	"status: the stopped controller's engine count is stale"

# profiles
run "$HPCTOP" profiles
for p in run eng ctlkill ctlstop; do
	like "$out" "(^|$nl)$p +local +2 +(${want[$p]})( |$nl|$)" \
		"profiles: $p is ${want[$p]}"
done
like "$out" "(^|$nl)run +local +2 +running 2/2 " "profiles: run is running 2/2"
like "$out" "(^|$nl)eng +local +2 +degraded 1/2 " "profiles: eng is degraded 1/2"

# the dashboard
pane_open 200 40
dash_start
wait_for ' ctlstop +local +2 +not answering' 30
ok $? "the dashboard opens with the clusters' states"
wait_for ' eng +local +2 +degraded 1/2' 30
for p in run eng ctlkill ctlstop; do
	like "$scr" "$nl $p +local +2 +(${want[$p]})" "dashboard: $p is ${want[$p]}"
done
# A profile added while the dashboard runs appears on r (it would too on
# the slow rescan), with the clusters' states kept.
cp "$HPCTOP_SRCDIR/profiles/local.yaml" "$profiles/added.yaml"
keys r
wait_for $'\n'' added +local +2 +stopped' 20
ok $? "dashboard: a profile added while it runs appears on r"
like "$scr" "$nl eng +local +2 +degraded 1/2" "dashboard: eng keeps its state"
rm "$profiles/added.yaml"
keys r
wait_for ' eng +local +2 +degraded' 20
sleep 1
unlike "$(screen)" ' added +local' "dashboard: a removed profile goes on r"
keys F10
wait_for 'rc=0' 30
ok $? "the dashboard quits with 0" || diag "$(cat "$tmp/dash.err")"

# px on the cluster whose controller died: the refusal says its state (a
# record is left, so S refuses too), not "no cluster running".
dash_start ctlkill
wait_for 'F10 Quit' 30
wait_for ' ctlkill +local +2 +(failed|gone)' 30
ok $? "dashboard: ctlkill is failed or gone"
keys P
wait_for 'Enter Run'
keys 'print(1)' Enter
wait_for 'ctlkill is (failed|gone): ' 20
ok $? "px says the cluster's state"
unlike "$(screen)" 'no cluster running for ctlkill' "and not that no cluster runs"
keys Escape
keys F10
wait_for 'rc=0' 30
ok $? "the dashboard quits with 0" || diag "$(cat "$tmp/dash.err")"

for p in run eng ctlkill ctlstop; do
	run "$HPCTOP" stop "$p"
	is "$rc" 0 "stop $p"
	[ "$rc" -eq 0 ] || diag "$err"
done
done_testing
