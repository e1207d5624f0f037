#!/usr/bin/env bash
# The local backend end to end: start/status/stop/logs/script, a killed
# engine shown as lost, re-attach from a new hpctop (also after SIGHUP), and
# bad input (missing command, a controller that exits at once).
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
isolate
# cleanup (tests/cluster.sh) kills only what this test started, by recorded
# pid (each leads a session).
trap cleanup EXIT

# script: exactly what start runs, values quoted.
run "$HPCTOP" script local -n 3
is "$rc" 0 "script exits 0"
is "$(grep -c '^setsid ipengine --profile=local' <<<"$out")" 3 "script: 3 engines"
like "$out" "setsid ipcontroller --profile=local --ip=127.0.0.1 --HeartMonitor.period=[0-9]+ " \
	"script: the controller line"
like "$out" ">>$XDG_STATE_HOME/hpctop/clusters/local/logs/controller.log 2>&1 &" \
	"script: output goes to a log in the state dir"
run "$HPCTOP" script --help
like "$out" "^Usage: hpctop script" "script --help"
run "$HPCTOP" start local -n 0
is "$rc" 2 "start -n 0 is a usage error"

# start -n 3 --wait.
run "$HPCTOP" start local -n 3 --wait=240
is "$rc" 0 "start local -n 3 --wait exits 0"
record_pids local
like "$out" "engines 3/3 registered in" "start --wait reports 3/3"
like "$out" "waiting for engines: [0-9]/3" "start --wait prints progress"
[ "$rc" -eq 0 ] || diag_fail "$err" "$("$HPCTOP" logs local 2>&1 | tail -30)"

run "$HPCTOP" start local -n 3
is "$rc" 1 "starting a running profile fails"
like "$err" "cluster 'local' is already running" "and says so"

run "$HPCTOP" status
is "$rc" 0 "status exits 0"
like "$out" "^local +backend local +running +engines 3/3" "status: engines 3/3"
is "$(grep -c ' ipengine\.[0-9] \+R ' <<<"$out")" 3 "status: 3 engine rows in state R"
like "$out" "ipcontroller +R " "status: controller row"

run "$HPCTOP" profiles
like "$out" $'\nlocal +local +[0-9]+ +running 3/3 ' "profiles: STATE shows running 3/3"

run "$HPCTOP" status local --json
is "$(/usr/bin/python3 -c 'import json,sys; c=json.load(sys.stdin)[0]; print(c["engines_registered"], c["engines_requested"], len(c["procs"]), all(p["pid"] > 0 for p in c["procs"]))' <<<"$out")" \
	"3 3 4 True" "status --json: counts and pids"
conn=$IPYTHONDIR/profile_local/security/ipcontroller-client.json
ok "$([ -f "$conn" ]; echo $?)" "connection file where Client(profile='local') looks"
is "$(stat -c %a "$XDG_STATE_HOME/hpctop/clusters/local/cluster.json")" 600 "record is mode 0600"

# A client attaches to the very cluster hpctop started.
run /usr/bin/python3 -c "
import ipyparallel as ipp
rc = ipp.Client(profile='local', timeout=60)
print(sorted(rc.ids)); rc.close()"
is "$out" "[0, 1, 2]" "ipyparallel.Client(profile='local') sees engines 0-2"

run "$HPCTOP" logs local --controller
like "$out" "ipcontroller|IPController|Hub" "logs --controller prints the controller's log"
run "$HPCTOP" logs local --engine 1
like "$out" "Completed registration|Starting to monitor|registration" "logs --engine 1"
run "$HPCTOP" logs local --engine 9
is "$rc" 1 "logs for an engine that does not exist fails"

# kill -9 one engine: 2/3 and the loss.
victim=$("$HPCTOP" status local --json | /usr/bin/python3 -c 'import json,sys; print([p["pid"] for p in json.load(sys.stdin)[0]["procs"] if p["name"] == "ipengine.1"][0])')
kill -KILL "$victim"
two_of_three() { "$HPCTOP" status local 2>/dev/null | grep -q 'engines 2/3'; }
wait_until 60 two_of_three
ok $? "after kill -9 of one engine, status shows engines 2/3"
run "$HPCTOP" status local
like "$out" "lost 1 \(id [0-9]\)" "status shows the lost engine"
like "$out" "ipengine\.1 +C " "the killed engine's row is C"
run "$HPCTOP" status local --json
is "$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["lost_ids"]))' <<<"$out")" 1 "--json lost_ids"

