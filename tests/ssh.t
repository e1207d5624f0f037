#!/usr/bin/env bash
# core/sshhost.c against a real sshd on loopback (tests/sshd.sh), each op
# of core/host.h through tests/drivers/hostcmd: commands (many at once on
# one connection, exit codes, stderr, stdin, env, timeouts, quoting), files
# (mode, atomic replace, ENOENT), spawn/signal, forwarding, host keys, keys,
# passwords through SSH_ASKPASS, dead hosts, reconnecting, ProxyJump.
. "$(dirname "$0")/tap.sh"

HC=$HPCTOP_SRCDIR/build/san/tests/drivers/hostcmd
[ -x "$HC" ] || skip_all "no $HC (make unit)"
command -v ss >/dev/null || skip_all "no ss (iproute2)"
PY=/usr/bin/python3

tmp=$(mktemp -d)
pids=()
pwuser=
at_exit() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$pwuser" ] && userdel "$pwuser" 2>/dev/null
	rm -rf "$tmp"
}
trap at_exit EXIT
. "$(dirname "$0")/sshd.sh"	# chains its cleanup before at_exit

sshd_start || { echo "1..0 # SKIP sshd did not start"; exit 0; }
PORT1=$SSHD_PORT PID1=$SSHD_PID
export HPCTOP_SSH_CONFIG=$SSHD_SSH_CONFIG
unset SSH_AUTH_SOCK SSH_ASKPASS SSH_ASKPASS_REQUIRE
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-}

# hc ARGS...: hostcmd without a terminal (setsid: no /dev/tty to ask on),
# its stderr also kept for the sanitizer check at the end.
hc() {
	local e=$tmp/hc.err
	sshd_privsep_dir
	setsid -w timeout 60 "$HC" "$@" 2>"$e"
	local r=$?
	cat "$e" >>"$tmp/all.err"
	cat "$e" >&2
	return $r
}
established() {	# established PORT: TCP connections to PORT
	ss -Htn state established "dport = :$1" | wc -l
}

# ---- commands ----
run hc sshtest run -- echo hello world
is "$out" "hello world" "run: stdout"
is "$rc" 0 "run: exit 0"

run hc sshtest run -- sh -c 'echo out; echo oops >&2; exit 3'
is "$rc" 3 "run: the exit code"
is "$out" "out" "run: stdout of a failing command"
like "$err" "oops" "run: stderr captured"
like "$err" "err=sshtest: sh exited with status 3: oops" "run: the error names the destination"

run hc sshtest run -- nosuchcommand-hpctop
is "$rc" 127 "run: a missing command exits 127"
like "$err" "err=sshtest: nosuchcommand-hpctop: command not found" "run: and says command not found"

run hc sshtest run -i -e 'FOO=a b$c' -e BAR=2 -- sh -c 'cat; printf "%s|%s\n" "$FOO" "$BAR"' <<<"from stdin"
is "$out" $'from stdin\na b$c|2' "run: stdin fed, env set"

word=$'it\'s "q" $HOME `x` \\ a  b\nline2 *'
run hc sshtest run -- printf '%s' "$word"
is "$out" "$word" "run: quotes, \$, backquotes, spaces, newline and glob arrive intact"

start=$SECONDS
# (the next step keeps the loop running while the kill is sent)
run hc sshtest run -t 1000 -- sleep 30.$$ ::: run -- sleep 0.5
like "$err" "timed_out=1 err=sshtest: sleep: no answer after 1 s \\(killed\\)" "run: timeout reported"
ok $((SECONDS - start <= 5 ? 0 : 1)) "run: timeout within bounds ($((SECONDS - start)) s)"
sleep 0.5
is "$(pgrep -fxc "sleep 30.$$")" 0 "run: the timed-out command was stopped on the remote"

# 20 at once, one TCP connection.
hc sshtest par 20 -- sh -c 'sleep 2; echo x' >"$tmp/par.out" &
ppid=$!
sleep 1.5
n=$(established "$PORT1")
wait "$ppid"
is "$(cat "$tmp/par.out")" "ok 20/20" "par: 20 commands at once all succeed" || diag_fail "$(tail -30 "$SSHD_LOG")"
is "$n" 1 "par: over 1 TCP connection to sshd"

