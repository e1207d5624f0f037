#!/usr/bin/env bash
# Hostile input (issue 9, findings 4, 6, 8, 9, 10, 11): profile names that
# are not UTF-8 or hold escape sequences, deeply nested and oversized YAML,
# a BOM, a FIFO, option values with spaces, profiles and state another
# user could have written, queue values start would refuse, and the HMAC
# key in a real cluster's logs (CLI and dashboard).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"
. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
chmod 0700 "$tmp"
isolate
# cleanup (tests/cluster.sh) kills the sessions of every cluster record
# under $tmp, also those a regression would let start.
trap cleanup EXIT
esc=$'\x1b'

# --- 4: a file name that is not UTF-8 --------------------------------------
printf 'backend: local\nsetup: ["touch %s/ran-latin1"]\n' "$tmp" \
	>"$profiles/caf"$'\xe9'".yaml"
run "$HPCTOP" profiles
is "$rc" 0 "profiles lists the rest"
like "$out" 'caf\\xe9 +invalid' "the name is shown escaped, as invalid"
like "$out" 'error: .*/caf\\xe9\.yaml: file name is not valid UTF-8' \
	"and says why"
run "$HPCTOP" profiles --json
names=$(/usr/bin/python3 -c 'import json,sys
for e in json.load(sys.stdin):
    assert e["name"] and e["path"], e
    print(e["name"], e["valid"], e["error"] is not None)' <<<"$out")
ok $? "--json: every entry has a name and a path"
like "$names" 'caf\\xe9 False True' "--json: the entry is invalid, with its error"
run "$HPCTOP" start "caf"$'\xe9' -n 1
is "$rc" 1 "start refuses it"
like "$err" 'file name is not valid UTF-8' "start says why"
[ ! -e "$tmp/ran-latin1" ] && [ ! -e "$XDG_STATE_HOME/hpctop/clusters" ]
ok $? "nothing ran, no record"
rm -f "$profiles/caf"$'\xe9'".yaml"

# --- 11: escape bytes in names, queue values start would refuse -------------
printf 'backend: local\n' >"$profiles/e${esc}[31mvil.yaml"
printf 'backend: slurm\nqueue: debug$(touch %s/ran-queue)\n' "$tmp" \
	>"$profiles/q.yaml"
run "$HPCTOP" profiles
unlike "$out$err" "$esc" "profiles: no raw escape byte reaches the terminal"
like "$out" 'e\\x1b\[31mvil +invalid' "the name is shown escaped"
like "$out" 'control characters' "and why it is invalid"
like "$out" "q +invalid .*"$'\n'" +error: .*/q\\.yaml:2:8: queue: 'debug\\\$\\(touch" \
	"a queue start would refuse is invalid at load, with file:line:col"
run "$HPCTOP" start "e${esc}[31mvil"
is "$rc" 1 "start refuses the escape name"
unlike "$err" "$esc" "its error message is escaped too"
run "$HPCTOP" script q
is "$rc" 1 "script refuses the queue"
[ ! -e "$tmp/ran-queue" ]
ok $? "and nothing ran"
run "$HPCTOP" status "x${esc}]0;pwned"$'\a'
unlike "$err" "$esc" "status: an escape in the argument is shown escaped"
rm -f "$profiles/e${esc}[31mvil.yaml" "$profiles/q.yaml"

# --- 6: deep nesting is refused quickly, at 200 KB and 1 MiB -----------------
for size in 200000 1048000; do
	/usr/bin/python3 -c 'import sys
n = int(sys.argv[1]) // 2 - 16
sys.stdout.write("backend: local\nsetup: " + "[" * n + "]" * n + "\n")' "$size" \
		>"$profiles/deep.yaml"
	start=$SECONDS
	run timeout 60 "$HPCTOP" profiles
	like "$out" 'deep\.yaml:2:23: nesting deeper than 16 levels' \
		"$size bytes of [[[...]]]: file:line:col: nesting deeper than 16"
	ok $((SECONDS - start > 20)) "$size bytes: no quadratic load (took $((SECONDS - start)) s)"
done
rm -f "$profiles/deep.yaml"

# --- 8: true size, BOM, FIFO, integer options ---------------------------------
head -c 10485760 /dev/zero | tr '\0' '#' >"$profiles/big.yaml"
run "$HPCTOP" script big
like "$err" 'big\.yaml:1:1: file is too large \(10485760 bytes; a profile may have at most 1048576\)' \
	"a 10 MB profile: its true size and the limit"
rm -f "$profiles/big.yaml"
printf '\xef\xbb\xbfbackend: local\nengines: 3\n' >"$profiles/bom.yaml"
run "$HPCTOP" script bom
is "$rc" 0 "a leading UTF-8 BOM is accepted"
is "$(grep -c '^setsid ipengine' <<<"$out")" 3 "and the rest is read (engines: 3)"
rm -f "$profiles/bom.yaml"
mkfifo "$tmp/fifo.yaml"
run timeout 20 "$HPCTOP" script "$tmp/fifo.yaml"
is "$rc" 1 "a FIFO as a profile does not block"
like "$err" 'fifo\.yaml: not a regular file' "and is refused as not a regular file"
for v in ' 2' '2 ' '+2' '2x' ''; do
	run "$HPCTOP" script local -n "$v"
	is "$rc" 2 "-n '$v' is a usage error"
	[[ $err == "hpctop: -n: '$v' is not a whole number"* ]]
	ok $? "-n '$v': says why"
done
run "$HPCTOP" logs local -e ' 1'
like "$err" "^hpctop: --engine: ' 1' is not a whole number" "logs -e uses the same parser"
run "$HPCTOP" px local --repeat '3 ' pass
like "$err" "^hpctop: --repeat: '3 ' is not a whole number" "px --repeat too"

# --- 9: profiles and state another user could have written -------------------
shared=$tmp/shared
mkdir -p "$shared"
chmod 0777 "$shared"
printf 'backend: local\nsetup: ["touch %s/ran-shared"]\n' "$tmp" >"$shared/open.yaml"
run env HPCTOP_PROFILE_PATH="$shared" "$HPCTOP" profiles
like "$out" "open +invalid .*"$'\n'" +error: $shared/open\\.yaml: ignored: directory $shared is writable by others \\(mode 0777\\)" \
	"a profile in a 0777 directory is ignored, saying which and why"
run env HPCTOP_PROFILE_PATH="$shared" "$HPCTOP" start open -n 1
is "$rc" 1 "and start refuses it"
chmod 0755 "$shared"
chown nobody "$shared/open.yaml"
run env HPCTOP_PROFILE_PATH="$shared" "$HPCTOP" start open -n 1
is "$rc" 1 "a profile owned by another user: start refuses it"
like "$err" "open\\.yaml: ignored: file $shared/open\\.yaml is owned by nobody \\(uid [0-9]+\\), not by you or root" \
	"saying whose it is"
[ ! -e "$tmp/ran-shared" ]
ok $? "its setup lines never ran"
chown nobody "$shared"
chmod 0777 "$shared"
run env XDG_STATE_HOME="$shared" "$HPCTOP" start local -n 1
is "$rc" 1 "a 0777 state dir owned by nobody: start refuses"
like "$err" "refusing the state directory: directory $shared is owned by nobody" \
	"saying which directory and why"
[ ! -e "$shared/hpctop" ]
ok $? "and creates nothing in it"
chown root "$shared"
chmod 1777 "$shared"
run env XDG_STATE_HOME="$shared" "$HPCTOP" script local -n 1
is "$rc" 0 "a sticky directory (as /tmp) is trusted"

# --- 10: the HMAC key never reaches the screen ---------------------------------
if [ ! -x /usr/bin/ipcontroller ]; then
	diag "ipyparallel is not installed: the key tests are skipped"
	done_testing
	exit
fi
run "$HPCTOP" start local -n 1 --wait=240
is "$rc" 0 "a real local cluster starts"
key=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' \
	"$IPYTHONDIR/profile_local/security/ipcontroller-engine.json")
like "$key" '^[0-9a-f-]{16,}$' "its connection file has a key"
for _ in $(seq 100); do
	grep -q "'key': b'" "$XDG_STATE_HOME"/hpctop/clusters/local/logs/*.log && break
	sleep 0.2
done
grep -qF "$key" "$XDG_STATE_HOME"/hpctop/clusters/local/logs/*.log
ok $? "ipengine wrote the key into its log (the case to mask)"
run "$HPCTOP" logs local
is "$rc" 0 "logs exits 0"
unlike "$out" "$key" "hpctop logs: the key is masked"
like "$out" "'Session': \\{[^}]*'key': b'\\*+'" "hpctop logs: the config dump is shown, masked"
run timeout 5 "$HPCTOP" logs local -f
unlike "$out" "$key" "hpctop logs -f: the key is masked"
like "$out" "'key': b'\\*+'" "hpctop logs -f: the masked line is there"

if command -v tmux >/dev/null; then
	pane_open 200 60
	dash_start local
	seen=
	wait_for 'running 1/1' 20
	keys L
	# Page through the whole log view, capturing each screen.
	for _ in $(seq 40); do
		sleep 0.2
		seen+=$(screen)
		keys NPage
	done
	like "$seen" "'key': b'\\*+'" "dashboard log view: the config dump is shown, masked"
	unlike "$seen" "$key" "dashboard log view: the key never appears"
	keys Escape q
	T kill-server 2>/dev/null
fi
run "$HPCTOP" stop local
is "$rc" 0 "the cluster stops"

done_testing
