# shellcheck shell=bash
# The "laptop" world of the multi-node test cluster, sourced by
# tests/slurm/cluster (its say, die, launch, pid_alive, stop_pid, port_busy,
# $DIR, $RUN, $LOG, $SSH_DIR, $SSHD, $CONF): with HPCTOP_SLURM_LAPTOP=1 in
# multi-node mode `up` also makes
#   - a test user ($LT_USER, not root) who can use the test Slurm and ssh
#     from the login node to the compute nodes with a key of its own;
#   - a login-node sshd (this machine's namespaces) listening only on a
#     second bridge ($LT_BRIDGE, $LT_SUBNET.1:$LT_LOGIN_PORT), key auth;
#   - a network namespace $LT_NS ($LT_SUBNET.2) whose nftables rules let out
#     only TCP to that sshd (and loopback): the user's laptop;
#   - a second sshd on $LT_SUBNET.1:$LT_KBD_PORT with keyboard-interactive
#     auth through PAM (pam_unix, the user's password) from a pam.d file of
#     its own, bind-mounted over /etc/pam.d/sshd in a mount namespace of its
#     own. The laptop reaches it only through the login sshd (ProxyJump).
# Everything made is listed in $LT_MADE so that `down` (or `laptop-down`)
# removes exactly that. tests/laptop.sh runs commands on the laptop.

LT_DIR=$DIR/laptop                  # readable by the user: keys, ssh config
LT_MADE=$DIR/laptop-made            # "user NAME", "netns NAME", "link NAME", "path PATH"
LT_USER=${HPCTOP_SLURM_LAPTOP_USER:-hpctopu}
LT_SUBNET=${HPCTOP_SLURM_LAPTOP_SUBNET:-10.213.8}
LT_BRIDGE=hpctopbr1
LT_NS=laptop
LT_VETH=hpctop-laptop
LT_LOGIN_PORT=${HPCTOP_SLURM_LOGIN_PORT:-2222}
LT_KBD_PORT=${HPCTOP_SLURM_KBD_PORT:-2223}
# The user's GECOS field: what makes it ours (down removes no other user).
LT_MARK="hpctop test user of $DIR"
LT_PASSWORD_FILE=$SSH_DIR/laptop_password  # root only; tests read it

laptop_wanted() { ((NODES > 1)) && [[ ${HPCTOP_SLURM_LAPTOP:-0} == 1 ]]; }

lt_made() { echo "$*" >>"$LT_MADE"; }

lt_ours() { [[ $(getent passwd "$1" | cut -d: -f5) == "$LT_MARK" ]]; }

laptop_alive() {
    [[ -s $LT_DIR/env && -e /run/netns/$LT_NS ]] &&
        pid_alive "$RUN/sshd-login.pid" "$SSHD" >/dev/null &&
        pid_alive "$RUN/sshd-kbd.pid" "$SSHD" >/dev/null
}

laptop_check() {
    local b p
    for b in nft setpriv useradd userdel chpasswd getent; do
        command -v "$b" >/dev/null || die "$b not found (apt-get install -y nftables util-linux passwd)"
    done
    [[ ! -e /run/netns/$LT_NS ]] || die "network namespace $LT_NS exists already (another laptop world? see ip netns list)"
    ! ip link show "$LT_BRIDGE" >/dev/null 2>&1 || die "link $LT_BRIDGE exists already (another laptop world?)"
    ! ip -4 -o addr show | grep -q " inet $LT_SUBNET\." ||
        die "subnet $LT_SUBNET.0/24 is in use on this machine (set HPCTOP_SLURM_LAPTOP_SUBNET)"
    if getent passwd "$LT_USER" >/dev/null && ! lt_ours "$LT_USER"; then
        die "user $LT_USER exists and was not made by this script (set HPCTOP_SLURM_LAPTOP_USER)"
    fi
    for p in "$LT_LOGIN_PORT" "$LT_KBD_PORT"; do
        ! port_busy "$p" || die "port $p is already in use (set HPCTOP_SLURM_LOGIN_PORT / HPCTOP_SLURM_KBD_PORT)"
    done
}

