#!/usr/bin/env bash
# The batch backends on a real two-node Slurm (tests/slurm/cluster with
# HPCTOP_SLURM_NODES=2: compute nodes cn1 and cn2 in network + UTS
# namespaces, the login node is this machine): engines register from both
# host names, the seed psum (Allreduce, 496.0) and an MPI Send/Recv run
# across the nodes through `hpctop px`, `stop` leaves no job and no process.
. "$(dirname "$0")/tap.sh"


. "$(dirname "$0")/mnenv.sh"

run sinfo --noheader --format='%n %T'
is "$(sort <<<"$out" | tr '\n' ' ')" "cn1 idle cn2 idle " "two compute nodes, both idle"
run ssh -F "$HPCTOP_SLURM_SSH_CONFIG" cn2 'hostname; echo "$SLURM_CONF"'
is "$out" "cn2"$'\n'"$SLURM_CONF" "ssh to cn2: the node's host name and the test cluster's SLURM_CONF"
[ "$rc" = 0 ] || diag_fail "$err"

# The nodes' sshd as MPICH's Hydra uses it (ssh launcher), calling back to
# the login node on the bridge.
run timeout 60 mpiexec.mpich -launcher ssh -launcher-exec "$HPCTOP_SLURM_DIR/ssh/ssh" \
	-iface hpctopbr0 -hosts cn1,cn2 -n 2 hostname
is "$(sort <<<"$out" | tr '\n' ' ')" "cn1 cn2 " "MPICH's Hydra over the nodes' sshd: one rank on each node"
[ "$rc" = 0 ] || diag_fail "$err"


# Rank 0 sends 100 ints to the first rank on another node.
sendrecv='from mpi4py import MPI
import numpy as np, socket
comm = MPI.COMM_WORLD
hosts = comm.allgather(socket.gethostname())
peer = [r for r in range(comm.size) if hosts[r] != hosts[0]][0]
if comm.rank == 0:
    comm.Send(np.arange(100, dtype="i"), dest=peer, tag=7)
elif comm.rank == peer:
    buf = np.zeros(100, dtype="i")
    comm.Recv(buf, source=0, tag=7)
    print("rank %d on %s got %d ints, sum %d, from rank 0 on %s" % (comm.rank, hosts[peer], len(buf), buf.sum(), hosts[0]))'

# The client connection file's interface and location.
advertised() {
	/usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["interface"], d["location"])' \
		"$IPYTHONDIR/profile_$1/security/ipcontroller-client.json"
}

# The node the controller job of a cluster runs on.
ctl_node() {
	squeue --noheader --jobs="$(batch_jobids "$1" | sed -n 1p)" --format=%N
}

# iface_profile NAME BACKEND INTERFACE [YAML LINES...]: batch_profile's,
# with controller.interface.
iface_profile() {
	local name=$1 backend=$2 iface=$3
	shift 3
	batch_profile "$name" "$backend" "$@"
	sed -i "s|^controller: {command: /usr/bin/ipcontroller|&, interface: $iface|" \
		"$XDG_CONFIG_HOME/hpctop/profiles/$name.yaml"
}