# ---- files ----
printf 'x=1\n$y "z"\n' | hc sshtest write "$tmp/f" 600
ok $? "write: exit 0" || diag_fail "$(tail -20 "$SSHD_LOG")"
is "$(stat -c %a "$tmp/f")" 600 "write: mode 0600"
is "$(cat "$tmp/f")" $'x=1\n$y "z"' "write: contents"
run hc sshtest read "$tmp/f"
is "$out" $'x=1\n$y "z"' "read: contents"
run hc sshtest read "$tmp/none"
is "$rc" 1 "read: a missing file fails"
like "$err" "^errno=ENOENT: sshtest: cannot read $tmp/none" "read: ENOENT, naming the destination"
run hc sshtest read "$tmp"
like "$err" "^errno=EINVAL: .*not a regular file" "read: a directory is EINVAL"
mkfifo "$tmp/fifo"
run hc sshtest read "$tmp/fifo"
like "$err" "^errno=EINVAL" "read: a FIFO is refused, not blocked on"
run hc sshtest read "$tmp/f" 4
like "$err" "^errno=EFBIG: .*larger than 4 bytes" "read: the size limit"
# Atomic: a reader sees the old or the new file, never a part.
head -c 300000 /dev/zero | tr '\0' A >"$tmp/A"
head -c 300000 /dev/zero | tr '\0' B >"$tmp/B"
cp "$tmp/A" "$tmp/big"
(for i in 1 2 3 4 5 6; do
	[ $((i % 2)) = 0 ] && src=$tmp/A || src=$tmp/B
	hc sshtest write "$tmp/big" 644 <"$src" || echo fail
done) >"$tmp/w.out" &
wpid=$!
bad=0 reads=0
while kill -0 "$wpid" 2>/dev/null; do
	cp "$tmp/big" "$tmp/snap" 2>/dev/null || continue
	reads=$((reads + 1))
	cmp -s "$tmp/snap" "$tmp/A" || cmp -s "$tmp/snap" "$tmp/B" || bad=$((bad + 1))
done
wait "$wpid"
is "$bad/$(cat "$tmp/w.out")" "0/" "write: $reads reads during 6 rewrites saw only whole files"
is "$(ls "$tmp" | grep -c '^big\.')" 0 "write: no temporary file left beside it"

# ---- spawn / signal ----
run hc sshtest spawn -l "$tmp/sp.log" -e 'GREETING=hi there' -s 'export X=set-up' -C "$tmp" -- \
	sh -c 'echo "$GREETING $X $(pwd)"; exec sleep 300'
spid=${out#pid=}
like "$out" '^pid=[0-9]+$' "spawn: prints a pid"
sleep 0.5
ok "$( [ -d "/proc/$spid" ] && echo 0 || echo 1)" "spawn: the process outlives the session"
is "$(ps -o sid= -p "$spid" | tr -d ' ')" "$spid" "spawn: in a session of its own"
is "$(cat "$tmp/sp.log")" "hi there set-up $tmp" "spawn: env, setup and cwd; output in the log"
run hc sshtest spawn -l "$tmp/sp2.log" -- nosuch-hpctop-cmd
like "$err" "sshtest: nosuch-hpctop-cmd: command not found" "spawn: a missing command is an error"
run hc sshtest signal 15 "$spid"
is "$rc" 0 "signal: exit 0"
for i in $(seq 20); do [ -d "/proc/$spid" ] || break; sleep 0.2; done
ok "$( [ -d "/proc/$spid" ] && echo 1 || echo 0)" "signal: the group got SIGTERM"
run hc sshtest signal 15 "$spid" 999999
is "$rc" 0 "signal: groups already gone are not an error"

# ---- forward ----
$PY -c '
import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
def echo(c):
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=echo, args=(c,), daemon=True).start()
' >"$tmp/echo.port" &
pids+=($!)
wait_file() { local i; for i in $(seq 50); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
wait_file "$tmp/echo.port"
eport=$(cat "$tmp/echo.port")
hc sshtest forward -w "$tmp/fwd.stop" 127.0.0.1 "$eport" >"$tmp/fwd.out" &
fpid=$!
wait_file "$tmp/fwd.out"
bound=$(sed -n 's/^bound=//p' "$tmp/fwd.out")
like "$bound" '^[0-9]+$' "forward: a local port"
cat >"$tmp/clients.py" <<'EOF'
import socket, sys, threading, time
port, n = int(sys.argv[1]), int(sys.argv[2])
res = [None] * n
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
def one(i):
    c = conns[i]; data = (b"%d-" % i) * 100000
    c.sendall(data); time.sleep(1); c.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        x = c.recv(65536)
        if not x: break
        got += x
    res[i] = got == data
ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sum(bool(r) for r in res))
EOF
$PY "$tmp/clients.py" "$bound" 5 >"$tmp/clients.out" &
cpid=$!
sleep 0.7
n=$(established "$PORT1")
wait "$cpid"
is "$(cat "$tmp/clients.out")" 5 "forward: 5 connections at once, every byte echoed back"
is "$n" 1 "forward: all over 1 TCP connection to sshd"
touch "$tmp/fwd.stop"
wait "$fpid"
ok $? "forward: unforward and exit cleanly"
$PY -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$bound" 2>/dev/null
ok $((! $?)) "unforward: nothing listens any more"

