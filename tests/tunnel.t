#!/usr/bin/env bash
# hpctop tunnel: the command line, what is refused (a cluster on this
# machine, none at all), and the records of tunnel processes: --list shows
# them, --stop ends a live one by pid only after checking its start time,
# and clears a stale one with the file it names (only when a tunnel wrote
# it). Tunnels over real SSH are in the part after "over SSH".
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
isolate
trap cleanup EXIT
tundir=$XDG_STATE_HOME/hpctop/tunnels

start_time() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $20}'; }
# rec NAME PID START FILE: a tunnel record as a tunnel process writes it.
rec() {
	mkdir -p "$tundir"
	printf '{"name": "%s", "dest": "login1", "pid": %s, "start_time": %s, "mode": "background", "started": 1.5, "file": "%s", "ports": [{"field": "registration", "remote": 36061, "local": 41000}], "log": null}\n' \
		"$1" "$2" "$3" "$4" >"$tundir/$1.json"
}

run "$HPCTOP" tunnel
is "$rc" 2 "tunnel without PROFILE is a usage error"
run "$HPCTOP" tunnel --stop --list
is "$rc" 2 "--stop and --list together: usage error"
like "$err" "go alone" "and says so"
run "$HPCTOP" tunnel x --json
is "$rc" 2 "--json without --list: usage error"
run "$HPCTOP" tunnel --help
like "$out" "^Usage: hpctop tunnel PROFILE \[--background\]" "tunnel --help"
run "$HPCTOP" --help
like "$out" $'tunnel PROFILE \\[--background\\]\n +tunnel a cluster on another host' \
	"hpctop --help lists tunnel"

run "$HPCTOP" tunnel far
is "$rc" 1 "tunnel for a profile with no cluster fails"
like "$err" "no cluster 'far' \(not started, or stopped\)" "and says so"
run "$HPCTOP" tunnel --list
is "$out" "no tunnels" "--list without tunnels"
run "$HPCTOP" tunnel --list --json
is "$out" "[]" "--list --json without tunnels"
run "$HPCTOP" tunnel --stop
is "$rc.$out" "0.no tunnels" "--stop without tunnels"
run "$HPCTOP" tunnel --stop far
is "$rc" 1 "--stop PROFILE without its tunnel fails"
like "$err" "no tunnel for 'far'" "and says so"

# A cluster on this machine: refused, nothing written, nothing left.
sleepy_profile far 1
run "$HPCTOP" start far
is "$rc" 0 "start far (a local cluster)"
record_pids far
conn=$IPYTHONDIR/profile_far/security/ipcontroller-client.json
for bg in "" --background; do
	run "$HPCTOP" tunnel far $bg
	is "$rc" 1 "tunnel far $bg: refused for a cluster on this machine"
	like "$err" "cluster 'far' runs on this machine: ipyparallel.Client\(profile='far'\) attaches directly, no tunnel needed" \
		"tunnel far $bg: says Client(profile=...) attaches directly"
	ok "$([ ! -e "$tundir/far.json" ] && [ ! -e "$conn" ]; echo $?)" \
		"tunnel far $bg: no record, no connection file written"
done
is "$(ps -eo args= | grep -c '[t]unnel far --background')" 0 \
	"the refused background tunnel left no process"

# A stale record (its pid gone) is listed as such and cleared with the file
# it names, as long as a tunnel wrote that file.
sh -c 'exit 0' &
dead=$!
wait "$dead"
mkdir -p "$IPYTHONDIR/profile_old/security" "$IPYTHONDIR/profile_mine/security"
oldf=$IPYTHONDIR/profile_old/security/ipcontroller-client.json
minef=$IPYTHONDIR/profile_mine/security/ipcontroller-client.json
echo '{"hpctop_tunnel": "login1", "registration": 41000}' >"$oldf"
echo '{"registration": 41000}' >"$minef"
rec old "$dead" 12345 "$oldf"
rec mine "$dead" 12345 "$minef"
run "$HPCTOP" tunnel --list
like "$out" $'\nold +login1 +[0-9]+ +background +stale +41000' "--list: a stale record"
run "$HPCTOP" tunnel --list --json
is "$(/usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print([(t["name"], t["up"], t["ports"][0]["local"]) for t in r])' <<<"$out")" \
	"[('mine', False, 41000), ('old', False, 41000)]" "--list --json: name, up, ports"
run "$HPCTOP" tunnel --stop old
is "$rc" 0 "--stop of a stale record succeeds"
like "$out" "tunnel for old was not running \(pid $dead gone\): record cleared" "and says so"
ok "$([ ! -e "$tundir/old.json" ] && [ ! -e "$oldf" ]; echo $?)" \
	"the stale record and the tunnel's file are gone"
run "$HPCTOP" tunnel --stop
ok "$([ ! -e "$tundir/mine.json" ] && [ -e "$minef" ]; echo $?)" \
	"--stop clears every stale record, but not a file no tunnel wrote"

# A live record: refused twice, stopped by pid. A pid whose start time is
# another's is never signalled.
setsid sleep 300 &
holder=$!
echo "$holder" >>"$pids"
rec far "$holder" "$(start_time "$holder")" "$conn"
run "$HPCTOP" tunnel far
is "$rc" 1 "a second tunnel for far is refused"
like "$err" "a tunnel for 'far' is up already \(background, pid $holder\)" "and says whose"
run "$HPCTOP" tunnel --list
like "$out" $'\nfar +login1 +'"$holder"' +background +up' "--list: the live one is up"
rec far "$holder" 1 "$conn"
run "$HPCTOP" tunnel --stop far
like "$out" "was not running" "a reused pid (other start time) is a stale record"
ok "$(alive "$holder"; echo $?)" "and its process was not signalled"
rec far "$holder" "$(start_time "$holder")" "$conn"
run "$HPCTOP" tunnel --stop far
is "$rc" 0 "--stop far"
like "$out" "tunnel for far stopped \(pid $holder\)" "says it stopped it"
wait_until 5 eval '! alive '"$holder"
ok $? "the tunnel process is gone"
ok "$([ ! -e "$tundir/far.json" ]; echo $?)" "and its record"

run "$HPCTOP" stop far
is "$rc" 0 "stop far"

done_testing
