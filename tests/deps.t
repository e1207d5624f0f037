#!/usr/bin/env bash
# make deps is idempotent: with everything installed it says nothing and
# does not call apt-get.
. "$(dirname "$0")/tap.sh"

run make -s -C "$HPCTOP_SRCDIR" deps
is "$rc" 0 "make deps exits 0"
is "$out" "" "make deps installs nothing when all packages are there"
for cmd in /usr/bin/ipcontroller /usr/bin/ipengine mpiexec.openmpi sbatch qsub sshd tmux; do
	command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ]
	ok $? "make deps provides $cmd"
done
/usr/bin/python3 -c 'import ipyparallel, mpi4py, numpy' 2>/dev/null
ok $? "python3-ipyparallel, mpi4py and numpy import"

done_testing
