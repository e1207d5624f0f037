# Shared by the tests on the two-node test Slurm (multinode.t, doctor_mn.t,
# mpi_mn.t): skips where namespaces cannot be made, then one cluster of its
# own beside the single-node one (ports and directory, the same for all of
# them, so each reuses another's) through tests/batchenv.sh, and what they
# ask of the nodes' processes. Source after tap.sh.
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, a bridge, /etc/hosts)"
command -v ip >/dev/null && command -v nsenter >/dev/null && [ -x /usr/sbin/sshd ] ||
	skip_all "needs iproute2, util-linux's nsenter and openssh-server"
unshare --net --uts true 2>/dev/null ||
	skip_all "cannot create network and UTS namespaces here"

export HPCTOP_SLURM_NODES=2
. "$HPCTOP_SRCDIR/tests/batchenv.sh" MN /tmp/hpctop-slurm-mn 16827

# The processes of a cluster: anything whose command line names its
# IPython profile (ipcontroller, ipengine, mpiexec's ranks), on any node
# (the nodes share this machine's process table).
procs_of() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q -- "--profile=$1 " &&
			grep -qv '^Z' <(awk '{print $3}' "${f%cmdline}stat" 2>/dev/null) &&
			echo "${f//[^0-9]/}"
	done
}

# proc_node PID: the compute node whose network namespace PID runs in,
# "login" for this machine's.
proc_node() {
	local ns n
	ns=$(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null) || return 1
	for n in /run/netns/cn*; do
		[ "$(stat -L -c %i "$n")" = "$ns" ] && { echo "${n##*/}"; return; }
	done
	echo login
}

# Each engine sums its rank's quarter of arange(32) and Allreduces: 496.0
# on every engine (the seed psum of tests/mpi.t, with the scatter done by
# rank since px has no scatter).
psum='from mpi4py import MPI
import numpy as np
comm = MPI.COMM_WORLD
a = np.arange(32.)[comm.rank * 8:(comm.rank + 1) * 8]
rcv = np.array(0.0, "d")
comm.Allreduce([np.sum(a), MPI.DOUBLE], [rcv, MPI.DOUBLE], op=MPI.SUM)
print("psum", comm.size, float(rcv))'
