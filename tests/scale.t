#!/usr/bin/env bash
# Engine sets on the local backend: hpctop scale +2 then -1 on a running
# cluster (status and --json list the sets with their engine ids, the count
# goes 2 -> 4 -> 2, a planned stop is never `lost`), the refusals, and stop
# leaving nothing.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/tmux.sh"

tmp=$(mktemp -d)
isolate
trap cleanup EXIT

js() {	# js PY-EXPR: evaluated on status --json's first cluster, as c
	"$HPCTOP" status local --json | /usr/bin/python3 -c "import json,sys
c = json.load(sys.stdin)[0]
print($1)"
}
registered() { [ "$(js 'c["engines_registered"]')" = "$1" ]; }

run "$HPCTOP" scale --help
like "$out" "^Usage: hpctop scale PROFILE \+N" "scale --help"
run "$HPCTOP" scale local +2
is "$rc" 1 "scale without a cluster fails"
like "$err" "no cluster 'local'" "and says so"

run "$HPCTOP" start local -n 2 --wait=240
is "$rc" 0 "start local -n 2"
record_pids local
run "$HPCTOP" watch local
is "$rc" 1 "watch of a cluster without renew_before is refused"
like "$err" "cluster 'local': its profile sets no renew_before: nothing for a watch to renew" "... saying why"
run "$HPCTOP" watch nosuch --background
is "$rc" 1 "watch --background of no cluster fails"
like "$err" "no cluster 'nosuch'" "... and says so"
run "$HPCTOP" scale local 3
is "$rc" 1 "scale needs +N or -SET"
like "$err" "expected \+N .* or -SET" "and says so"

run "$HPCTOP" scale local +2
is "$rc" 0 "scale local +2"
like "$out" "engine set 1 of 2 engines started \(4 engines in all\)" "it names the new set"
record_pids local
wait_until 120 registered 4
ok $? "4/4 registered"
run "$HPCTOP" status local
like "$out" "^local +backend local +running +engines 4/4" "status: running 4/4"
like "$out" $'\n  set 0: ids [0-9]+,[0-9]+ of 2 engines; ipengine.0 ipengine.1\n' "status: set 0 with its ids"
like "$out" $'\n  set 1: ids [0-9]+,[0-9]+ of 2 engines; ipengine.s1.0 ipengine.s1.1\n' "status: set 1 with its ids"
is "$(js '[(s["set"], s["engines"], len(s["engine_ids"])) for s in c["sets"]]')" \
	"[(0, 2, 2), (1, 2, 2)]" "--json sets"
is "$(js 'sorted(i for s in c["sets"] for i in s["engine_ids"]) == c["engine_ids"]')" True \
	"every registered id is in one set"
set1=$(js '" ".join(str(p["pid"]) for p in c["procs"] if p["set"] == 1)')
is "$(wc -w <<<"$set1")" 2 "set 1 has 2 processes"

run "$HPCTOP" scale local -1
is "$rc" 0 "scale local -1"
like "$out" "engine set 1 stopped \(2 engines left\)" "says what is left"
left=0
for p in $set1; do alive "$p" && left=$((left + 1)); done
is "$left" 0 "set 1's processes are gone"
wait_until 30 registered 2
ok $? "2 registered"
sleep 3
run "$HPCTOP" status local
like "$out" "^local +backend local +running +engines 2/2" "status: running 2/2"
unlike "$out" "lost" "no engine of the stopped set counts as lost"
unlike "$out" "set 1:" "set 1 is no longer listed"
is "$(js 'c["lost_ids"], len(c["retired_ids"]), c["state"]')" "[] 2 running" \
	"--json: none lost, 2 retired, running"

run "$HPCTOP" scale local -0
is "$rc" 1 "the only set cannot be scaled away"
like "$err" "the only one of cluster 'local' \(hpctop stop local" "and says to stop"
run "$HPCTOP" scale local -7
is "$rc" 1 "an unknown set"
like "$err" "has no engine set 7" "is named"
run "$HPCTOP" scale local +1
like "$out" "engine set 2 of 1 engine started" "set ids are not reused"
record_pids local

# The dashboard: A asks as S does and adds a set.
wait_until 60 registered 3
if command -v tmux >/dev/null; then
	pane_open 100 30
	dash_start local
	wait_for 'running 3/3' 30
	ok $? "the dashboard shows running 3/3"
	keys A
	wait_for 'Add to local how many engines\? 2' 10
	ok $? "A asks for the number of engines, as S"
	keys C-u 1 Enter
	wait_for 'running 4/4' 60
	ok $? "A adds a set: running 4/4"
	record_pids local
	is "$(js '[s["set"] for s in c["sets"]]')" "[0, 2, 3]" "the dashboard's set is set 3"
	wait_for 'set 3: ids [0-9]+ of 1 engine' 10
	ok $? "the engines pane lists the sets with their ids"
	like "$scr" 'set 0: ids [0-9]+,[0-9]+ of 2 engines' "set 0 there too"
	keys q
	wait_for 'rc=0' 10
	dash_close
else
	diag "tmux is not installed: the dashboard part is not run"
fi

# S on a profile with renew_before starts its watch, as start does; the
# dashboard then leaves the renewal to it, and stop ends it.
printf '%s\n' "backend: local" "engines: 1" "renew_before: 90s" >"$profiles/lr.yaml"
if command -v tmux >/dev/null; then
	pane_open 100 30
	dash_start lr
	wait_for 'lr +local +1 +stopped' 30
	keys S
	wait_for 'Start lr with how many engines\? 1' 10
	keys Enter
	wait_for 'lr +local +1 +running 1/1' 60
	ok $? "the dashboard's S starts lr"
	record_pids lr
	wpid=
	for ((i = 0; i < 50; i++)); do
		wpid=$(jq -r .pid "$XDG_STATE_HOME/hpctop/clusters/lr/watch.json" 2>/dev/null) && break
		sleep 0.1
	done
	ok "$(alive "$wpid"; echo $?)" "... and its watch (pid $wpid)"
	echo "$wpid" >>"$pids"
	keys q
	wait_for 'rc=0' 10
	dash_close
	run "$HPCTOP" status lr
	like "$out" "renewal: hpctop watch, pid $wpid" "status names the dashboard's watch"
	run "$HPCTOP" stop lr
	is "$rc" 0 "stop lr"
	ok "$(! alive "$wpid"; echo $?)" "stop ended its watch"
else
	diag "tmux is not installed: the dashboard's watch is not tried"
fi

dir=$XDG_STATE_HOME/hpctop/clusters/local
run "$HPCTOP" stop local
is "$rc" 0 "stop"
is "$(marked "$dir" all | wc -l)" 0 "stop leaves no process"
done_testing
