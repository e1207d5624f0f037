#!/usr/bin/env bash
# The mpi backend across the two compute nodes of the multi-node test
# cluster (tests/mnenv.sh), with `hosts: [cn1, cn2]` and the controller on
# this (login) machine advertising the bridge address
# (controller.interface: hpctopbr0): through MPICH's Hydra (its ssh
# launcher to the nodes' sshd; engines without --mpi, as Debian's mpi4py
# is built on Open MPI) and through Open MPI (--host, its rsh agent pointed
# at the test ssh config). Each: start -n 4 --wait registers engines from
# cn1 and cn2, px runs on all of them inside the nodes' namespaces, `stop`
# leaves no process on any node. Hydra with mpi: true: the MPI mismatch
# (core/mpiworld.h) across the nodes.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/mnenv.sh"
need_mpi
command -v mpiexec.mpich >/dev/null || skip_all "mpiexec.mpich is not installed (mpich)"

ssh_wrapper=$HPCTOP_SLURM_DIR/ssh/ssh	# ssh -F the test cluster's ssh_config

# mn_mpi_profile NAME [YAML LINES...]: the mpi backend over cn1 and cn2,
# the controller here on the bridge.
mn_mpi_profile() {
	local name=$1
	shift
	batch_profiles+=("$name")	# batch_cleanup stops what is left
	{
		echo "version: 1"
		echo "backend: mpi"
		echo "engines: 4"
		echo "hosts: [cn1, cn2]"
		echo "controller: {command: /usr/bin/ipcontroller, interface: hpctopbr0}"
		echo "engine: {command: /usr/bin/ipengine}"
		printf '%s\n' "$@"
	} >"$profiles/$name.yaml"
}

# Node names, one a line, counted as "cn1xK cn2xM ".
per_node() { sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' '; }

# Where the engine processes of a cluster run, as per_node says.
engine_nodes() {
	local p
	for p in $(procs_of "$1"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^[^ ]*python[^ ]* [^ ]*ipengine ' &&
			proc_node "$p"
	done | per_node
}

# across NAME LAUNCHER PX_CODE PX_WANT: start -n 4 --wait, engines and
# their processes on both nodes, px, stop, nothing left.
across() {
	local name=$1 what=$2 code=$3 want=$4 t0 bridge
	t0=$SECONDS
	run "$HPCTOP" start "$name" -n 4 --wait=120
	is "$rc" 0 "$what: start -n 4 --wait over cn1 and cn2"
	like "$out" "engines 4/4 registered" "$what: all 4 engines registered"
	[ "$rc" = 0 ] || diag_fail "$err" "$("$HPCTOP" logs "$name" 2>&1 | tail -30)"
	diag "$what: start --wait took $((SECONDS - t0)) s"
	record_pids "$name"

	bridge=$(ip -o -4 addr show dev hpctopbr0 | awk '{sub("/.*", "", $4); print $4}')
	/usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["location"])' \
		"$IPYTHONDIR/profile_$name/security/ipcontroller-client.json" >"$tmp/loc"
	is "$(cat "$tmp/loc")" "$bridge" "$what: the controller advertises the bridge address"

	run "$HPCTOP" engines "$name"
	is "$rc" 0 "$what: engines"
	is "$(awk 'NR > 1 && $2 ~ /^cn/ {print $2}' <<<"$out" | per_node)" \
		"cn1x2 cn2x2 " "$what: HOST column: two engines on cn1, two on cn2"
	is "$(engine_nodes "$name")" "cn1x2 cn2x2 " \
		"$what: the engine processes run in cn1's and cn2's network namespaces"

	run "$HPCTOP" px "$name" -T 60 "$code"
	is "$rc" 0 "$what: px"
	is "$(grep -Ec "^\[stdout:[0-9]+\] $want\$" <<<"$out")" 4 "$what: px answers '$want' from every engine"
	[ "$rc" = 0 ] || diag_fail "$out" "$err"
	is "$(awk '/^\[stdout:/ {print $2}' <<<"$out" | per_node)" "cn1x2 cn2x2 " "$what: px ran on two engines on each node"

	run "$HPCTOP" stop "$name"
	is "$rc" 0 "$what: stop"
	wait_until 10 says_nothing procs_of "$name"
	is "$(procs_of "$name" | while read -r p; do echo "$p:$(proc_node "$p")"; done)" "" \
		"$what: no controller, mpiexec, launcher or engine left on any node"
}

