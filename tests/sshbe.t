#!/usr/bin/env bash
# backend ssh end to end over two test sshds of our own on loopback
# (tests/sshd.sh; hosts sshtest and sshtest2, both this machine): script,
# profile errors, start with engines spread by a hosts: mapping, status per
# host and node, px, the connection file's copy (0600), an engine killed
# and seen lost with its host, a host whose sshd is down seen unreachable
# at the next refresh, and stop leaving nothing on either host.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/cluster.sh"
[ -x /usr/bin/ipcontroller ] && [ -x /usr/bin/ipengine ] ||
	skip_all "ipyparallel is not installed (python3-ipyparallel)"

tmp=$(mktemp -d)
isolate
at_cleanup() {
	# What a failed stop left: by recorded pid, then its directory.
	[ -n "$rdir" ] && rm -rf "$rdir"
}
trap cleanup EXIT
. "$HPCTOP_SRCDIR/tests/sshd.sh"
sshd_start || { ok 1 "sshd starts"; done_testing; exit 1; }
sshd_start || { ok 1 "second sshd starts"; done_testing; exit 1; }
sshd2_pid=$SSHD_PID sshd2_port=$SSHD_PORT sshd2_dir=$SSHD_DIR
export HPCTOP_SSH_CONFIG=$SSHD_SSH_CONFIG
# SSH sessions start in root's passwd home, not $HOME.
rhome=$(getent passwd root | cut -d: -f6)
rdir=$rhome/.hpctop/ssh/sb
[ -e "$rdir" ] && { ok 1 "$rdir is not there before the test"; done_testing; exit 1; }

# Both hosts are this machine: the controller's loopback reaches them.
prof() {	# prof NAME HOSTS-YAML [LINES...]
	local name=$1 hosts=$2
	shift 2
	printf '%s\n' "backend: ssh" "hosts: $hosts" "$@" >"$profiles/$name.yaml"
}
prof sb "{sshtest: 2, sshtest2: 1}" "controller:" "  allow_loopback: true"

run "$HPCTOP" script sb
is "$rc" 0 "script exits 0"
is "$(grep -c "^ssh sshtest '.*setsid ipengine --profile=sb " <<<"$out")" 2 \
	"script: 2 engines through ssh sshtest (the mapping's count)"
is "$(grep -c "^ssh sshtest2 '.*setsid ipengine --profile=sb " <<<"$out")" 1 \
	"script: 1 engine through ssh sshtest2"
like "$out" $'\n'"scp -p [^ ]*/security/ipcontroller-engine.json sshtest2:.hpctop/ssh/sb/ipython/profile_sb/security/ipcontroller-engine.json" \
	"script: the engine connection file copied to each host"
like "$out" "'IPYTHONDIR=.hpctop/ssh/sb/ipython setsid ipengine [^']* >>.hpctop/ssh/sb/engine-2.log 2>&1 &'" \
	"script: the engine's IPython dir and log on its host, quoted for ssh"
run "$HPCTOP" script sb -n 4
is "$(grep -c "^ssh sshtest '.*ipengine" <<<"$out") $(grep -c "^ssh sshtest2 '.*ipengine" <<<"$out")" \
	"2 2" "script -n 4: not the mapping's 3, so spread evenly"

# Profile errors, before anything starts.
prof nohosts "[]"
run "$HPCTOP" start nohosts
is "$rc" 1 "start without hosts fails"
like "$err" "hosts: backend ssh needs the hosts its engines run on" "and says why"
prof loop "[sshtest]"
run "$HPCTOP" start loop
is "$rc" 1 "start with the controller on loopback fails"
like "$err" "controller: backend ssh runs engines on host sshtest .*controller.interface" \
	"and says which hosts cannot reach it"
printf '%s\n' "backend: ssh" "hosts: {sshtest: 0}" >"$profiles/zero.yaml"
run "$HPCTOP" script zero
like "$err" "zero.yaml:2:[0-9]+: hosts: sshtest: 0 is out of range" "a mapping's count is checked where it is"