# ---- host keys ----
fp=$(ssh-keygen -lf "$SSHD_HOSTKEY.pub" | awk '{print $2}')
fpre=$(sed 's/[+/]/\\&/g' <<<"$fp")	# as a regex
mkconf() {	# mkconf NAME KNOWN_HOSTS STRICT [IDENTITY]: a Host block for sshd 1
	cat >>"$HPCTOP_SSH_CONFIG" <<EOF
Host $1
    HostName 127.0.0.1
    Port $PORT1
    User root
    IdentityFile ${4:-$SSHD_KEY}
    UserKnownHostsFile $2
    StrictHostKeyChecking $3
EOF
}
: >"$tmp/kh.empty"
mkconf unknownkey "$tmp/kh.empty" ask
run hc unknownkey run -- true
is "$rc" 255 "unknown host key: refused"
like "$err" "unknownkey: unknown host key $fpre \\(add it to known_hosts, or set StrictHostKeyChecking accept-new\\)" \
	"unknown host key: the SHA256 fingerprint shown"
is "$(wc -c <"$tmp/kh.empty")" 0 "unknown host key: nothing recorded"

printf '#!/bin/sh\necho "$1" >%s\necho yes\n' "$tmp/hk.asked" >"$tmp/sayyes"
chmod 0755 "$tmp/sayyes"
SSH_ASKPASS=$tmp/sayyes SSH_ASKPASS_REQUIRE=force run hc unknownkey run -- echo in
is "$out" in "unknown host key: 'yes' asked through SSH_ASKPASS connects"
like "$(cat "$tmp/hk.asked")" "^unknownkey: unknown host key $fpre; connect and remember it\\? \\(yes/no\\)" \
	"unknown host key: the question shows the fingerprint"
like "$(cat "$tmp/kh.empty")" "^\\[127.0.0.1\\]:$PORT1 ssh-ed25519 " "unknown host key: recorded after yes"

: >"$tmp/kh.new"
mkconf acceptnew "$tmp/kh.new" accept-new
run hc acceptnew run -- echo in
is "$out" in "accept-new: connects"
like "$(cat "$tmp/kh.new")" "^\\[127.0.0.1\\]:$PORT1 ssh-ed25519 " "accept-new: the key recorded"

ssh-keygen -q -t ed25519 -N '' -f "$tmp/otherhost" </dev/null
{ echo "# another host"; echo "[127.0.0.1]:$PORT1 $(cut -d' ' -f1,2 "$tmp/otherhost.pub")"; } >"$tmp/kh.changed"
mkconf changedkey "$tmp/kh.changed" accept-new
run hc changedkey run -- true
is "$rc" 255 "changed host key: refused (even with accept-new)"
like "$err" "changedkey: host key changed: the server shows $fpre, not the key of $tmp/kh.changed:2" \
	"changed host key: names the known_hosts line"

ssh-keygen -q -t ed25519 -N '' -f "$tmp/wrongkey" </dev/null
mkconf wrongkey "$SSHD_KNOWN_HOSTS" yes "$tmp/wrongkey"
cat >>"$HPCTOP_SSH_CONFIG" <<EOF
    IdentitiesOnly yes
EOF
run hc wrongkey run -- true
is "$rc" 255 "a wrong key: refused"
like "$err" "wrongkey: authentication refused" "a wrong key: says authentication was refused"

# ssh-agent: the key only in the agent, none on disk for it.
if command -v ssh-agent >/dev/null; then
	eval "$(ssh-agent -s -a "$tmp/agent.sock")" >/dev/null
	pids+=("$SSH_AGENT_PID")
	ssh-add -q "$SSHD_KEY" 2>/dev/null
	mkconf agenthost "$SSHD_KNOWN_HOSTS" yes "$tmp/no-such-key"
	run hc agenthost run -- echo by-agent
	is "$out" by-agent "ssh-agent: the agent's key authenticates"
	unset SSH_AUTH_SOCK
