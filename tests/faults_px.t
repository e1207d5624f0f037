#!/usr/bin/env bash
# px and the controller under faults, on a real local cluster (`hpctop start
# local`): output ipyparallel.Client copes with (a lone surrogate, NUL, an
# exception carrying a surrogate) in the CLI and the dashboard, the
# interrupt (Ctrl-C / the dashboard's key), a connection file that is a FIFO,
# an engine killed mid-px, a dead engine channel (mux), and the controller
# stopped (SIGSTOP) or killed (SIGKILL) under a running px, with and without
# the dashboard open.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"

[ -x /usr/bin/ipcontroller ] || skip_all "ipyparallel is not installed"
command -v tmux >/dev/null || skip_all "tmux is not installed"

. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
isolate
# cleanup (tests/cluster.sh) kills only what this test started: the
# sessions led by the recorded pids, stopped ones resumed first (never by
# name).
trap cleanup EXIT

procs() {	# procs ROLE: pids of the cluster's processes with that role
	"$HPCTOP" status local --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for c in json.load(sys.stdin):
    for p in c["procs"]:
        if p["role"] == sys.argv[1]:
            print(p["pid"])' "$1"
}
session() {	# session PID: every live process (not a zombie) in PID's session
	ps -eo pid=,sid=,stat= | awk -v s="$1" '$2 == s && $3 !~ /^Z/ {print $1}'
}
start_cluster() {
	run "$HPCTOP" start local -n 2 --wait
	is "$rc" 0 "start local -n 2 --wait" || diag_fail "$err"
	procs controller >>"$pids"
	procs engines >>"$pids"
}
# bounded CMD...: runs CMD in the background for at most 60 s (killed by
# its pid after that), with $out/$err/$rc as `run` sets them.
bounded() {
	local p i
	"$@" >"$tmp/o" 2>"$tmp/e" &
	p=$!
	for ((i = 0; i < 600; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p"
	rc=$?
	out=$(tr -d '\0' <"$tmp/o") err=$(cat "$tmp/e")
}

# A background px whose code has started on every engine: each engine
# leaves a mark first, so a fault is injected while the code runs, not
# while px is still connecting (this machine is slow and noisy).
marks=$tmp/marks
px_running() {	# px_running SECONDS CODE: starts px; sets $px
	rm -rf "$marks"
	mkdir -p "$marks"
	"$HPCTOP" px local "import os, time; open('$marks/' + str(os.getpid()), 'w').close(); time.sleep($1); $2" >"$tmp/o" 2>"$tmp/e" &
	px=$!
	for ((i = 0; i < 600; i++)); do
		[ "$(ls "$marks" | wc -l)" -ge 2 ] && return 0
		sleep 0.1
	done
	diag "the px code did not start on both engines"
	return 1
}
px_wait() {	# px_wait: until $px exits (at most 60 s); sets $rc
	for ((i = 0; i < 600; i++)); do kill -0 "$px" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$px" 2>/dev/null
	wait "$px"
	rc=$?
}

start_cluster

# Finding 5, CLI: what the engines send is decoded as Jupyter does, and
# matches ipyparallel.Client on the same cluster byte for byte.
client_stdout() {	# client_stdout CODE: engine 0's stdout via ipyparallel
	/usr/bin/python3 - "$1" <<'EOF'
import sys, ipyparallel as ipp
c = ipp.Client(profile="local")
r = c[0].execute(sys.argv[1], block=False)
r.get(60)
r.wait_for_output(30)
sys.stdout.buffer.write(r.stdout.encode("utf-8", "surrogatepass"))
c.close()
EOF
}
for code in 'print("a\udcffb")' 'print("nul:\x00:end")'; do
	bounded "$HPCTOP" px local -t 0 "$code"
	is "$rc" 0 "px $code exits 0" || diag_fail "$err"
	"$HPCTOP" px local -t 0 "$code" >"$tmp/hp" 2>/dev/null
	client_stdout "$code" >"$tmp/ref"
	printf '[stdout:0] ' | cat - "$tmp/ref" >"$tmp/want"
	cmp -s "$tmp/hp" "$tmp/want"
	same=$?
	ok $same "px $code: the same bytes as ipyparallel.Client"
	[ $same -eq 0 ] || diag_fail "$(od -c "$tmp/hp" | head -3)" "$(od -c "$tmp/want" | head -3)"
done
printf '[stdout:0] a\xef\xbf\xbdb\n' >"$tmp/want"
"$HPCTOP" px local -t 0 'print("a\udcffb")' 2>/dev/null | cmp -s - "$tmp/want"
ok $? "a lone surrogate prints as U+FFFD"
printf '[stdout:0] nul:\0:end\n' >"$tmp/want"
"$HPCTOP" px local -t 0 'print("nul:\x00:end")' 2>/dev/null | cmp -s - "$tmp/want"
ok $? "NUL is kept in the raw output"

bounded "$HPCTOP" px local -t 0 'raise ValueError("bad \udcff")'
is "$rc" 1 "an exception with a surrogate: exit 1, not a hang"
like "$out" $'\[0:execute\] ValueError: bad \xef\xbf\xbd' "... its error is shown, decoded"
unlike "$err" 'timeout|no reply' "... and the reply is not lost"

# The interrupt: Ctrl-C makes the engines raise KeyboardInterrupt.
px_running 60 pass
t0=$SECONDS
kill -INT "$px"
px_wait
is "$rc" 1 "Ctrl-C: px exits 1"
ok "$([ $((SECONDS - t0)) -lt 20 ]; echo $?)" "... within seconds, not after the 60 s sleep"
like "$(cat "$tmp/o")" '\[0:execute\] KeyboardInterrupt' "engine 0 was interrupted"
like "$(cat "$tmp/o")" '\[1:execute\] KeyboardInterrupt' "engine 1 was interrupted"
like "$(cat "$tmp/e")" 'interrupting the code' "px says it interrupts"
bounded "$HPCTOP" px local 'print("after")'
is "$rc" 0 "the engines run code again after the interrupt"

# Finding 7: a FIFO where the connection file should be.
mkdir -p "$IPYTHONDIR/profile_fifo/security"
mkfifo "$IPYTHONDIR/profile_fifo/security/ipcontroller-client.json"
bounded "$HPCTOP" engines fifo
is "$rc" 1 "engines with a FIFO as the connection file: exits 1, no hang"
like "$err" 'ipcontroller-client.json: not a regular file \(a FIFO\)' "... and says why"
bounded "$HPCTOP" px fifo 'print(1)'
like "$err" 'not a regular file \(a FIFO\)' "px refuses it too"

# The dashboard: the same output, the interrupt key, engines not left busy.
pane_open 100 30 LANG=C.UTF-8
dash_start local
wait_for 'running 2/2' 60
ok $? "the dashboard shows the running cluster"
h=$(hostname | cut -c1-10)
wait_for "  1 $h[^ ]* +registered" 30
keys P
wait_for 'Enter Run'
like "$scr" 'C-g Interrupt' "the px console's footer names the interrupt key"
code 'print("a\udcffb")'
wait_for $'\[stdout:1\] a\xef\xbf\xbdb' 30
ok $? "dashboard: a lone surrogate shows as U+FFFD"
code 'print("nul:\x00:end")'
wait_for '\[stdout:1\] nul:\\x00:end' 30
ok $? "dashboard: NUL is shown escaped"
code 'raise ValueError("bad \udcff")'
wait_for $'\n ValueError: bad \xef\xbf\xbd' 30
ok $? "dashboard: the exception with a surrogate is shown"
wait_for "  0 $h[^ ]* +registered" 10
ok $? "... and the engines are not left busy"
code 'import time; time.sleep(60)'
wait_for "  1 $h[^ ]* +busy" 20
ok $? "long code: engines busy"
keys C-g
wait_for $'\n KeyboardInterrupt' 20
ok $? "C-g interrupts it: KeyboardInterrupt" || diag_fail "$scr"
wait_for "  1 $h[^ ]* +registered" 10
ok $? "... and the engines are registered again"

# The controller stopped (SIGSTOP) under a running px, dashboard open.
ctl=$(procs controller)
code 'import time; time.sleep(5)'
wait_for "  1 $h[^ ]* +busy" 20
for q in $(session "$ctl"); do kill -STOP "$q"; done
wait_for '\[1:disconnected\] the controller stopped answering' 40
ok $? "dashboard: a stopped controller: px says disconnected"
like "$scr" 'controller not answering' "... and why"
unlike "$scr" "  [01] $h[^ ]* +busy" "... engines not stuck busy"
T send-keys -t hp -l 'still typing'
wait_for 'px> still typing' 10
ok $? "the dashboard stays responsive"
keys C-u
for q in $(session "$ctl"); do kill -CONT "$q"; done
for ((try = 0; try < 20; try++)); do
	code 'print(6*7)'
	wait_for '\[stdout:1\] 42' 3 && break
done
ok $? "after SIGCONT the dashboard recovers: px runs again"
keys Escape
wait_for 'F10 Quit'

# The same without the dashboard: px returns with a clear message.
px_running 5 pass
for q in $(session "$ctl"); do kill -STOP "$q"; done
t0=$SECONDS
px_wait
for q in $(session "$ctl"); do kill -CONT "$q"; done
is "$rc" 1 "CLI: a stopped controller: px exits 1"
ok "$([ $((SECONDS - t0)) -lt 30 ]; echo $?)" "... within the liveness bound"
err=$(cat "$tmp/e")
like "$err" '\[0:disconnected\] the controller stopped answering before the engine replied' "... engine 0 reported"
like "$err" '\[1:disconnected\]' "... engine 1 reported"
like "$err" 'hpctop: controller not answering: .* \(it is stopped, hung or gone' "... and why"
unlike "$err" 'within 0 s' "... no 'no reply within 0 s'"

# An engine killed mid-px: reported by id, the other's output kept.
e1=$("$HPCTOP" px local -t 1 'import os; print(os.getpid())' 2>/dev/null | sed -n 's/^\[stdout:1\] //p')
px_running 4 'print("done")'
[ -n "$e1" ] && kill -KILL "$e1"
px_wait
is "$rc" 1 "an engine killed mid-px: exit 1"
like "$(cat "$tmp/e")" '\[1:lost\] the engine went away before answering' "... that engine is reported"
like "$(cat "$tmp/o")" '\[stdout:0\] done' "... the other engine's output is there"
run "$HPCTOP" stop local
is "$rc" 0 "stop the damaged cluster"

# A controller whose engine channel is dead (its mux scheduler gone, as
# when it could not bind its port): px gives up with why, it does not hang.
start_cluster
mux=$(jq -r .mux "$IPYTHONDIR/profile_local/security/ipcontroller-client.json")
muxpid=$(ss -tlnpH "sport = :$mux" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
ok "$([ -n "$muxpid" ]; echo $?)" "the mux scheduler listens on port $mux (pid $muxpid)"
[ -n "$muxpid" ] && kill -KILL "$muxpid"
bounded "$HPCTOP" px local 'print(1)'
is "$rc" 1 "a dead engine channel: px exits 1"
like "$err" "hpctop: no engine answered through the controller for 30 s: its engine channel \(mux\) takes no request" \
	"... saying why, after its bound"
run "$HPCTOP" stop local
is "$rc" 0 "stop the cluster with the dead engine channel"

# The controller killed (SIGKILL) under a running px, dashboard open.
start_cluster
wait_for 'running 2/2' 60
px_running 8 pass
keys P
wait_for 'Enter Run'
code 'import time; time.sleep(5)'
wait_for "  1 $h[^ ]* +busy" 20
ok $? "px running in the CLI and the dashboard before the controller is killed" ||
	diag_fail "$scr" "$(cat "$tmp/o" "$tmp/e")"
ctl=$(procs controller)
for q in $(session "$ctl"); do kill -KILL "$q"; done
px_wait
is "$rc" 1 "CLI: a killed controller: px exits 1"
like "$(cat "$tmp/e")" '\[0:disconnected\].*'$'\n''.*\[1:disconnected\]' "... each engine reported"
wait_for '\[1:disconnected\] the controller stopped answering' 40
ok $? "dashboard: a killed controller: px says disconnected"
unlike "$scr" "  [01] $h[^ ]* +busy" "... engines not stuck busy"
keys Escape
wait_for 'F10 Quit'
keys q
wait_for 'rc=[0-9]+' 20
like "$scr" 'rc=0' "the dashboard quits normally"
is "$(cat "$tmp/dash.err")" "" "nothing on its stderr"
run "$HPCTOP" stop local
is "$rc" 0 "stop cleans up after the killed controller" || diag_fail "$err"
left=
while read -r p; do
	[ -n "$p" ] && left="$left $(session "$p")"
done <"$pids"
is "$(echo $left)" "" "no process of the test's clusters is left"
[ -n "$(echo $left)" ] && diag "$(ps -o pid,ppid,sid,stat,args -p "$(echo $left | tr ' ' ,)")"

done_testing