# stop: nothing left behind, connection files removed.
mapfile -t started <"$pids"
run "$HPCTOP" stop local
is "$rc" 0 "stop exits 0"
[ "$rc" -eq 0 ] || diag_fail "$err"
is "$(session_left "${started[@]}")" 0 "stop leaves no process behind"
ok "$([ ! -e "$conn" ]; echo $?)" "stop removes the connection file"
run "$HPCTOP" status
like "$out" "^no clusters" "status after stop: no clusters"
run "$HPCTOP" stop local
is "$rc" 1 "stopping a stopped cluster fails"
like "$err" "no cluster 'local'" "and says so"

# Re-attach: hpctop ends (here by SIGHUP, as when SSH drops) while waiting;
# a new hpctop finds the cluster running and stops it.
: >"$pids"
setsid "$HPCTOP" start local -n 2 --wait=240 >"$tmp/start.out" 2>&1 &
starter=$!
has_record() { [ -f "$XDG_STATE_HOME/hpctop/clusters/local/cluster.json" ]; }
wait_until 60 has_record
sleep 1
# The group's redirection keeps bash's "Hangup" job report off stderr.
{ kill -HUP "$starter"; wait "$starter"; } 2>/dev/null
record_pids local
two_up() { "$HPCTOP" status local 2>/dev/null | grep -q 'engines 2/2'; }
wait_until 240 two_up
ok $? "after hpctop got SIGHUP, a new hpctop sees the cluster running with 2/2"
run "$HPCTOP" status local
like "$out" "running" "re-attached: state running"
mapfile -t started <"$pids"
run "$HPCTOP" stop local
is "$rc" 0 "the new hpctop stops it"
is "$(session_left "${started[@]}")" 0 "nothing left after stop"

# A record whose processes are gone: shown as such, cleared by stop.
: >"$pids"
run "$HPCTOP" start local -n 1
is "$rc" 0 "start without --wait"
record_pids local
mapfile -t started <"$pids"
for p in "${started[@]}"; do
	for q in $(ps -eo pid=,sid= | awk -v s="$p" '$2 == s {print $1}'); do
		kill -KILL "$q"
	done
done
gone() { "$HPCTOP" status local 2>/dev/null | grep -q 'backend local  gone'; }
wait_until 30 gone
ok $? "a record whose processes died shows as gone"
run "$HPCTOP" status local
like "$out" "processes are gone; 'hpctop stop local' clears" "and says how to clear it"
run "$HPCTOP" stop local
is "$rc" 0 "stop clears the dead record"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/local" ]; echo $?)" "record removed"

# Bad input: a command that does not exist.
cat >"$profiles/nocmd.yaml" <<'YAML'
backend: local
engines: 1
controller:
  command: [hpctop-no-such-controller]
YAML
run "$HPCTOP" start nocmd --wait=30
is "$rc" 1 "a missing controller command fails"
like "$err" "controller: command 'hpctop-no-such-controller' not found on PATH" \
	"and names the command"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/nocmd" ]; echo $?)" "no record left"

cat >"$profiles/noeng.yaml" <<'YAML'
backend: local
engines: 1
engine:
  command: [/nonexistent/ipengine]
YAML
run "$HPCTOP" start noeng
is "$rc" 1 "a missing engine command fails"
like "$err" "engine: command '/nonexistent/ipengine' not found" "and names it"

# A controller that exits at once: its log tail, nothing left behind.
cat >"$profiles/dies.yaml" <<'YAML'
backend: local
engines: 2
controller:
  command: [sh, -c, "echo controller boom: bad config >&2; exit 3", sh]
YAML
run "$HPCTOP" start dies --wait=120
is "$rc" 1 "a controller that exits at once fails start --wait"
like "$err" "the controller exited" "says the controller exited"
like "$err" "controller boom: bad config" "shows the tail of its log"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/dies" ]; echo $?)" "its record is removed"
left=$(ps -eo pid=,args= | grep -c "[p]rofile=dies")
is "$left" 0 "no engine of it is left running"

run "$HPCTOP" start nosuchprofile
is "$rc" 1 "unknown profile fails"

done_testing