else
	ok 0 "# SKIP no ssh-agent"
fi

# ---- passwords through SSH_ASKPASS ----
pwuser=hpctoppw$$
if useradd -M -d "$tmp" -s /bin/sh "$pwuser" 2>/dev/null; then
	echo "$pwuser:pw-$$-secret" | chpasswd
	SSHD_NAME=pwhost SSHD_USER=$pwuser sshd_start -o PasswordAuthentication=yes \
		-o AuthenticationMethods=password
	printf '#!/bin/sh\necho "$1" >>%s\necho pw-%s-secret\n' "$tmp/asked" "$$" >"$tmp/askpass"
	chmod 0755 "$tmp/askpass"
	SSH_ASKPASS=$tmp/askpass SSH_ASKPASS_REQUIRE=force run hc pwhost run -- id -un ::: run -- echo again
	is "$out" "$pwuser"$'\nagain' "password: SSH_ASKPASS answers, the command runs as the user"
	is "$(grep -c "pwhost: $pwuser's password:" "$tmp/asked")" 1 "password: asked once per session"
	unlike "$(cat "$tmp/all.err" "$SSHD_LOG")" "pw-$$-secret" "password: never printed or logged"
	run hc pwhost run -- true
	like "$err" "pwhost: password needed and no terminal to ask on" "password: no terminal, no askpass: a clear error"
	printf '#!/bin/sh\necho wrong\n' >"$tmp/badpass"; chmod 0755 "$tmp/badpass"
	SSH_ASKPASS=$tmp/badpass SSH_ASKPASS_REQUIRE=force run hc pwhost run -- true
	like "$err" "pwhost: password refused for user $pwuser" "password: a wrong one refused"
	# keyboard-interactive: PAM's password prompt.
	SSHD_NAME=kbdhost SSHD_USER=$pwuser sshd_start -o UsePAM=yes \
		-o KbdInteractiveAuthentication=yes \
		-o AuthenticationMethods=keyboard-interactive
	: >"$tmp/asked"
	SSH_ASKPASS=$tmp/askpass SSH_ASKPASS_REQUIRE=force run hc kbdhost run -- id -un
	is "$out" "$pwuser" "keyboard-interactive: the PAM prompt answered through SSH_ASKPASS"
	like "$(cat "$tmp/asked")" "^kbdhost: Password: ?$" "keyboard-interactive: the server's own prompt shown"
else
	ok 0 "# SKIP useradd failed: no password test"
fi

# ---- dead hosts ----
dead=$(_sshd_free_port)
start=$SECONDS
run hc "root@127.0.0.1:$dead" run -- true
like "$err" "root@127.0.0.1:$dead: connection refused \\(127.0.0.1 port $dead\\)" "a port nothing listens on: connection refused"
ok $((SECONDS - start <= 3 ? 0 : 1)) "connection refused at once ($((SECONDS - start)) s)"
cat >>"$HPCTOP_SSH_CONFIG" <<EOF
Host blackhole
    HostName 10.213.99.2
    ConnectTimeout 2
EOF
# A network namespace of the test's own (gone when its process is), where
# 10.213.99.2 is a MAC nobody has behind a veth: every packet to it is
# dropped.
if unshare -n true 2>/dev/null; then
	start=$SECONDS
	run unshare -n bash -c "ip link set lo up; ip link add v0 type veth peer name v1; \
		ip addr add 10.213.99.1/24 dev v0; ip link set v0 up; ip link set v1 up; \
		ip neigh add 10.213.99.2 lladdr 02:00:00:00:00:99 dev v0; \
		$(declare -f hc); tmp=$tmp HC=$HC hc blackhole run -- true"
	took=$((SECONDS - start))
	like "$err" "blackhole: no answer from blackhole after 2 s" "an address that drops packets: a clear error"
	ok $((took <= 5 ? 0 : 1)) "and within ConnectTimeout ($took s)"
else
	ok 0 "# SKIP unshare -n not allowed"
	ok 0 "# SKIP unshare -n not allowed"
fi

