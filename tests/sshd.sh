# A test sshd of the test's own on loopback; source after tests/tap.sh.
#
#   sshd_start [-o OPTION=VALUE]...   start one (more may run at once)
#   sshd_stop [PID]                   stop one (default: the last started)
#   sshd_cleanup                      stop every one, remove $SSHD_BASE
#
# Everything lives in $SSHD_BASE (a temp dir): one client key
# ($SSHD_KEY, in $SSHD_BASE/authorized_keys), one known_hosts
# ($SSHD_KNOWN_HOSTS) and one client config ($SSHD_SSH_CONFIG, meant for
# HPCTOP_SSH_CONFIG or ssh -F) shared by every sshd started. Each
# sshd_start gets its own dir, host key and free port, adds a `Host NAME`
# block (NAME: $SSHD_NAME, default sshtest, then sshtest2, ...) and its key
# to known_hosts, and sets, for the one just started:
#   SSHD_PORT SSHD_ADDR SSHD_PID SSHD_DIR SSHD_CONFIG SSHD_LOG
#   SSHD_HOSTKEY SSHD_HOST (the NAME)
# Before sshd_start: SSHD_NAME, SSHD_LISTEN (address, default 127.0.0.1),
# SSHD_EXEC (a prefix such as "ip netns exec NS") and SSHD_USER (the
# client config's User, default root) choose for the next one.
#
# The EXIT trap set before sourcing (if any) is kept and runs after
# sshd_cleanup; a test that sets its trap later calls sshd_cleanup itself.

SSHD_BIN=/usr/sbin/sshd
[ -x "$SSHD_BIN" ] || skip_all "no $SSHD_BIN (apt-get install openssh-server)"
command -v ssh-keygen >/dev/null || skip_all "no ssh-keygen"
[ "$(id -u)" = 0 ] || skip_all "sshd needs root here (privilege separation, other users)"

SSHD_BASE=$(mktemp -d /tmp/hpctop-sshd.XXXXXX)
chmod 0755 "$SSHD_BASE"
SSHD_KEY=$SSHD_BASE/id_ed25519
SSHD_KNOWN_HOSTS=$SSHD_BASE/known_hosts
SSHD_SSH_CONFIG=$SSHD_BASE/ssh_config
ssh-keygen -q -t ed25519 -N '' -C hpctop-test -f "$SSHD_KEY" </dev/null
cp "$SSHD_KEY.pub" "$SSHD_BASE/authorized_keys"
chmod 0644 "$SSHD_BASE/authorized_keys"
: >"$SSHD_KNOWN_HOSTS"
: >"$SSHD_SSH_CONFIG"
_sshd_pids=()
_sshd_n=0
_sshd_made_run=

eval "_sshd_prev=($(trap -p EXIT))"
_sshd_prev_trap=${_sshd_prev[2]:-}
unset _sshd_prev
trap 'sshd_cleanup; eval "$_sshd_prev_trap"' EXIT

_sshd_free_port() {	# a port nothing listens on at $1 just now
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

sshd_start() {
	local name dir port i
	_sshd_n=$((_sshd_n + 1))
	name=${SSHD_NAME:-sshtest$([ $_sshd_n = 1 ] || echo $_sshd_n)}
	dir=$SSHD_BASE/sshd$_sshd_n
	mkdir -p "$dir"
	ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/host_ed25519" </dev/null
	if [ ! -d /run/sshd ]; then	# sshd's privilege separation directory
		install -d -m 0755 /run/sshd
		_sshd_made_run=1
	fi
	SSHD_ADDR=${SSHD_LISTEN:-127.0.0.1}
	cat >"$dir/sshd_config" <<EOF
ListenAddress $SSHD_ADDR
HostKey $dir/host_ed25519
AuthorizedKeysFile $SSHD_BASE/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin yes
UsePAM no
StrictModes no
PidFile none
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
EOF
	for i in 1 2 3 4 5; do
		port=$(_sshd_free_port)
		: >"$dir/sshd.log"
		$SSHD_EXEC "$SSHD_BIN" -D -f "$dir/sshd_config" -E "$dir/sshd.log" \
			-o "Port=$port" "$@" </dev/null &
		SSHD_PID=$!
		_sshd_pids+=("$SSHD_PID")
		local t=0
		until grep -q "Server listening" "$dir/sshd.log" 2>/dev/null; do
			kill -0 "$SSHD_PID" 2>/dev/null || break
			t=$((t + 1)); [ $t -gt 100 ] && break
			sleep 0.05
		done
		grep -q "Server listening" "$dir/sshd.log" && break
		kill "$SSHD_PID" 2>/dev/null; wait "$SSHD_PID" 2>/dev/null
		port=
	done
	if [ -z "$port" ]; then
		diag_fail "sshd did not start:" "$(tail -5 "$dir/sshd.log")"
		return 1
	fi
	SSHD_PORT=$port SSHD_DIR=$dir SSHD_CONFIG=$dir/sshd_config
	SSHD_LOG=$dir/sshd.log SSHD_HOSTKEY=$dir/host_ed25519 SSHD_HOST=$name
	echo "[$SSHD_ADDR]:$port $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >>"$SSHD_KNOWN_HOSTS"
	cat >>"$SSHD_SSH_CONFIG" <<EOF
Host $name
    HostName $SSHD_ADDR
    Port $port
    User ${SSHD_USER:-root}
    IdentityFile $SSHD_KEY
    IdentitiesOnly yes
    UserKnownHostsFile $SSHD_KNOWN_HOSTS
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 10
EOF
}

sshd_stop() {	# sshd_stop [PID]: the listener; its sessions' children end with it
	local pid=${1:-$SSHD_PID} c
	[ -n "$pid" ] || return 0
	# The per-connection children first: killing the listener leaves them.
	for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill "$c" 2>/dev/null; done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

sshd_cleanup() {
	local p
	for p in "${_sshd_pids[@]}"; do sshd_stop "$p"; done
	_sshd_pids=()
	[ -n "$_sshd_made_run" ] && rmdir /run/sshd 2>/dev/null
	[ -n "$SSHD_BASE" ] && rm -rf "$SSHD_BASE"
	return 0
}
