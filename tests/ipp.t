#!/usr/bin/env bash
# hpctop against a real ipyparallel controller and real engines in a
# temporary IPYTHONDIR: the engine count, %px output, targets, errors,
# timeouts, a silent controller, bad connection files, and a cross-check
# with ipyparallel.Client. One controller serves every check.
. "$(dirname "$0")/tap.sh"

[ -x /usr/bin/ipcontroller ] && [ -x /usr/bin/ipengine ] ||
	skip_all "ipyparallel is not installed (python3-ipyparallel)"

tmp=$(mktemp -d)
ctl=
engines=()
ctl_children=
nannies=
. "$(dirname "$0")/cluster.sh"
at_cleanup() {	# for cleanup (tests/cluster.sh): the processes started here
	# Each engine's nanny runs in a session of its own; end it by pid too.
	for p in "${engines[@]}"; do
		nannies="$nannies $(ps -o pid= --ppid "$p")"
	done
	for p in "${engines[@]}"; do
		{ kill -CONT "$p"; kill -9 "$p"; wait "$p"; } 2>/dev/null
	done
	if [ -n "$ctl" ]; then
		kill -CONT "$ctl" 2>/dev/null
		kill -TERM "$ctl" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$ctl" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$ctl" 2>/dev/null
	fi
	for p in $ctl_children $nannies; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
}
isolate
trap cleanup EXIT
prof=ipptest
sec=$IPYTHONDIR/profile_$prof/security
cfile=$sec/ipcontroller-client.json

