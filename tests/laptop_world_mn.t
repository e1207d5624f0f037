#!/usr/bin/env bash
# The laptop world of the two-node test Slurm (tests/slurm/laptop.sh, used
# through tests/laptop.sh), each property for real: the test user submits
# to Slurm and its jobs run as it on the nodes, runs ipyparallel, and ssh
# and MPICH take it from the login node to cn1/cn2; the laptop reaches the
# login sshd and nothing else, ProxyJumps to cn1 with OpenSSH, and sees no
# /home; the PAM sshd asks for the password and takes only the right one;
# `laptop-down` removes the user, namespace, links and sshds.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mnenv.sh"
. "$(dirname "$0")/laptop.sh"

U=$LAPTOP_USER
UHOME=/home/$U
LOGIN=$LAPTOP_LOGIN_ADDR

# ---- the user on the login node
run getent passwd "$U"
like "$out" "^$U:x:[1-9][0-9]*:[0-9]+:[^:]*:$UHOME:/bin/bash\$" "user $U exists, not root, home $UHOME, a shell"

run as_user sbatch --parsable -w cn1 --chdir="$UHOME" -o "lw-%j.out" --wait \
	--wrap 'id -un; hostname; echo "$SLURM_JOB_USER"'
is "$rc" 0 "sbatch --wait as $U"
job=${out%%;*}
echo "$job" >>"$tmp/jobids"
is "$(cat "$UHOME/lw-$job.out" 2>&1)" "$U"$'\n'"cn1"$'\n'"$U" "its job ran on cn1 as $U"
[ "$rc" = 0 ] || diag_fail "$err"

run as_user sbatch --parsable -w cn2 --chdir="$UHOME" -o /dev/null --wrap 'exec sleep 300'
job=${out%%;*}
echo "$job" >>"$tmp/jobids"
for ((i = 0; i < 100; i++)); do
	run as_user squeue --noheader --jobs="$job" --format='%u %T %N'
	[ "$out" = "$U RUNNING cn2" ] && break
	sleep 0.2
done
is "$out" "$U RUNNING cn2" "squeue as $U: its job runs on cn2"
# The job's sleep: the process whose environment names the job.
pid=$(for f in /proc/[0-9]*; do
	[ "$(cat "$f/comm" 2>/dev/null)" = sleep ] &&
		tr '\0' '\n' <"$f/environ" 2>/dev/null | grep -qx "SLURM_JOB_ID=$job" && echo "${f#/proc/}"
done | head -n1)
is "$(ps -o user= -p "${pid:-0}") $(proc_node "${pid:-0}")" "$U cn2" "the job's sleep runs as $U in cn2's namespace"
run as_user scancel "$job"
is "$rc" 0 "scancel as $U"
for ((i = 0; i < 100; i++)); do
	[ -z "$(batch_slurm_live "$job")" ] && break
	sleep 0.2
done
is "$(batch_slurm_live "$job")" "" "the cancelled job is gone"

run as_user timeout 120 /usr/bin/python3 -c '
import getpass, socket
import ipyparallel as ipp
c = ipp.Cluster(n=1)
rc = c.start_and_connect_sync()
print(rc[:].apply_sync(lambda: __import__("getpass").getuser())[0])
c.stop_cluster_sync()'
is "$(tail -n1 <<<"$out")" "$U" "an ipyparallel cluster as $U (its engine's user)"
[ "$rc" = 0 ] || diag_fail "$err"

run as_user ssh cn1 'hostname; id -un; echo "$SLURM_CONF"'
is "$out" "cn1"$'\n'"$U"$'\n'"$SLURM_CONF" "as $U, ssh cn1 with its own key and ~/.ssh/config (SLURM_CONF set)"
[ "$rc" = 0 ] || diag_fail "$err"
run as_user timeout 60 mpiexec.mpich -iface hpctopbr0 -hosts cn1,cn2 -n 2 hostname
is "$(sort <<<"$out" | tr '\n' ' ')" "cn1 cn2 " "as $U, mpiexec.mpich -hosts cn1,cn2: one rank on each node"
[ "$rc" = 0 ] || diag_fail "$err"

# ---- the laptop
lssh() { on_laptop ssh -F "$LAPTOP_SSH_CONFIG" "$@" </dev/null; }
run lssh -o BatchMode=yes login 'hostname; id -un; echo "$SLURM_CONF"'
is "$out" "$(hostname)"$'\n'"$U"$'\n'"$SLURM_CONF" "laptop: ssh -F \$HPCTOP_SSH_CONFIG login (the login sshd sets SLURM_CONF)"
[ "$rc" = 0 ] || diag_fail "$err"
run lssh -o BatchMode=yes cn1 'hostname; id -un'
is "$out" "cn1"$'\n'"$U" "laptop: ssh cn1 through ProxyJump login"
[ "$rc" = 0 ] || diag_fail "$err"
run on_laptop sh -c 'ls -A /home; echo "HOME=$HOME"; test -e /home/'"$U"'/.ssh; echo "seen=$?"; printenv HPCTOP_SSH_CONFIG'
is "$out" "HOME=$laptop_tmp/home"$'\n'"seen=1"$'\n'"$LAPTOP_SSH_CONFIG" \
	"laptop: /home is empty, HOME is the laptop's, HPCTOP_SSH_CONFIG set"
