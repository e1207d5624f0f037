#!/usr/bin/env bash
# hpctop doctor on the two-node test Slurm (the cluster tests/multinode.t
# uses, same directory and ports, so either test reuses the other's): a
# slurm profile over both nodes passes (engines' Python, ipyparallel and
# mpi4py on cn1 and cn2, the MPI program across the nodes, both nodes reach
# the controller's node by name), and controller.ip 127.0.0.1 fails because
# cn2 cannot reach the first node's loopback address.
. "$(dirname "$0")/tap.sh"


. "$(dirname "$0")/mnenv.sh"

. "$(dirname "$0")/doctor.sh"

batch_profile two slurm "mpi: true" "nodes: 2" "tasks_per_node: 2"
doctor_passes " (2 nodes)" "2 nodes; the engines job asks for 00:10:00, 2 nodes" \
	"job [0-9]+ ran on cn1, cn2 in " "Open MPI .* on cn1, cn2, as mpiexec.openmpi" \
	"4 ranks on cn1 \(2\), cn2 \(2\) see a world of 4" "cn1, cn2 reached cn[12]:[0-9]+" -- two -n 4
like "$(check_line "$out" ipyparallel)" "ok +ipyparallel +ipyparallel [0-9.]+ on cn1, cn2, as the controller's" \
	"ipyparallel on both nodes"

batch_profile lo slurm "mpi: true" "nodes: 2" "tasks_per_node: 2"
sed -i 's|^controller: {|controller: {ip: 127.0.0.1, |' "$XDG_CONFIG_HOME/hpctop/profiles/lo.yaml"
run "$HPCTOP" doctor lo -n 4 --json
is "$rc" 1 "controller.ip 127.0.0.1 with engines on two nodes: doctor fails"
checks=$(checks_of "$out")
like "$checks" $'\n'"controller address\|failed\|cn[12] cannot connect to 127\.0\.0\.1:[0-9]+ \(ConnectionRefusedError: [^|]*\)\|the controller would listen on a loopback address, which only its own node reaches" \
	"the node that is not the controller's cannot connect, and the hint says loopback"
like "$checks" $'\n'"mpi program\|ok\|" "everything else still passes"

is "$(ls "$XDG_STATE_HOME/hpctop/doctor" 2>/dev/null)" "" "doctor leaves no files behind"
done_testing
