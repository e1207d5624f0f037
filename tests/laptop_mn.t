#!/usr/bin/env bash
# End to end from the laptop (tests/laptop.sh: a network namespace whose
# only peer is the login node's sshd, /home hidden) as the test user: a
# slurm cluster with `host: login` over cn1 and cn2, status R and engines
# 4/4, px from every engine, `hpctop tunnel` and a real
# ipyparallel.Client(profile=...) on the laptop running the seed psum
# (496.0) over one TCP connection, stop leaving no job; a local cluster on
# cn1 reached laptop -> login -> cn1 by ProxyJump; then
# keyboard-interactive through PAM answered by SSH_ASKPASS, and refused
# with a wrong answer.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mnenv.sh"
. "$(dirname "$0")/laptop.sh"

U=$LAPTOP_USER
profdir=$laptop_tmp/config/hpctop/profiles
mkdir -p "$profdir"
printf '%s\n' "version: 1" "backend: slurm" "host: login" "engines: 4" "walltime: \"00:20:00\"" \
	"queue: debug" "nodes: 2" "tasks_per_node: 2" \
	"controller: {command: /usr/bin/ipcontroller, placement: job}" "engine: {command: /usr/bin/ipengine}" >"$profdir/lap.yaml"
printf '%s\n' "version: 1" "backend: slurm" "host: loginkbd" "engines: 1" >"$profdir/kbd.yaml"
printf '%s\n' "version: 1" "backend: local" "host: cn1" "engines: 2" \
	"controller: {command: /usr/bin/ipcontroller}" "engine: {command: /usr/bin/ipengine}" >"$profdir/onc1.yaml"
chown -R "$U:$U" "$laptop_tmp/config"
L() { on_laptop "$HPCTOP" "$@"; }
user_jobs() { squeue --noheader --user="$U" --format=%i 2>/dev/null | tr -d ' '; }
laptop_at_exit() {
	L tunnel --stop lap >/dev/null 2>&1
	L stop lap >/dev/null 2>&1
	L stop onc1 >/dev/null 2>&1
	user_jobs >>"$tmp/jobids"
	laptop_cleanup
}
trap laptop_at_exit EXIT

run L start lap --wait=300
is "$rc" 0 "laptop: start lap (host: login) --wait"
like "$out" "engines 4/4 registered" "all 4 engines registered"
[ "$rc" = 0 ] || diag_fail "$err"
user_jobs >>"$tmp/jobids"
is "$(squeue --noheader --user="$U" --format='%u %T' | sort -u)" "$U RUNNING" "its jobs run as $U"

run L status lap
like "$out" "^lap  backend slurm  on login  running  engines 4/4" "status: on login, running, engines 4/4"
like "$out" "hpctop-lap-ctl .* R +[0-9:]+ " "status: controller job R"
like "$out" "hpctop-lap-eng .* R +[0-9:]+ " "status: engines job R"
[ "$rc" = 0 ] || diag_fail "$err"

run L px lap 'import socket; print("on", socket.gethostname())'
is "$rc" 0 "px through SSH"
is "$(grep -o 'on cn[12]' <<<"$out" | sort | tr '\n' ' ')" "on cn1 on cn1 on cn2 on cn2 " \
	"px prints from every engine (2 on each node)"
[ "$rc" = 0 ] || diag_fail "$err"

run L tunnel lap --background
is "$rc" 0 "tunnel lap --background"
[ "$rc" = 0 ] || diag_fail "$err"
psum() {
	on_laptop timeout 120 /usr/bin/python3 - <<'PY'
import ipyparallel as ipp
rc = ipp.Client(profile='lap', timeout=30)
rc.wait_for_engines(4, timeout=60)
dv = rc[:]
dv.scatter('x', list(range(32)), block=True)
dv.execute('s = float(sum(x))', block=True)
print(sum(dv.pull('s', block=True)), len(rc.ids))
rc.close()
PY
}
run psum
is "$out" "496.0 4" "Client(profile='lap') on the laptop: psum over the 4 engines"
[ "$rc" = 0 ] || diag_fail "$err"
is "$(nsenter --net="/run/netns/$LAPTOP_NS" ss -Htn state established "dst $LAPTOP_LOGIN_ADDR:$LAPTOP_LOGIN_PORT" | wc -l)" 1 \
	"one TCP connection from the laptop to the login sshd carries it all"
run L tunnel --stop lap
is "$rc" 0 "tunnel --stop lap"

run L stop lap
is "$rc" 0 "stop lap"
wait_until 30 says_nothing user_jobs
is "$(user_jobs)" "" "no job of $U is left"

# ProxyJump: laptop -> login -> cn1 (the laptop's ssh config), a local
# cluster on cn1: its processes run in cn1's namespace, px reaches them
# through the hop, stop leaves none.
run L start onc1 --wait=120
is "$rc" 0 "ProxyJump: start onc1 (local, host: cn1) from the laptop"
[ "$rc" = 0 ] || diag_fail "$err"
run L status onc1
like "$out" "^onc1  backend local  on cn1  running  engines 2/2" "ProxyJump: status on cn1, running 2/2"
nodes=$(for p in $(procs_of onc1); do proc_node "$p"; done | sort -u | tr '\n' ' ')
is "$nodes" "cn1 " "ProxyJump: the cluster's processes run on cn1"
run L px onc1 'import socket; print("on", socket.gethostname())'
is "$(grep -o 'on cn[12]' <<<"$out" | sort | tr '\n' ' ')" "on cn1 on cn1 " "ProxyJump: px from both engines on cn1"
[ "$rc" = 0 ] || diag_fail "$err"
run L stop onc1
is "$rc" 0 "ProxyJump: stop onc1"
wait_until 20 says_nothing procs_of onc1
is "$(procs_of onc1)" "" "ProxyJump: nothing of onc1 is left on cn1"

# Keyboard-interactive through PAM (the laptop reaches that sshd by
# ProxyJump login): hpctop asks through SSH_ASKPASS.
pw=$(cat "$LAPTOP_PASSWORD_FILE")
run on_laptop env SSH_ASKPASS="$(laptop_askpass "$pw")" SSH_ASKPASS_REQUIRE=force \
	"$HPCTOP" -H loginkbd profiles
is "$rc" 0 "hpctop -H loginkbd profiles with the password from SSH_ASKPASS"
like "$out" "kbd" "lists the laptop's profiles"
[ "$rc" = 0 ] || diag_fail "$err"
like "$(cat "$laptop_tmp/prompts")" "Password" "hpctop asked PAM's prompt through SSH_ASKPASS"
unlike "$out$err" "$pw" "the password is in no output"
run on_laptop env SSH_ASKPASS="$(laptop_askpass wrong-answer)" SSH_ASKPASS_REQUIRE=force \
	timeout 60 "$HPCTOP" -H loginkbd profiles
is "$rc" 1 "a wrong password fails"
like "$err" "loginkbd" "the error names the host"
diag "wrong password: $err"

done_testing
