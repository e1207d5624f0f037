#!/usr/bin/env bash
# A cluster's life when things race or rot: two starts at once (exactly one
# wins), recorded pids reused by unrelated processes (never signalled),
# empty and garbled records (stop --force still finds and ends everything),
# and far more local engines than cores (refused without --force).
. "$(dirname "$0")/tap.sh"

[ -x /usr/bin/ipcontroller ] || skip_all "ipyparallel is not installed"

. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
isolate
# cleanup (tests/cluster.sh) kills only what this test started, by pid: the
# sessions of recorded pids and the sleeps it started itself.
trap cleanup EXIT
dir=$XDG_STATE_HOME/hpctop/clusters/local
record=$dir/cluster.json

client_ids() {	# the engine ids ipyparallel.Client sees on profile local
	/usr/bin/python3 -c "
import ipyparallel as ipp
rc = ipp.Client(profile='local', timeout=60)
print(sorted(rc.ids)); rc.close()" 2>/dev/null
}

# 1. Two starts of one profile at the same moment: exactly one wins.
for mode in plain wait; do
	opt=; [ "$mode" = wait ] && opt=--wait=240
	"$HPCTOP" start local -n 2 $opt >"$tmp/a.out" 2>"$tmp/a.err" & a=$!
	"$HPCTOP" start local -n 2 $opt >"$tmp/b.out" 2>"$tmp/b.err" & b=$!
	wait "$a"; ra=$?
	wait "$b"; rb=$?
	record_pids local
	marked "$dir" all >>"$pids"
	is "$(( (ra == 0) + (rb == 0) ))" 1 "$mode: of two starts at once exactly one succeeds ($ra, $rb)"
	if [ "$ra" -eq 0 ]; then loser=$tmp/b.err; else loser=$tmp/a.err; fi
	like "$(cat "$loser")" "cluster 'local' is (starting|already running)" \
		"$mode: the other says the cluster is starting or running"
	two_up() { "$HPCTOP" status local 2>/dev/null | grep -q 'engines 2/2'; }
	wait_until 240 two_up
	ok $? "$mode: the winner's cluster reaches 2/2"
	is "$(client_ids)" "[0, 1]" "$mode: exactly 2 engines registered with the Hub"
	is "$(jq '.procs | length' "$record")" 3 "$mode: the record holds 1 controller and 2 engines"
	is "$(marked "$dir" | tr '\n' ' ')" "$(jq -r '.procs[].pid' "$record" | sort -un | tr '\n' ' ')" \
		"$mode: the sessions that run for the cluster are exactly the recorded ones"
	mapfile -t started < <(jq -r '.procs[].pid' "$record")
	run "$HPCTOP" stop local
	is "$rc" 0 "$mode: stop exits 0"
	is "$(session_left "${started[@]}")" 0 "$mode: stop leaves no process of the recorded sessions"
	is "$(marked "$dir" all | wc -l)" 0 "$mode: and no process marked as the cluster's"
done

# Ten more rounds, with processes that only sleep (cheap): every time
# exactly one of two starts wins, and its record holds all it started.
sleepy_profile sleepy 2
sdir=$XDG_STATE_HOME/hpctop/clusters/sleepy
wins=0 exact=0
for round in 1 2 3 4 5 6 7 8 9 10; do
	"$HPCTOP" start sleepy >/dev/null 2>&1 & a=$!
	"$HPCTOP" start sleepy >/dev/null 2>&1 & b=$!
	wait "$a"; ra=$?
	wait "$b"; rb=$?
	marked "$sdir" all >>"$pids"
	[ $(( (ra == 0) + (rb == 0) )) -eq 1 ] && wins=$((wins + 1))
	[ "$(marked "$sdir" | tr '\n' ' ')" = "$(jq -r '.procs[].pid' "$sdir/cluster.json" | sort -un | tr '\n' ' ')" ] &&
		exact=$((exact + 1))
	"$HPCTOP" stop sleepy >/dev/null 2>&1
done
is "$wins" 10 "10 rounds: exactly one start won each time"
is "$exact" 10 "10 rounds: the record held exactly what ran each time"
is "$(marked "$sdir" all | wc -l)" 0 "10 rounds: nothing left"