# The user, with a password (the PAM sshd asks for it; without one sshd's
# UsePAM=no would also see the account as locked), its own key authorized
# on every test sshd, and an ~/.ssh/config for the compute nodes (what
# `mpiexec.mpich -hosts cn1,cn2` and the ssh backend use as that user).
laptop_user() {
    local home=/home/$LT_USER pw
    if ! getent passwd "$LT_USER" >/dev/null; then
        say "creating user $LT_USER"
        useradd -m -d "$home" -s /bin/bash -c "$LT_MARK" -U "$LT_USER" ||
            die "useradd $LT_USER failed"
    fi
    lt_made user "$LT_USER"
    pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    (umask 077; printf '%s\n' "$pw" >"$LT_PASSWORD_FILE")
    printf '%s:%s\n' "$LT_USER" "$pw" | chpasswd || die "chpasswd for $LT_USER failed"
    install -d -m 0700 -o "$LT_USER" -g "$LT_USER" "$home/.ssh"
    rm -f "$home/.ssh/id_ed25519" "$home/.ssh/id_ed25519.pub"
    setpriv --reuid="$LT_USER" --regid="$LT_USER" --init-groups \
        ssh-keygen -q -t ed25519 -N '' -C "$LT_USER@login" -f "$home/.ssh/id_ed25519" >&2 ||
        die "ssh-keygen as $LT_USER failed"
    install -m 0644 -o "$LT_USER" -g "$LT_USER" "$SSH_DIR/known_hosts" "$home/.ssh/known_hosts"
    cat >"$home/.ssh/config" <<EOF
# $CONF_MARK
Host cn*
    IdentityFile ~/.ssh/id_ed25519
    IdentitiesOnly yes
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 10
EOF
    chown "$LT_USER:$LT_USER" "$home/.ssh/config"
    chmod 0600 "$home/.ssh/config"
}

# The second bridge and the laptop namespace on it; inside, the only way
# out is TCP to the login sshd (refused at once otherwise, not dropped, so
# that checks fail fast).
laptop_net() {
    say "creating bridge $LT_BRIDGE ($LT_SUBNET.1/24) and network namespace $LT_NS ($LT_SUBNET.2)"
    ip link add "$LT_BRIDGE" type bridge || die "cannot create bridge $LT_BRIDGE"
    lt_made link "$LT_BRIDGE"
    ip addr add "$LT_SUBNET.1/24" dev "$LT_BRIDGE"
    ip link set "$LT_BRIDGE" up
    ip netns add "$LT_NS" || die "cannot create network namespace $LT_NS"
    lt_made netns "$LT_NS"
    ip link add "$LT_VETH" type veth peer name eth0 netns "$LT_NS" ||
        die "cannot create the veth pair for $LT_NS"
    lt_made link "$LT_VETH"
    ip link set "$LT_VETH" master "$LT_BRIDGE" up
    ip -n "$LT_NS" addr add "$LT_SUBNET.2/24" dev eth0
    ip -n "$LT_NS" link set eth0 up
    ip -n "$LT_NS" link set lo up
    nsenter --net="/run/netns/$LT_NS" nft -f - <<EOF || die "nft: cannot load the laptop's rules"
table inet hpctop_laptop {
    chain output {
        type filter hook output priority 0; policy drop;
        oifname "lo" accept
        ct state established,related accept
        ip daddr $LT_SUBNET.1 tcp dport $LT_LOGIN_PORT accept
        meta l4proto tcp reject with tcp reset
        reject with icmpx type admin-prohibited
    }
    chain input {
        type filter hook input priority 0; policy drop;
        iifname "lo" accept
        ct state established,related accept
    }
}
EOF
}

