# The laptop world of the two-node test Slurm (tests/slurm/laptop.sh): its
# test user, the login sshd, the "laptop" network namespace. Source after
# tests/mnenv.sh. Gives
#   as_user CMD...    CMD as the test user on the login node (its passwd
#                     home, the test cluster's SLURM_CONF)
#   on_laptop CMD...  CMD as the test user on the laptop: its network
#                     namespace, /home hidden under an empty directory,
#                     HOME and XDG dirs in $laptop_tmp, HPCTOP_SSH_CONFIG
#   $LAPTOP_USER, $LAPTOP_SSH_CONFIG, $LAPTOP_LOGIN_ADDR, ... (its env file)
#   $laptop_sshbin    a directory with an `ssh` that reads HPCTOP_SSH_CONFIG
command -v nft >/dev/null || skip_all "needs nftables (apt-get install -y nftables)"
command -v setpriv >/dev/null || skip_all "needs util-linux's setpriv"

if ! HPCTOP_SLURM_LAPTOP=1 "$batch_cluster" up >"$tmp/laptop.env" 2>"$tmp/laptop-up.log"; then
	ok 1 "the laptop world comes up"
	sed 's/^/# /' "$tmp/laptop-up.log"
	done_testing
	exit 1
fi
. "$tmp/laptop.env"
. "$HPCTOP_SLURM_LAPTOP_ENV"

# This test's laptop-side state, under the world's directory (which the
# user can reach; /tmp itself stays visible on the laptop).
laptop_tmp=$(mktemp -d "$LAPTOP_DIR/t.XXXXXX")
for d in home config state run ipython; do mkdir -p "$laptop_tmp/$d"; done
# $laptop_sshbin/ssh: OpenSSH reading HPCTOP_SSH_CONFIG, as a user's
# ~/.ssh/config would be read, for what runs `ssh` from PATH (ipyparallel's
# sshserver tunnels); put it first in PATH where wanted.
laptop_sshbin=$laptop_tmp/bin
mkdir -p "$laptop_sshbin"
printf '#!/bin/sh\nexec /usr/bin/ssh -F "$HPCTOP_SSH_CONFIG" "$@"\n' >"$laptop_sshbin/ssh"
chmod 0755 "$laptop_sshbin/ssh"
chown -R "$LAPTOP_USER:$LAPTOP_USER" "$laptop_tmp"
chmod 0700 "$laptop_tmp" "$laptop_tmp/run"
laptop_cleanup() { rm -rf "$laptop_tmp"; batch_cleanup; }
trap laptop_cleanup EXIT

# What of the caller's environment the user's commands keep: the binary
# under test and the sanitizers' settings.
laptop_passenv() {
	local v
	for v in HPCTOP HPCTOP_SRCDIR ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS \
		CMOCKA_MESSAGE_OUTPUT TERM LANG LC_ALL; do
		[ -n "${!v+x}" ] && printf '%s=%s\n' "$v" "${!v}"
	done
	echo "PATH=/usr/local/bin:/usr/bin:/bin"
	echo "USER=$LAPTOP_USER"
	echo "LOGNAME=$LAPTOP_USER"
	echo "SHELL=/bin/bash"
}

as_user() {
	local -a envv
	mapfile -t envv < <(laptop_passenv)
	(cd / && setpriv --reuid="$LAPTOP_USER" --regid="$LAPTOP_USER" --init-groups -- \
		env -i "${envv[@]}" HOME="/home/$LAPTOP_USER" SLURM_CONF="$SLURM_CONF" "$@")
}

on_laptop() {
	local -a envv
	mapfile -t envv < <(laptop_passenv)
	envv+=(HOME="$laptop_tmp/home" XDG_CONFIG_HOME="$laptop_tmp/config"
		XDG_STATE_HOME="$laptop_tmp/state" XDG_RUNTIME_DIR="$laptop_tmp/run"
		IPYTHONDIR="$laptop_tmp/ipython" HPCTOP_SSH_CONFIG="$LAPTOP_SSH_CONFIG")
	# shellcheck disable=SC2016  # expanded by that sh
	nsenter --net="/run/netns/$LAPTOP_NS" unshare -m --propagation private sh -c '
		mount --bind "$1" /home && cd "$2" || exit 125
		shift 2
		exec setpriv --reuid="$0" --regid="$0" --init-groups -- "$@"' \
		"$LAPTOP_USER" "$LAPTOP_DIR/empty" "$laptop_tmp/home" env -i "${envv[@]}" "$@"
}

# laptop_askpass ANSWER: an SSH_ASKPASS program (on the laptop) that logs
# each prompt to $laptop_tmp/prompts and answers ANSWER.
laptop_askpass() {
	local f=$laptop_tmp/askpass
	printf '#!/bin/sh\nprintf "%%s\\n" "$1" >>%s/prompts\nprintf "%%s\\n" %s\n' \
		"$laptop_tmp" "$(printf %q "$1")" >"$f"
	chown "$LAPTOP_USER:$LAPTOP_USER" "$f"
	chmod 0700 "$f"
	: >"$laptop_tmp/prompts"
	chown "$LAPTOP_USER:$LAPTOP_USER" "$laptop_tmp/prompts"
	echo "$f"
}