# Polls `hpctop engines` until the count is $1 (60 s at most).
wait_count() {
	local want=$1 n=
	for _ in $(seq 240); do
		n=$("$HPCTOP" engines "$prof" --json 2>/dev/null |
			/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' 2>/dev/null)
		[ "$n" = "$want" ] && break
		sleep 0.25
	done
	echo "$n"
}

start_engine() {
	/usr/bin/ipengine --profile="$prof" --log-level=WARN \
		>>"$tmp/engines.log" 2>&1 &
	engines+=($!)
}

# Before any controller: clear errors, no hang.
run "$HPCTOP" engines nosuch
is "$rc" 1 "unknown profile exits 1"
like "$err" "^hpctop: no profile 'nosuch': it is neither an hpctop profile .* nor an IPython profile \(.*/profile_nosuch does not exist\)" \
	"unknown profile names both places tried"

mkdir -p "$IPYTHONDIR/profile_$prof"
run "$HPCTOP" engines "$prof"
is "$rc" 1 "profile without a running controller exits 1"
like "$err" "^hpctop: .*/profile_ipptest/security/ipcontroller-client.json: no such file \(is the controller running\?\)" \
	"missing connection file is named"

printf '{\n  "key": "abc",\n  "mux": \n}\n' > "$tmp/bad.json"
run "$HPCTOP" engines --file "$tmp/bad.json"
is "$rc" 1 "malformed connection file exits 1"
like "$err" "^hpctop: $tmp/bad.json:4:1: not valid JSON" "malformed file: file:line:col"

printf '{"interface": "tcp://127.0.0.1", "key": "k"}' > "$tmp/partial.json"
run "$HPCTOP" px --file "$tmp/partial.json" 'print(1)'
is "$rc" 1 "connection file without ports exits 1"
like "$err" "missing field 'registration'" "missing field is named"

run "$HPCTOP" px "$prof"
is "$rc" 2 "px without code is a usage error"
run "$HPCTOP" px "$prof" --targets 1-x 'print(1)'
is "$rc" 2 "bad --targets is a usage error"
like "$err" "bad engine list '1-x'" "bad --targets is explained"
run "$HPCTOP" px --help
like "$out" "Usage: hpctop px PROFILE" "px --help"
run "$HPCTOP" engines --help
like "$out" "Usage: hpctop engines PROFILE" "engines --help"

# The controller. A short heartbeat period makes registration quicker.
/usr/bin/ipcontroller --profile="$prof" --ip=127.0.0.1 \
	--HeartMonitor.period=500 --log-level=WARN >"$tmp/controller.log" 2>&1 &
ctl=$!
for _ in $(seq 300); do [ -s "$cfile" ] && break; sleep 0.1; done
ok "$([ -s "$cfile" ]; echo $?)" "controller wrote its connection file"
sleep 1
ctl_children=$(ps -o pid= --ppid "$ctl")

is "$(wait_count 0)" 0 "no engines yet: count 0"
run "$HPCTOP" engines "$prof"
like "$out" "^0 engines registered$" "table says 0 engines"

run "$HPCTOP" px "$prof" 'print(1)'
is "$rc" 1 "px with no engines exits 1"
like "$err" "no engines are registered" "px with no engines is explained"

# A copy of the file with another key: the Hub drops our messages.
sed 's/"key": "[^"]*"/"key": "00000000-0000000000000000000000ff"/' "$cfile" \
	> "$tmp/wrongkey.json"
start=$SECONDS
run "$HPCTOP" engines --file "$tmp/wrongkey.json"
is "$rc" 1 "wrong key exits 1"
like "$err" "controller not answering: no reply from tcp://127.0.0.1:[0-9]+ within 5.0 s \(it is stopped, hung or gone, or the key in $tmp/wrongkey.json is not its key\)" \
	"wrong key gives a clear error"
ok "$([ $((SECONDS - start)) -lt 30 ]; echo $?)" "wrong key does not hang"

start_engine
start_engine
is "$(wait_count 2)" 2 "count follows two engines registering"

run "$HPCTOP" engines "$prof" --json
ids=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(" ".join(str(e["id"]) for e in json.load(sys.stdin)["engines"]))')
read -r e0 e1 <<<"$ids"
like "$ids" "^[0-9]+ [0-9]+$" "engines --json lists two ids"
is "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(" ".join(e["host"] for e in json.load(sys.stdin)["engines"]))')" \
	"$(hostname) $(hostname)" "engines --json: each engine's hostname"
run "$HPCTOP" engines "$prof"
h=$(hostname)
like "$out" "^ENGINE  HOST +UUID"$'\n'"$e0 +$h +[0-9a-f-]{33}"$'\n'"$e1 +$h +[0-9a-f-]{33}"$'\n'"2 engines registered$" \
	"engines table with hosts"

run "$HPCTOP" px "$prof" 'import sys; print("hello"); print("oops", file=sys.stderr); 6*7'
is "$rc" 0 "px exits 0"
is "$out" "[stdout:$e0] hello
[stdout:$e1] hello
[$e0:execute_result] 42
[$e1:execute_result] 42" "px stdout and results from each engine"
is "$err" "[stderr:$e0] oops
[stderr:$e1] oops" "px stderr from each engine"

run "$HPCTOP" px "$prof" --targets "$e1" 'print("a\nb")'
is "$out" "[stdout:$e1]
a
b" "--targets: one engine; multi-line output below the prefix"

run "$HPCTOP" px "$prof" --targets 99 'print(1)'
is "$rc" 1 "unknown target exits 1"
like "$err" "engine 99 is not registered" "unknown target is explained"

run "$HPCTOP" px "$prof" --targets "$e0" 'x = 1
1/0'
is "$rc" 1 "an error exits 1"
like "$out" "^\[$e0:execute\] ZeroDivisionError: division by zero"$'\n' "error line"
like "$out" "Cell In \[[0-9]+\], line 2" "traceback follows"
unlike "$out" $'\033' "no ANSI escapes when stdout is not a terminal"

printf 'print("from stdin")\n' > "$tmp/stdin.py"
run "$HPCTOP" px "$prof" --targets "$e0" - < "$tmp/stdin.py"
is "$out" "[stdout:$e0] from stdin" "code from stdin"
printf 'print("from file")\n' > "$tmp/code.py"
run "$HPCTOP" px "$prof" --targets "$e0" -f "$tmp/code.py"
is "$out" "[stdout:$e0] from file" "code from -f FILE"

run "$HPCTOP" px "$prof" --repeat 5 pass
is "$rc" 0 "--repeat exits 0"
like "$out" "^5 runs on 2 engines: min [0-9.]+ ms, median [0-9.]+ ms, max [0-9.]+ ms$" \
	"--repeat prints min/median/max"

# An hpctop profile pointing at the same IPython profile.
mkdir -p "$tmp/profiles"
printf 'backend: local\nipython_profile: %s\n' "$prof" > "$tmp/profiles/mine.yaml"
HPCTOP_PROFILE_PATH=$tmp/profiles run "$HPCTOP" engines mine
like "$out" "2 engines registered" "an hpctop profile finds its IPython profile"

# Cross-check with the Python client in both directions.
run "$HPCTOP" px "$prof" 'shared_from_hpctop = 41 + 1'
py_out=$(/usr/bin/python3 - "$prof" <<'PY' 2>&1
import sys, ipyparallel as ipp
rc = ipp.Client(profile=sys.argv[1], timeout=20)
v = rc[:]
print(v.pull("shared_from_hpctop", block=True))
v.push({"shared_from_python": "set by the Client"}, block=True)
rc.close()
PY
)
is "$py_out" "[42, 42]" "ipyparallel.Client reads a variable set by hpctop px"
run "$HPCTOP" px "$prof" --targets "$e0" 'print(shared_from_python)'
is "$out" "[stdout:$e0] set by the Client" "hpctop px prints a variable set by the Client"

# A third engine comes and goes.
start_engine
is "$(wait_count 3)" 3 "count follows a third engine registering"
nannies="$nannies $(ps -o pid= --ppid "${engines[2]}")"
{ kill -9 "${engines[2]}"; wait "${engines[2]}"; } 2>/dev/null
is "$(wait_count 2)" 2 "count follows an engine being killed"

# A stopped engine never answers: reported by id after the timeout.
run "$HPCTOP" px "$prof" --targets "$e1" 'import os; os.getpid()'
pid1=$(printf '%s' "$out" | sed -n 's/^\[[0-9]*:execute_result\] //p')
kill -STOP "$pid1"
run "$HPCTOP" px "$prof" --timeout 1 'print("alive")'
is "$rc" 1 "timeout exits 1"
like "$out" "^\[stdout:$e0\] alive$" "the running engine answered"
like "$err" "\[$e1:timeout\] no reply"$'\n'"hpctop: no reply within 1 s from engine $e1$" \
	"the stopped engine is reported by id"
kill -CONT "$pid1"

# A controller that stops answering is reported within the bound.
kill -STOP "$ctl"
start=$SECONDS
run "$HPCTOP" engines "$prof"
kill -CONT "$ctl"
is "$rc" 1 "a stopped controller exits 1"
like "$err" "controller not answering" "a stopped controller is reported"
ok "$([ $((SECONDS - start)) -lt 30 ]; echo $?)" "a stopped controller does not hang hpctop"

done_testing