# A stop while another hpctop holds the cluster's lock is refused, and the
# lock file names who holds it.
"$HPCTOP" start local -n 1 >/dev/null 2>&1
record_pids local
exec 9<>"$XDG_STATE_HOME/hpctop/clusters/.local.lock"
flock -n 9 && echo "$$ starting" >&9
run "$HPCTOP" stop local
is "$rc" 1 "stop while another holds the lock fails"
like "$err" "cluster 'local' is starting \(hpctop pid $$ holds" "and says who is starting it"
exec 9>&-
run "$HPCTOP" stop local
is "$rc" 0 "stop once the lock is free"

# 2. pid reuse: a record whose pids now belong to unrelated session
# leaders (as after a reboot or a pid wrap).
run "$HPCTOP" start local -n 1 --wait=240
is "$rc" 0 "start local -n 1"
record_pids local
cp "$record" "$tmp/rec.json"
run "$HPCTOP" stop local
is "$rc" 0 "stop it; its record is kept aside"
setsid sleep 300 & s1=$!
setsid sleep 300 & s2=$!
echo "$s1" >>"$pids"; echo "$s2" >>"$pids"
sleep 0.3
is "$(ps -o sid= -p "$s1" | tr -d ' ')" "$s1" "the unrelated sleep leads its own session"
forge() {	# forge JQ-FILTER: the kept record with pids $s1, $s2, edited
	# (without the ipyparallel cluster file its stop removed, which would
	# read as stopped through ipyparallel: core/ippcluster.h)
	mkdir -p "$dir/logs"
	jq --argjson a "$s1" --argjson b "$s2" \
		'.procs[0].pid = $a | .procs[1].pid = $b | del(.meta.ipp_cluster_file) | '"$1" "$tmp/rec.json" >"$record"
}
check_reuse() {	# check_reuse WHAT: status shows gone, stop kills nothing
	run "$HPCTOP" status local
	like "$out" "backend local  gone" "$1: status shows the cluster as gone"
	like "$out" "ipcontroller +C " "$1: the controller row is C, not R"
	run "$HPCTOP" stop local
	is "$rc" 0 "$1: stop clears the record"
	ok "$(kill -0 "$s1" && kill -0 "$s2"; echo $?)" "$1: stop did not kill the processes now holding the pids"
	ok "$([ ! -e "$dir" ]; echo $?)" "$1: record removed"
}
forge .
check_reuse "start times differ"
st1=$(sed 's/.*) //' "/proc/$s1/stat" | awk '{print $20}')
st2=$(sed 's/.*) //' "/proc/$s2/stat" | awk '{print $20}')
forge ".procs[0].start_time = $st1 | .procs[1].start_time = $st2 | .boot_id = \"0-other-boot\""
check_reuse "another boot"
forge 'del(.boot_id) | .procs[] |= del(.start_time)'
check_reuse "an older record without start times"
kill "$s1" "$s2"

# 3. Corrupt records of a running cluster: stop refuses and says what it
# found, start points at stop --force, which ends everything.
for kind in empty garbled; do
	run "$HPCTOP" start local -n 2 --wait=240
	is "$rc" 0 "$kind: start local -n 2"
	[ "$rc" -eq 0 ] || diag "$err"
	record_pids local
	mapfile -t started < <(jq -r '.procs[].pid' "$record")
	before=$(session_left "${started[@]}")
	if [ "$kind" = empty ]; then : >"$record"; else
		printf '{"version": 1, "name": "local", "procs": [{"pid": ' >"$record"
	fi
	run "$HPCTOP" status
	like "$out" "^local  unreadable record: $record" "$kind: status lists it as unreadable, with the file"
	run "$HPCTOP" status --json
	is "$(jq -r '.[0].state' <<<"$out")" unreadable "$kind: status --json state unreadable"
	run "$HPCTOP" stop local
	is "$rc" 1 "$kind: stop fails"
	like "$err" "the record of 'local' cannot be read; processes marked as its own: .*ipcontroller \(session ${started[0]}\)" \
		"$kind: and says what it found"
	like "$err" "'hpctop stop --force local'" "$kind: and points at stop --force"
	is "$(session_left "${started[@]}")" "$before" "$kind: nothing was stopped yet"
	run "$HPCTOP" start local -n 1
	is "$rc" 1 "$kind: start refuses"
	like "$err" "cannot be read; 'hpctop stop --force local' stops what belongs to it" \
		"$kind: and points at stop --force"
	run "$HPCTOP" stop --force local
	is "$rc" 0 "$kind: stop --force exits 0"
	like "$out" "stopped 'local' without its record: ended .*ipengine" "$kind: and says what it did"
	is "$(session_left "${started[@]}")" 0 "$kind: every process of the cluster is gone"
	is "$(marked "$dir" all | wc -l)" 0 "$kind: nothing marked as the cluster's is left"
	ok "$([ ! -e "$dir" ]; echo $?)" "$kind: the record is removed"
	ok "$([ ! -e "$IPYTHONDIR/profile_local/security/ipcontroller-client.json" ]; echo $?)" \
		"$kind: and so is the connection file, even if the controller had no time to"