# The laptop's side: a key (authorized for the user on every test sshd
# beside the user's own), the hosts' keys, and the ssh config that
# HPCTOP_SSH_CONFIG (and ssh -F) names on the laptop.
laptop_keys() {
    local hostkey
    install -d -m 0755 "$LT_DIR"
    lt_made path "$LT_DIR"
    install -d -m 0555 "$LT_DIR/empty"      # bind-mounted over /home on the laptop
    [[ -s $SSH_DIR/host_login ]] ||
        ssh-keygen -q -t ed25519 -N '' -C login -f "$SSH_DIR/host_login" >&2
    rm -f "$LT_DIR/id_ed25519" "$LT_DIR/id_ed25519.pub"
    ssh-keygen -q -t ed25519 -N '' -C "$LT_USER@laptop" -f "$LT_DIR/id_ed25519" >&2
    chown "$LT_USER:$LT_USER" "$LT_DIR/id_ed25519" "$LT_DIR/id_ed25519.pub"
    # sshd reads these as the user: not under $SSH_DIR (root's only).
    cat "/home/$LT_USER/.ssh/id_ed25519.pub" "$LT_DIR/id_ed25519.pub" >"$LT_DIR/authorized_keys.$LT_USER"
    chmod 0644 "$LT_DIR/authorized_keys.$LT_USER"
    hostkey=$(cut -d' ' -f1,2 "$SSH_DIR/host_login.pub")
    {
        echo "[$LT_SUBNET.1]:$LT_LOGIN_PORT $hostkey"
        echo "[$LT_SUBNET.1]:$LT_KBD_PORT $hostkey"
        cat "$SSH_DIR/known_hosts"
    } >"$LT_DIR/known_hosts"
    cat >"$LT_DIR/ssh_config" <<EOF
# $CONF_MARK: the laptop's view (HPCTOP_SSH_CONFIG)
Host login
    HostName $LT_SUBNET.1
    Port $LT_LOGIN_PORT
Host loginkbd
    HostName $LT_SUBNET.1
    Port $LT_KBD_PORT
    ProxyJump login
    PubkeyAuthentication no
    PreferredAuthentications keyboard-interactive
Host cn*
    ProxyJump login
Host *
    User $LT_USER
    IdentityFile $LT_DIR/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $LT_DIR/known_hosts
    StrictHostKeyChecking yes
    ConnectTimeout 10
EOF
    chmod 0644 "$LT_DIR/known_hosts" "$LT_DIR/ssh_config"
}

# The sshd_config lines both login-node sshds share.
lt_sshd_common() {
    cat <<EOF
# $CONF_MARK
ListenAddress $LT_SUBNET.1
HostKey $SSH_DIR/host_login
AllowUsers $LT_USER
PermitRootLogin no
StrictModes no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
MaxSessions 64
Subsystem sftp internal-sftp
SetEnv SLURM_CONF=$CONF
EOF
}

lt_wait_pidfile() {
    local i
    for ((i = 0; ; i++)); do
        pid_alive "$1" "$SSHD" >/dev/null && return
        ((i < 100)) || die "$2 did not write $1"
        sleep 0.1
    done
}

laptop_sshds() {
    {
        lt_sshd_common
        cat <<EOF
Port $LT_LOGIN_PORT
PidFile $RUN/sshd-login.pid
AuthorizedKeysFile $LT_DIR/authorized_keys.%u
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
EOF
    } >"$SSH_DIR/sshd_login_config"
    {
        lt_sshd_common
        cat <<EOF
Port $LT_KBD_PORT
PidFile $RUN/sshd-kbd.pid
PubkeyAuthentication no
PasswordAuthentication no
KbdInteractiveAuthentication yes
AuthenticationMethods keyboard-interactive
UsePAM yes
EOF
    } >"$SSH_DIR/sshd_kbd_config"
    # nodelay: a wrong answer fails at once, not after pam_faildelay's 2 s.
    cat >"$SSH_DIR/pam_sshd" <<EOF
# $CONF_MARK: /etc/pam.d/sshd of the keyboard-interactive test sshd only
auth     required pam_unix.so nodelay
account  required pam_unix.so
session  required pam_permit.so
password required pam_deny.so
EOF
    : >"$LOG/sshd-login.log"
    : >"$LOG/sshd-kbd.log"
    say "starting the login sshd ($LT_SUBNET.1:$LT_LOGIN_PORT)"
    launch "$SSHD" -f "$SSH_DIR/sshd_login_config" -E "$LOG/sshd-login.log" ||
        die "the login sshd failed to start (see $LOG/sshd-login.log)"
    lt_wait_pidfile "$RUN/sshd-login.pid" "the login sshd"
    say "starting the keyboard-interactive sshd ($LT_SUBNET.1:$LT_KBD_PORT)"
    [[ -e /etc/pam.d/sshd ]] || die "/etc/pam.d/sshd not found (apt-get install -y openssh-server)"
    # shellcheck disable=SC2016  # expanded by that sh
    launch unshare -m --propagation private sh -c \
        'mount --bind "$1" /etc/pam.d/sshd && exec "$2" -f "$3" -E "$4"' sh \
        "$SSH_DIR/pam_sshd" "$SSHD" "$SSH_DIR/sshd_kbd_config" "$LOG/sshd-kbd.log" ||
        die "the keyboard-interactive sshd failed to start (see $LOG/sshd-kbd.log)"
    lt_wait_pidfile "$RUN/sshd-kbd.pid" "the keyboard-interactive sshd"
}