ok "$([ -d "$UHOME/.ssh" ]; echo $?)" "... while the login node has $UHOME/.ssh"

# reach HOST PORT: a TCP connection opens.
reach() { timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2"' sh "$1" "$2" 2>/dev/null; }
ok "$(on_laptop bash -c "$(declare -f reach); reach $LOGIN $LAPTOP_LOGIN_PORT"; echo $?)" \
	"laptop reaches the login sshd ($LOGIN:$LAPTOP_LOGIN_PORT)"
for hp in "$LOGIN $LAPTOP_KBD_PORT" "$LOGIN $HPCTOP_SLURMCTLD_PORT" "$(getent hosts cn1 | cut -d' ' -f1) 22"; do
	# shellcheck disable=SC2086  # HOST PORT
	ok "$(reach $hp; echo $?)" "the login node reaches ${hp/ /:}"
	# shellcheck disable=SC2086
	ok "$(on_laptop bash -c "$(declare -f reach); ! reach $hp"; echo $?)" "the laptop does not reach ${hp/ /:}"
done

# ---- keyboard-interactive through PAM (reached from the laptop by ProxyJump)
kbd_pid=$(cat "$HPCTOP_SLURM_DIR/run/sshd-kbd.pid")
unlike "$(cat /etc/pam.d/sshd)" "pam_unix.so nodelay" "the machine's /etc/pam.d/sshd is untouched"
like "$(cat "/proc/$kbd_pid/root/etc/pam.d/sshd")" "auth +required pam_unix.so nodelay" \
	"the PAM sshd sees the test's /etc/pam.d/sshd (its own mount namespace)"
kssh() { on_laptop env SSH_ASKPASS="$1" SSH_ASKPASS_REQUIRE=force \
	ssh -F "$LAPTOP_SSH_CONFIG" loginkbd 'id -un' </dev/null; }
run kssh "$(laptop_askpass "$(cat "$LAPTOP_PASSWORD_FILE")")"
is "$out" "$U" "kbdint: the right password logs in"
[ "$rc" = 0 ] || diag_fail "$err"
like "$(cat "$laptop_tmp/prompts")" "^\($U@$LOGIN\) Password: ?\$" "kbdint: PAM asked once for the password"
like "$(cat "$HPCTOP_SLURM_DIR/log/sshd-kbd.log")" "Accepted keyboard-interactive/pam for $U" "... through keyboard-interactive/pam"
run kssh "$(laptop_askpass wrong-answer)"
is "$rc" 255 "kbdint: a wrong password is refused"
like "$err" "Permission denied" "... Permission denied"
like "$(head -n1 "$laptop_tmp/prompts")" "Password:" "... after the prompt was answered"

# ---- up again is idempotent; laptop-down removes exactly the world
run env HPCTOP_SLURM_LAPTOP=1 "$batch_cluster" up
is "$rc" 0 "up again with the laptop world"
like "$err" "laptop world already up" "... finds it up"
login_pid=$(cat "$HPCTOP_SLURM_DIR/run/sshd-login.pid")
run "$batch_cluster" laptop-down
is "$rc" 0 "laptop-down"
ok "$(! getent passwd "$U" >/dev/null; echo $?)" "the user is gone"
ok "$([ ! -e "$UHOME" ]; echo $?)" "its home is gone"
ok "$([ ! -e "/run/netns/$LAPTOP_NS" ]; echo $?)" "the laptop namespace is gone"
ok "$(! ip link show hpctopbr1 >/dev/null 2>&1 && ! ip link show hpctop-laptop >/dev/null 2>&1; echo $?)" \
	"the second bridge and the laptop's veth are gone"
ok "$(! alive "$login_pid" && ! alive "$kbd_pid"; echo $?)" "both login-node sshds have exited"
ok "$([ ! -e "$LAPTOP_DIR" ]; echo $?)" "the laptop's directory is gone"
run "$batch_cluster" status
like "$out" "^up: own cluster.*cn1 idle, cn2 idle\$" "the compute nodes stay up"
run "$batch_cluster" laptop-down
is "$rc" 0 "laptop-down again does nothing"

# A user the script did not make is refused, and left alone.
run env HPCTOP_SLURM_LAPTOP=1 HPCTOP_SLURM_LAPTOP_USER=nobody "$batch_cluster" up
is "$rc" 1 "up refuses an existing user that is not its own"
like "$err" "user nobody exists and was not made by this script" "... and says so"
ok "$(getent passwd nobody >/dev/null && [ ! -e "/run/netns/$LAPTOP_NS" ]; echo $?)" "... nobody stays, no laptop is made"

done_testing
