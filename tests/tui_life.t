#!/usr/bin/env bash
# The dashboard's side of findings 3 and 12: S with far more engines than
# cores asks y/n (saying how many processes), and a cluster whose record
# cannot be read shows as unreadable and X still stops all of it. The
# engines here only sleep, so nothing loads the machine.
. "$(dirname "$0")/tap.sh"

command -v tmux >/dev/null || skip_all "tmux is not installed"

. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/tmux.sh"

tmp=$(mktemp -d)
isolate
dir=$XDG_STATE_HOME/hpctop/clusters/many
# cleanup (tests/cluster.sh) kills only what this test started: with this,
# the sessions marked as its cluster's.
at_cleanup() { marked "$dir" all >>"$pids"; }
trap cleanup EXIT

cores=$(nproc)
many=$((4 * cores + 1))
sleepy_profile many "$many"

dash_open 120 30 many
wait_for 'F10 Quit' 20
ok $? "the dashboard opens"

keys S
wait_for "engines\\? $many"
keys Enter
wait_for 'Start anyway\? y/n'
ok $? "S with $many engines on $cores cores asks first"
like "$scr" "$many engines on backend local are $((2 * many)) processes" "saying how many processes"
keys n
wait_for 'start cancelled'
ok $? "n cancels"
ok "$([ ! -e "$dir" ]; echo $?)" "and nothing is started"

keys S
wait_for "engines\\? $many"
keys Enter
wait_for 'Start anyway\? y/n'
keys y
wait_for "starting 0/$many" 30
ok $? "y starts them"
has_all() { [ "$(marked "$dir" all | wc -l)" -eq $((many + 1)) ]; }
for ((i = 0; i < 100; i++)); do has_all && break; sleep 0.1; done
is "$(marked "$dir" all | wc -l)" "$((many + 1))" "the controller and $many engines run"
marked "$dir" all >>"$pids"

# The record goes bad under the running cluster.
printf '{"version": 1, "name": ' >"$dir/cluster.json"
keys C-l
wait_for 'unreadable record' 20
ok $? "the dashboard shows the record as unreadable, not as no cluster"
keys X
wait_for 'y/n'
keys y
wait_for ' many +local +[0-9]+ +stopped' 60
ok $? "X then y stops it"
is "$(marked "$dir" all | wc -l)" 0 "every process of it is gone"
ok "$([ ! -e "$dir" ]; echo $?)" "and the record is removed"

keys F10
T kill-server 2>/dev/null
done_testing