laptop_env_file() {
    cat >"$LT_DIR/env.tmp" <<EOF
LAPTOP_USER=$LT_USER
LAPTOP_NS=$LT_NS
LAPTOP_DIR=$LT_DIR
LAPTOP_ADDR=$LT_SUBNET.2
LAPTOP_SSH_CONFIG=$LT_DIR/ssh_config
LAPTOP_LOGIN_ADDR=$LT_SUBNET.1
LAPTOP_LOGIN_PORT=$LT_LOGIN_PORT
LAPTOP_KBD_PORT=$LT_KBD_PORT
LAPTOP_PASSWORD_FILE=$LT_PASSWORD_FILE
EOF
    mv "$LT_DIR/env.tmp" "$LT_DIR/env"
}

laptop_up() {
    if laptop_alive; then
        say "laptop world already up"
        return
    fi
    if [[ -e $LT_MADE ]]; then
        say "found a partial laptop world, removing it first"
        laptop_down
    fi
    laptop_check
    # Under a cold `up` its own trap (cmd_down) already removes the laptop.
    local own_trap=0
    if [[ -z $(trap -p EXIT) ]]; then
        own_trap=1
        trap 'say "laptop world failed, removing what was made"; laptop_down || true' EXIT
    fi
    laptop_user
    laptop_net
    laptop_keys
    laptop_sshds
    laptop_env_file
    ((own_trap == 0)) || trap - EXIT
    say "laptop world up: user $LT_USER, login sshd $LT_SUBNET.1:$LT_LOGIN_PORT, namespace $LT_NS"
}

# Removes the user only if it carries our mark, after ending its leftover
# processes (by pid: they can only be what the tests ran as that user).
lt_userdel() {
    local u=$1 uid p
    getent passwd "$u" >/dev/null || return 0
    lt_ours "$u" || {
        say "user $u is not ours, leaving it"
        return 0
    }
    uid=$(id -u "$u")
    for p in $(ps -e -o pid= -o uid= -o stat= | awk -v u="$uid" '$2 == u && $3 !~ /^Z/ {print $1}'); do
        say "killing leftover process $p of $u ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true))"
        kill -KILL "$p" 2>/dev/null || true
    done
    for ((p = 0; p < 50; p++)); do
        [[ -z $(ps -e -o uid= -o stat= | awk -v u="$uid" '$1 == u && $2 !~ /^Z/') ]] && break
        sleep 0.1
    done
    # userdel -r warns about the mail spool useradd never made.
    if userdel -r "$u" 2>"$LOG/userdel.err"; then
        say "deleted user $u"
    else
        grep -v 'mail spool' "$LOG/userdel.err" >&2 || true
        ! getent passwd "$u" >/dev/null || say "WARNING: could not delete user $u"
    fi
    rm -f "$LT_PASSWORD_FILE"
}

laptop_down() {
    local kind name
    stop_pid "login sshd" "$RUN/sshd-login.pid" "$SSHD"
    stop_pid "keyboard-interactive sshd" "$RUN/sshd-kbd.pid" "$SSHD"
    [[ -r $LT_MADE ]] || return 0
    while read -r kind name; do
        case $kind in
            link) if ip link del "$name" 2>/dev/null; then say "deleted link $name"; fi ;;
            netns) if ip netns del "$name" 2>/dev/null; then say "deleted network namespace $name"; fi ;;
            user) lt_userdel "$name" ;;
            path) rm -rf "${name:?}" ;;
        esac
    done < <(tac "$LT_MADE")
    rm -f "$LT_MADE"
}
