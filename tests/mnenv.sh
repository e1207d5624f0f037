# Shared by the tests on the two-node test Slurm (multinode.t, doctor_mn.t):
# skips where namespaces cannot be made, then one cluster of its own beside
# the single-node one (ports and directory, the same for both tests, so
# either reuses the other's) through tests/batchenv.sh. Source after tap.sh.
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, a bridge, /etc/hosts)"
command -v ip >/dev/null && command -v nsenter >/dev/null && [ -x /usr/sbin/sshd ] ||
	skip_all "needs iproute2, util-linux's nsenter and openssh-server"
unshare --net --uts true 2>/dev/null ||
	skip_all "cannot create network and UTS namespaces here"

export HPCTOP_SLURM_NODES=2
. "$HPCTOP_SRCDIR/tests/batchenv.sh" MN /tmp/hpctop-slurm-mn 16827