done
# mpi: mpiexec and its ranks carry the mark too.
mdir=$XDG_STATE_HOME/hpctop/clusters/mpi
run "$HPCTOP" start mpi -n 2 --wait=300
is "$rc" 0 "mpi: start mpi -n 2"
record_pids mpi
marked "$mdir" all >>"$pids"
mapfile -t started < <(jq -r '.procs[].pid' "$mdir/cluster.json")
: >"$mdir/cluster.json"
run "$HPCTOP" stop --force mpi
is "$rc" 0 "mpi: stop --force of an empty record exits 0"
like "$out" "stopped 'mpi' without its record: ended .*mpiexec" "mpi: it ended mpiexec"
is "$(session_left "${started[@]}")" 0 "mpi: every recorded session is gone"
is "$(marked "$mdir" all | wc -l)" 0 "mpi: no rank or engine is left"

run "$HPCTOP" start local -n 1 --wait=240
is "$rc" 0 "start works again afterwards"
[ "$rc" -eq 0 ] || diag "$err"
record_pids local
run "$HPCTOP" stop local
is "$rc" 0 "and stop"

# 12. Far more local engines than cores: refused without --force, saying
# how many processes that is.
cores=$(nproc)
many=$((4 * cores + 1))
run "$HPCTOP" start local -n 100000
is "$rc" 1 "start -n 100000 without --force fails"
like "$err" "100000 engines on backend local are 200000 processes on this machine \(each engine and its nanny\), which has $cores core" \
	"and says how many processes that means"
like "$err" "'hpctop start --force' starts them anyway" "and how to insist"
ok "$([ ! -e "$dir" ]; echo $?)" "no record is written"
is "$(marked "$dir" all | wc -l)" 0 "no process is started"
printf 'backend: local\nengines: 100000\n' >"$profiles/huge.yaml"
run "$HPCTOP" start huge
is "$rc" 1 "a profile asking for 100000 engines fails the same way"
like "$err" "100000 engines on backend local are 200000 processes" "and says so"
# --force with engines that only sleep, so the machine is not loaded.
sleepy_profile many 1
run "$HPCTOP" start many -n "$many"
is "$rc" 1 "$many engines on $cores cores need --force"
like "$err" "$many engines on backend local are $((2 * many)) processes" "with the count"
# On a terminal it asks instead (script(1) gives it one).
if command -v script >/dev/null; then
	out=$(echo n | script -qec "$HPCTOP start many -n $many" /dev/null); rc=$?
	is "$rc" 1 "on a terminal, n refuses"
	like "$out" "Start anyway\? \[y/N\] .*not started" "after asking"
	ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/many" ]; echo $?)" "nothing is started"
	out=$(echo y | script -qec "$HPCTOP start many -n $many" /dev/null); rc=$?
	is "$rc" 0 "on a terminal, y starts them"
	record_pids many
	run "$HPCTOP" stop many
	is "$rc" 0 "stop many"
fi
run "$HPCTOP" start many -n "$many" --force
is "$rc" 0 "--force starts them"
record_pids many
is "$(marked "$XDG_STATE_HOME/hpctop/clusters/many" | wc -l)" "$((many + 1))" "all $many engines and the controller run"
mapfile -t started < <(jq -r '.procs[].pid' "$XDG_STATE_HOME/hpctop/clusters/many/cluster.json")
run "$HPCTOP" stop many
is "$rc" 0 "stop many"
is "$(session_left "${started[@]}")" 0 "nothing left"
is "$(marked "$XDG_STATE_HOME/hpctop/clusters/many" all | wc -l)" 0 "nothing marked left"
run "$HPCTOP" start many -n "$((4 * cores))"
is "$rc" 0 "4 engines per core start without asking"
record_pids many
run "$HPCTOP" stop many
is "$rc" 0 "stop many"

done_testing
