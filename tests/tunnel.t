#!/usr/bin/env bash
# hpctop tunnel: the command line, what is refused (a cluster on this
# machine, none at all), and the records of tunnel processes: --list shows
# them, --stop ends a live one by pid only after checking its start time,
# and clears a stale one with the file it names (only when a tunnel wrote
# it). Over SSH (a test sshd on loopback, tests/sshd.sh, in front of the
# test Slurm): a slurm cluster with `host:` that sshd, `hpctop tunnel`,
# then a real ipyparallel.Client(profile=...) with an IPython dir of its
# own (the "laptop") runs a psum over every engine; the key in no output;
# the sshd's per-connection child killed mid-tunnel: the tunnel
# reconnects and a new Client works; --background and --stop leave no
# process and no file; the dashboard keeps a tunnel up and says so.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"
. "$(dirname "$0")/tmux.sh"
# Processes this test started itself (by session id), then batchenv's.
trap 'kill_sessions $(cat "$pids" 2>/dev/null); batch_cleanup' EXIT
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

# ---- over SSH ----
if [ ! -e "$HPCTOP_SRCDIR/tests/sshd.sh" ]; then
	ok 0 "# SKIP over SSH: no tests/sshd.sh (the libssh host) in this tree"
	done_testing
	exit
fi
. "$HPCTOP_SRCDIR/tests/sshd.sh"	# keeps the EXIT trap above
# The "remote" home: what sshd's sessions see as $HOME (the cluster's files
# go there), and the test Slurm's config for the commands run through it.
rhome=$tmp/remote-home
mkdir -p "$rhome"
sshd_start -o "SetEnv=HOME=$rhome SLURM_CONF=$SLURM_CONF" ||
	{ done_testing; exit 1; }
export HPCTOP_SSH_CONFIG=$SSHD_SSH_CONFIG
batch_profile tunp slurm "host: $SSHD_HOST"
batch_start_ok tunp 2
remote=$rhome/.ipython/profile_tunp/security/ipcontroller-client.json
# The laptop's own IPython dir: nothing of the cluster's is there.
export IPYTHONDIR=$tmp/laptop-ipython
local_file=$IPYTHONDIR/profile_tunp/security/ipcontroller-client.json
key=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$remote")
like "$key" '^[0-9a-f-]{20,}$' "the controller wrote its client file on the host"

# psum over every engine through the tunnel, as a notebook here runs it.
psum() {
	timeout 120 /usr/bin/python3 - <<'PY'
import ipyparallel as ipp
rc = ipp.Client(profile='tunp', timeout=30)
rc.wait_for_engines(2, timeout=60)
dv = rc[:]
dv.scatter('x', list(range(32)), block=True)
dv.execute('s = float(sum(x))', block=True)
print(sum(dv.pull('s', block=True)), len(rc.ids))
rc.close()
PY
}
tunnel_up() {	# tunnel_up OUTFILE: until the tunnel said it is up
	wait_until 60 grep -q ' up: ' "$1"
}

"$HPCTOP" tunnel tunp >"$tmp/fg.out" 2>"$tmp/fg.err" &
fg=$!
echo "$fg" >>"$pids"
tunnel_up "$tmp/fg.out"
ok $? "tunnel tunp comes up"
is "$(cat "$tmp/fg.out")" "tunnel for tunp up: 7 ports on 127.0.0.1; ipyparallel.Client(profile='tunp')" \
	"it says so in one line"
[ -s "$tmp/fg.err" ] && diag_fail "$(cat "$tmp/fg.err")"
is "$(stat -c %a "$local_file" 2>&1)" 600 "the rewritten file is mode 0600"
is "$(/usr/bin/python3 - "$remote" "$local_file" <<'PY'
import json, sys
r, l = (json.load(open(p)) for p in sys.argv[1:])
ports = ["registration", "control", "mux", "task", "iopub", "notification", "broadcast"]
print(l["interface"], l["location"], repr(l["ssh"]), l["key"] == r["key"],
      all(l[k] != r[k] for k in ports), len({l[k] for k in ports}),
      all(l[k] == r[k] for k in r if k not in ports + ["interface", "location"]))
PY
)" "tcp://127.0.0.1 127.0.0.1 '' True True 7 True" \
	"rewritten: 7 local ports, 127.0.0.1, no ssh, key and the rest kept"
listening=$(ss -Htlnp | grep "pid=$fg," | awk '{print $4}' | sort -u | tr '\n' ' ')
like "$listening" '^(127\.0\.0\.1:[0-9]+ ){7}$' "the tunnel listens on 7 ports of 127.0.0.1 only"
run psum
is "$out" "496.0 2" "Client(profile='tunp') here: psum over both engines"
[ "$rc" = 0 ] || diag_fail "$err"
is "$(ss -Htn state established "dport = :$SSHD_PORT" | wc -l)" 1 \
	"one TCP connection to the sshd carries it all"