# ---- reconnect ----
hc sshtest run -- echo one ::: pause "$tmp/go" ::: state ::: run -- echo two ::: state >"$tmp/rc.out" &
rpid=$!
for i in $(seq 300); do grep -q one "$tmp/rc.out" && break; sleep 0.1; done
kids=$(ss -Htnp state established "sport = :$PORT1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
ok "$([ -n "$kids" ] && echo 0 || echo 1)" "reconnect: the session's sshd found ($(echo $kids))"
for k in $kids; do [ "$k" != "$PID1" ] && kill "$k"; done
sleep 1
touch "$tmp/go"
wait "$rpid"
rrc=$?
like "$(cat "$tmp/rc.out")" $'one\nstate=reconnecting: sshtest: connection lost\ntwo\nstate=up' \
	"reconnect: the drop seen, the next command runs on a new session"
is "$rrc" 0 "reconnect: up again at the end"
# A command running when the session drops ends at once; the next one runs.
hc sshtest run -- sh -c 'echo started; exec sleep 20' ::: pause "$tmp/go2" ::: \
	run -- echo after >"$tmp/rc2.out" 2>"$tmp/rc2.err" &
rpid=$!
for i in $(seq 300); do grep -q started "$tmp/rc2.out" && break; sleep 0.1; done
for k in $(ss -Htnp state established "sport = :$PORT1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
	[ "$k" != "$PID1" ] && kill "$k"
done
start=$SECONDS
# The next command once the drop has been seen: sshd may still answer a
# command sent in the instant after the kill, then drop it too.
sleep 1
touch "$tmp/go2"
wait "$rpid"
# How it ends depends on what the killed sshd child still sent: the
# channel's close (then its status as sent), or nothing (then 'connection
# lost'); either way at once, not after the 20 s sleep.
ok "$(( SECONDS - start <= 10 ? 0 : 1 ))" "reconnect: a running command ends when its session drops ($((SECONDS - start)) s)"
is "$(cat "$tmp/rc2.out")" $'started\nafter' "reconnect: then the next one runs ($((SECONDS - start)) s)"

# A forward's listener outlives the session: new connections once it is back.
rm -f "$tmp/fwd.out" "$tmp/fwd.stop"
hc sshtest forward -w "$tmp/fwd.stop" 127.0.0.1 "$eport" >"$tmp/fwd.out" &
fpid=$!
wait_file "$tmp/fwd.out"
bound=$(sed -n 's/^bound=//p' "$tmp/fwd.out")
is "$($PY "$tmp/clients.py" "$bound" 1)" 1 "forward: echoes before the drop"
for k in $(ss -Htnp state established "sport = :$PORT1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
	[ "$k" != "$PID1" ] && kill "$k"
done
sleep 1.5
is "$($PY "$tmp/clients.py" "$bound" 2)" 2 "forward: the same listener carries connections after the reconnect"
touch "$tmp/fwd.stop"
wait "$fpid"

# ---- ProxyJump ----
SSHD_NAME=behind sshd_start
PORT2=$SSHD_PORT
cat >>"$HPCTOP_SSH_CONFIG" <<EOF
Host jumped
    HostName 127.0.0.1
    Port $PORT2
    User root
    IdentityFile $SSHD_KEY
    UserKnownHostsFile $SSHD_KNOWN_HOSTS
    ProxyJump sshtest
EOF
hc jumped run -- echo via-jump ::: pause "$tmp/jgo" >"$tmp/j.out" &
jpid=$!
for i in $(seq 50); do grep -q via-jump "$tmp/j.out" && break; sleep 0.1; done
is "$(cat "$tmp/j.out")" via-jump "ProxyJump: the command runs on the host behind the hop"
owners=$(ss -Htnp state established "dport = :$PORT2" | grep -o '(("[^"]*"' | sort -u | tr -d '(")')
is "$owners" sshd "ProxyJump: the connection to it comes from the hop's sshd, not from us"
touch "$tmp/jgo"
wait "$jpid"
cat >>"$HPCTOP_SSH_CONFIG" <<EOF
Host badjump
    HostName 127.0.0.1
    Port $PORT2
    ProxyJump root@127.0.0.1:$dead
EOF
run hc badjump run -- true ::: state
like "$err" "err=badjump: the hop root@127.0.0.1:$dead went away: root@127.0.0.1:$dead: connection refused" \
	"ProxyJump: a dead hop named in the error"
like "$out" "^state=down: badjump: the hop" "ProxyJump: the host is down, saying why"

unlike "$(cat "$tmp/all.err")" "Sanitizer|runtime error" "no leaks or sanitizer reports"
done_testing