# across NAME BACKEND PER_NODE: start -n 4 over both nodes, check (engines
# per node as "cn1xK cn2xM " matching PER_NODE), stop.
across() {
	local name=$1 backend=$2 per_node=$3 ids hosts
	batch_start_ok "$name" 4
	# ipcontroller --ip='*' advertises its node's host name (location),
	# which the other node and the login node resolve.
	is "$(advertised "$name")" "tcp://* $(ctl_node "$name")" \
		"$backend: the connection file advertises '*' at the controller's node name"

	run "$HPCTOP" status "$name"
	like "$out" "engines 4/4" "$backend: status says engines 4/4"
	# Names are cut to the column; the engines job is the one of 2 nodes.
	like "$out" $'\n  [0-9]+ +hpctop-[^ ]+ +[^ ]+ +debug +2 +4 .* R +[0-9:]+ +(cn\\[1-2\\]|cn1,cn2)(\n|$)' \
		"$backend: status shows the engines job R with 4 tasks on 2 nodes"

	run "$HPCTOP" engines "$name"
	is "$rc" 0 "$backend: engines"
	hosts=$(awk 'NR > 1 && $2 ~ /^cn/ {print $2}' <<<"$out" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
	like "$hosts" "$per_node" "$backend: HOST column: engines on cn1 and on cn2 ($hosts)"

	run "$HPCTOP" px "$name" -T 60 "$psum"
	is "$rc" 0 "$backend: px psum"
	is "$(grep -Ec '^\[stdout:[0-9]+\] psum 4 496\.0$' <<<"$out")" 4 "$backend: psum is 496.0 on every engine, MPI world of 4"
	[ "$rc" = 0 ] || diag_fail "$out" "$err"

	run "$HPCTOP" px "$name" -T 60 "$sendrecv"
	is "$rc" 0 "$backend: px Send/Recv"
	like "$out" "rank [23] on cn2 got 100 ints, sum 4950, from rank 0 on cn1" \
		"$backend: MPI Send/Recv from cn1 to cn2"
	[ "$rc" = 0 ] || diag_fail "$out" "$err"

	run "$HPCTOP" stop "$name"
	is "$rc" 0 "$backend: stop"
	# A job still completing shows as C in the Torque wrapper's qstat
	# already; Slurm ends it within its KillWait.
	wait_until 20 says_nothing batch_slurm_live $ids
	is "$(batch_slurm_live $ids)" "" "$backend: stop leaves nothing in squeue"
	wait_until 10 says_nothing procs_of "$name"
	is "$(procs_of "$name")" "" "$backend: no controller, engine or rank left on any node"
}

batch_profile mnslurm slurm "mpi: true" "queue: debug" "nodes: 2" "tasks_per_node: 2"
across mnslurm slurm "^cn1x2 cn2x2 $"

# controller.interface: the controller job finds eth0's address on its
# node, listens on and advertises it; engines on both nodes reach it.
iface_profile mniface slurm eth0 "queue: debug" "nodes: 2" "tasks_per_node: 1"
run "$HPCTOP" start mniface -n 2 --wait=150
is "$rc" 0 "controller.interface eth0: start -n 2 --wait"
[ "$rc" = 0 ] || diag_fail "$err" "$(cat "$XDG_STATE_HOME/hpctop/clusters/mniface"/logs/* 2>/dev/null | tail -20)"
node=$(ctl_node mniface)
addr=$(ip -n "$node" -o -4 addr show dev eth0 | awk '{sub("/.*", "", $4); print $4}')
is "$(advertised mniface)" "tcp://$addr $addr" \
	"controller.interface: the connection file advertises $node's eth0 address"
run "$HPCTOP" engines mniface
is "$(awk 'NR > 1 && $2 ~ /^cn/ {print $2}' <<<"$out" | sort | tr '\n' ' ')" "cn1 cn2 " \
	"controller.interface: engines registered from cn1 and cn2"
ids=$(batch_jobids mniface | tr '\n' ' ')
run "$HPCTOP" stop mniface
is "$rc" 0 "controller.interface: stop"
is "$(batch_slurm_live $ids)" "" "controller.interface: nothing left in squeue"

# An interface the controller's node does not have: the job says so in
# the controller's log, which start --wait shows when the controller ends.
iface_profile mnnoif slurm ib0 "queue: debug"
run "$HPCTOP" start mnnoif -n 1 --wait=40
is "$rc" 1 "controller.interface ib0 (absent): start --wait fails"
like "$err" "hpctop: controller.interface: no network interface ib0 with an IPv4 address on cn[12] \(it has lo eth0\)" \
	"start shows the controller log: the interface, the node and the interfaces it has"
noif_jobs() { squeue --noheader --name=hpctop-mnnoif-ctl,hpctop-mnnoif-eng --format=%i; }
wait_until 10 says_nothing noif_jobs
is "$(noif_jobs)" "" "absent interface: nothing left in squeue"

# The login node's side for the process backends: controller.interface
# on this machine (getifaddrs), the bridge to the compute nodes.
iface_profile mnlocal local hpctopbr0
run "$HPCTOP" start mnlocal -n 1 --wait=60
is "$rc" 0 "local with controller.interface hpctopbr0: start --wait"
bridge=$(ip -o -4 addr show dev hpctopbr0 | awk '{sub("/.*", "", $4); print $4}')
is "$(advertised mnlocal)" "tcp://$bridge $bridge" "local: advertises the bridge's address"
run "$HPCTOP" stop mnlocal
is "$rc" 0 "local: stop"

command -v qsub >/dev/null || { diag "no qsub (slurm-wlm-torque): pbs skipped"; done_testing; exit; }
batch_profile mnpbs pbs "mpi: true" "queue: debug" "nodes: 2" "tasks_per_node: 2"
# Slurm's qsub wrapper turns nodes=2:ppn=2 into -N 2 -n 4, not 2 per
# node: Slurm may place 3 and 1.
across mnpbs pbs "^cn1x[1-3] cn2x[1-3] $"

done_testing