run "$HPCTOP" tunnel tunp
is "$rc" 1 "a second tunnel for tunp is refused"
like "$err" "a tunnel for 'tunp' is up already \(foreground, pid $fg\)" "saying whose it is"

# The session's sshd child killed: the tunnel reconnects.
children=$(ps -o pid= --ppid "$SSHD_PID" | tr '\n' ' ')
like "$children" '[0-9]' "sshd has a per-connection child for the session"
kill $children
run psum
is "$out" "496.0 2" "after the session was killed, a new Client works through the tunnel"
[ "$rc" = 0 ] || diag_fail "$err" "$(cat "$tmp/fg.err")"
ok "$(alive "$fg"; echo $?)" "the tunnel process lived through it"

kill -INT "$fg"
wait "$fg"
is "$?" 0 "SIGINT ends the tunnel with status 0"
ok "$([ ! -e "$local_file" ] && [ ! -e "$tundir/tunp.json" ]; echo $?)" \
	"and removes the rewritten file and the record"
ok "$([ -e "$remote" ]; echo $?)" "the controller's own file is untouched"

# --background, then --stop.
run "$HPCTOP" tunnel tunp --background
is "$rc" 0 "tunnel tunp --background"
is "$out" "tunnel for tunp up: 7 ports on 127.0.0.1; ipyparallel.Client(profile='tunp')" \
	"says it is up, then returns"
bg=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$tundir/tunp.json" 2>/dev/null)
bgsid=$(ps -o sid= -p "$bg" | tr -d ' ')
echo "$bgsid" >>"$pids"
ok "$(alive "$bg"; echo $?)" "the background tunnel runs (pid $bg)"
ok "$([ -n "$bgsid" ] && [ "$bgsid" != "$(ps -o sid= -p $$ | tr -d ' ')" ]; echo $?)" \
	"in a session of its own"
run psum
is "$out" "496.0 2" "psum through the background tunnel"
run "$HPCTOP" tunnel --list
like "$out" $'\ntunp +sshtest +'"$bg"' +background +up +[0-9]+(,[0-9]+){6}$' "--list shows it up with its ports"
run "$HPCTOP" tunnel --stop tunp
is "$rc.$out" "0.tunnel for tunp stopped (pid $bg)" "--stop tunp"
ok "$(! alive "$bg" && [ ! -e "$local_file" ] && [ ! -e "$tundir/tunp.json" ]; echo $?)" \
	"no process, no file, no record left"

# The dashboard keeps one up for the cluster it shows.
pane_open 200 40 HPCTOP_SSH_CONFIG="$HPCTOP_SSH_CONFIG" IPYTHONDIR="$IPYTHONDIR"
dash_start tunp
wait_for "tunp: tunnel for tunp up: 7 ports on 127.0.0.1; ipyparallel.Client\(profile='tunp'\)" 60
ok $? "the dashboard keeps a tunnel up and says so in the status line"
[ $? = 0 ] || diag_fail "$scr" "$(cat "$tmp/dash.err")"
run psum
is "$out" "496.0 2" "psum through the dashboard's tunnel"
run "$HPCTOP" tunnel --stop tunp
is "$rc" 1 "--stop leaves the dashboard's tunnel"
like "$err" "the tunnel for 'tunp' is the dashboard's \(pid [0-9]+\)" "saying so"
keys q
wait_for 'rc=0' 30
ok $? "the dashboard quits"
ok "$([ ! -e "$local_file" ] && [ ! -e "$tundir/tunp.json" ]; echo $?)" \
	"its tunnel's file and record went with it"
# A background tunnel of that profile is left alone.
run "$HPCTOP" tunnel tunp --background
is "$rc" 0 "a background tunnel again" || diag_fail "$err" "$(tail -20 "$SSHD_LOG")"
bg=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$tundir/tunp.json" 2>/dev/null)
ps -o sid= -p "$bg" >>"$pids"
dash_start tunp
wait_for "tunp: tunnel: background \(pid $bg\)" 60
ok $? "the dashboard leaves a background tunnel alone, naming it"
keys q
wait_for 'rc=0' 30
ok "$(alive "$bg" && [ -e "$local_file" ]; echo $?)" "the background tunnel outlives the dashboard"
run "$HPCTOP" tunnel --stop
is "$rc" 0 "--stop (every tunnel)"
dash_close

run "$HPCTOP" tunnel --list --json
is "$(cat "$tmp"/fg.out "$tmp"/fg.err "$tundir"/*.log "$tmp/dash.err" <(echo "$out$err") |
	grep -cF "$key")" 0 "the key is in no output or log"

run "$HPCTOP" stop tunp
is "$rc" 0 "stop tunp"
is "$(batch_slurm_live $ids)" "" "no job of tunp left"

done_testing