# MPICH's Hydra: its ssh launcher through the test's ssh config (what a
# user writes with a launcher of their own), its proxies calling back on
# the bridge. Hydra forwards the whole environment to every rank.
mn_mpi_profile mnhydra "mpi: false" "mpiexec: mpiexec.mpich" \
	"mpiexec_args: [-launcher, ssh, -launcher-exec, '$ssh_wrapper', -iface, hpctopbr0]"
run "$HPCTOP" script mnhydra
like "$out" "mpiexec.mpich -n 4 -hosts cn1,cn2 -launcher ssh -launcher-exec [^ ]*/ssh/ssh -iface hpctopbr0 /usr/bin/ipengine --profile=mnhydra --IPEngine.wait_for_url_file=[0-9]+( |\$)" \
	"hydra: script: -hosts cn1,cn2, the profile's launcher flags, ipengine without --mpi"
like "$out" "# 4 engines under mpiexec, without MPI \(mpi: false\) \(MPICH Hydra launcher" \
	"hydra: script: says the engines are not in one MPI world"
across mnhydra hydra 'import socket, os; print(socket.gethostname(), "PMI_RANK" in os.environ)' \
	'cn[12] True'

# Hydra with mpi: true: the Open MPI mpi4py on each node initialises a
# world of its own; start --wait says so, naming both MPIs.
mn_mpi_profile mnhydrampi "mpi: true" "mpiexec: mpiexec.mpich" \
	"mpiexec_args: [-launcher, ssh, -launcher-exec, '$ssh_wrapper', -iface, hpctopbr0]"
run "$HPCTOP" start mnhydrampi -n 4 --wait=120
is "$rc" 1 "hydra, mpi: true: start --wait exits 1"
record_pids mnhydrampi
mismatch="mpiexec and mpi4py use different MPI libraries: 4 of 4 engines see an MPI world of 1 \(mpi4py is built on Open MPI v[0-9.]+; mpiexec.mpich is MPICH \(Hydra\)'s launcher\)"
like "$err" "$mismatch" "hydra, mpi: true: the MPI mismatch, across the nodes"
run "$HPCTOP" status mnhydrampi --json
like "$out" "\"mpi_mismatch\": \"$mismatch\"" "hydra, mpi: true: status --json mpi_mismatch"
is "$(engine_nodes mnhydrampi)" "cn1x2 cn2x2 " "hydra, mpi: true: the engines do run on both nodes"
run "$HPCTOP" stop mnhydrampi
is "$rc" 0 "hydra, mpi: true: stop"
wait_until 10 says_nothing procs_of mnhydrampi
is "$(procs_of mnhydrampi)" "" "hydra, mpi: true: nothing left on any node"

# Open MPI: --host cn1:2,cn2:2, its daemons started over ssh
# (OMPI_MCA_plm_rsh_agent), the profile env and IPYTHONDIR passed to the
# remote ranks with -x; one MPI world of 4 across both nodes.
mn_mpi_profile mnompi "mpi: true" "mpiexec: mpiexec.openmpi" "env:" \
	"  OMPI_ALLOW_RUN_AS_ROOT: '1'" "  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1'" \
	"  OMPI_MCA_plm_rsh_agent: '$ssh_wrapper'"
run "$HPCTOP" script mnompi
like "$out" "mpiexec.openmpi -n 4 --host cn1:2,cn2:2 -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM -x OMPI_MCA_plm_rsh_agent -x IPYTHONDIR=[^ ]+ /usr/bin/ipengine --profile=mnompi [^
]*--mpi" "openmpi: script: --host cn1:2,cn2:2, -x for the env and IPYTHONDIR, ipengine --mpi"
across mnompi openmpi 'from mpi4py import MPI; import socket
c = MPI.COMM_WORLD
print(socket.gethostname(), c.size, c.allreduce(c.rank))' 'cn[12] 4 6'

done_testing