# An unknown host: start fails naming it and stops what it started.
prof bad "[sshtest, nohost.invalid]" "controller:" "  allow_loopback: true"
run "$HPCTOP" start bad -n 2
is "$rc" 1 "start with an unreachable host fails"
like "$err" "nohost.invalid: cannot connect" "and names the host"
is "$(marked "$XDG_STATE_HOME/hpctop/clusters/bad" all)" "" "nothing of it is left running"
ok "$([ ! -e "$rhome/.hpctop/ssh/bad" ]; echo $?)" "nor its directory on sshtest"

run "$HPCTOP" start sb --wait=150
is "$rc" 0 "start --wait: 3 engines over 2 hosts"
record_pids sb
[ "$rc" -eq 0 ] || diag_fail "$err" "$(tail -n 5 "$rdir"/*.log 2>&1)"
like "$out" "engines 3/3 registered" "start --wait reports 3/3"
is "$(stat -c %a "$rdir/ipython/profile_sb/security/ipcontroller-engine.json")" 600 \
	"the connection file's copy on the hosts is mode 0600"

run "$HPCTOP" status sb
is "$rc" 0 "status exits 0"
like "$out" "^sb +backend ssh +running +engines 3/3" "status: running 3/3"
is "$(grep -c ' ipengine\.[01] \+R .* sshtest \+[0-9]' <<<"$out")" 2 "status: 2 engines on sshtest"
is "$(grep -c ' ipengine\.2 \+R .* sshtest2 \+[0-9]' <<<"$out")" 1 "status: 1 engine on sshtest2"
like "$out" $'\n  nodes sshtest 0/2  sshtest2 0/1\n' \
	"status: the hosts as nodes (engines here report this machine's name)"
run "$HPCTOP" status sb --json
is "$(jq -c '[.[0].procs[] | .host]' <<<"$out")" \
	"[\"$(hostname)\",\"sshtest\",\"sshtest\",\"sshtest2\"]" "status --json: each proc's host"

run "$HPCTOP" px sb 'import os; os.environ["IPYTHONDIR"]'
is "$rc" 0 "px runs on all engines"
is "$(grep -c "execute_result\] '.hpctop/ssh/sb/ipython'" <<<"$out")" 3 \
	"px: every engine runs with the cluster's IPython dir on its host"

# An engine killed for real: lost, with its host.
e2=$(jq -r '.procs[] | select(.name == "ipengine.2") | .pid' "$XDG_STATE_HOME/hpctop/clusters/sb/cluster.json")
kill_sessions "$e2"
lost() { "$HPCTOP" status sb | grep -q "lost 1"; }
wait_until 30 lost
run "$HPCTOP" status sb
like "$out" "engines 2/3 +lost 1 " "a killed engine is seen lost"
like "$out" " ipengine\.2 +C .* sshtest2 +$e2"$'\n' "its row says it is gone, on sshtest2"
like "$out" "nodes sshtest 0/2  sshtest2 0/1" "the node report still expects it on sshtest2"

# A host that does not answer: unknown at the next refresh, saying why.
sshd_stop "$sshd2_pid"
run "$HPCTOP" status sb
like "$out" " ipengine\.2 +\? .* sshtest2 " "sshd down: its engine's state is unknown"
like "$out" $'\n  ipengine.2: sshtest2: ' "and why is shown"
"$SSHD_BIN" -D -f "$sshd2_dir/sshd_config" -E "$sshd2_dir/sshd.log" \
	-o "Port=$sshd2_port" </dev/null &
_sshd_pids+=("$!")
up() { "$HPCTOP" status sb | grep -q " ipengine\.2 \+C "; }
wait_until 20 up
run "$HPCTOP" status sb
like "$out" " ipengine\.2 +C " "sshd back: seen gone again"

sessions=$(marked "$XDG_STATE_HOME/hpctop/clusters/sb" all | tr '\n' ' ')
run "$HPCTOP" stop sb
is "$rc" 0 "stop exits 0"
[ "$rc" -eq 0 ] || diag_fail "$err"
is "$(session_left $sessions)" 0 "stop leaves no process of the controller's or the engines' sessions"
is "$(marked "$XDG_STATE_HOME/hpctop/clusters/sb" all)" "" "nor any marked process"
ok "$([ ! -e "$rdir" ]; echo $?)" "nor the cluster's directory on the hosts"
ok "$([ ! -e "$rhome/.hpctop" ] || [ -n "$(ls -A "$rhome/.hpctop")" ]; echo $?)" \
	"nor an empty .hpctop there"

done_testing
