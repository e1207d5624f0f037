#!/usr/bin/env bash
# The dashboard driving a real local cluster: S starts it (2/2 engines, a
# job row in state R), P runs code on both engines, X stops it.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"
. "$(dirname "$0")/cluster.sh"

command -v tmux >/dev/null || skip_all "tmux is not installed"
[ -x /usr/bin/ipcontroller ] || skip_all "ipyparallel is not installed"

tmp=$(mktemp -d)
isolate
trap cleanup EXIT
record=$XDG_STATE_HOME/hpctop/clusters/local/cluster.json

pane_open 80 24
dash_start local
wait_for 'F10 Quit' 20
ok $? "the dashboard opens"
like "$scr" ' local +local +2 +stopped' "local is stopped"

keys S
wait_for 'engines\? 2'
keys C-u 2 Enter
wait_for 'running 2/2' 60
ok $? "S starts local and the engines reach 2/2"
wait_for $'\n'' *[0-9]+ +ip[a-z.0-9]* .* R ' 30
ok $? "a job row in state R"
[ -s "$record" ]
ok $? "the cluster record is written"
h=$(hostname | cut -c1-10)
wait_for "  0 $h[^ ]* +registered" 30
ok $? "engine 0: its host and registered"
like "$scr" "  1 $h[^ ]* +registered" "engine 1: its host and registered"

keys P
wait_for 'Enter Run'
keys 'print(6*7)' Enter
wait_for '\[stdout:1\] 42' 60
ok $? "px output arrives"
like "$scr" '\[stdout:0\] 42' "engine 0 printed 42"
like "$scr" '\[stdout:1\] 42' "engine 1 printed 42"
keys '6*7' Enter
wait_for '\[1:execute_result\] 42' 60
ok $? "an expression's value, per engine"
like "$scr" '\[0:execute_result\] 42' "... from engine 0 too"
keys '1/0' Enter
wait_for $'\n ZeroDivisionError: division by zero' 60
ok $? "an exception shows as the engine's error"
keys 'import time; time.sleep(3)' Enter
wait_for "  1 $h[^ ]* +busy" 10
ok $? "engines running px code are busy"
wait_for "  1 $h[^ ]* +registered" 30
ok $? "... and registered again when it finished"
keys Escape
wait_for 'F10 Quit'

keys X
wait_for 'y/n'
keys y
wait_for ' local +local +2 +stopped' 60
ok $? "X, y stops the cluster" || diag_fail "$scr"
[ ! -e "$record" ]
ok $? "the record is removed"

keys q
wait_for 'rc=[0-9]+' 20
like "$scr" 'rc=0' "q exits 0"
is "$(cat "$tmp/dash.err")" "" "nothing on stderr"

# Re-attach: a cluster started from the command line shows up in a new
# dashboard, and its logs are there.
run "$HPCTOP" start local -n 2 --wait
is "$rc" 0 "hpctop start local --wait" || diag_fail "$err"
dash_start local
wait_for 'running 2/2' 60
ok $? "a new dashboard finds the running cluster"
keys L
wait_for 'Logs: local' 10
like "$scr" '==> .*clusters/local/logs/controller\.log' "L shows the controller's log"
keys q
wait_for 'F10 Quit'
keys X
wait_for 'y/n'
keys y
wait_for ' local +local +2 +stopped' 60
ok $? "and stops it"
keys q
wait_for 'rc=[0-9]+' 20
like "$scr" 'rc=0' "q exits 0 again"
is "$(cat "$tmp/dash.err")" "" "nothing on stderr again"

done_testing
