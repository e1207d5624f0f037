#!/usr/bin/env bash
# backend ssh on the two-node test cluster (run under flock
# /tmp/hpctop-mn.lock): 3 engines spread over cn1 and cn2 through the
# nodes' sshds (root's key in $HPCTOP_SLURM_DIR/ssh), their processes in
# the nodes' network namespaces, status per host and node, px from all,
# one engine killed on cn2 and seen lost with its host, and stop leaving
# nothing on either node; ipcluster list, Cluster.from_file() and ipcluster
# stop through the cluster file hpctop writes; then a local profile with host: cn1 (start,
# status, px through the session, ipcluster list, Cluster.from_file() and
# ipcluster stop on cn1 through the cluster file hpctop writes there, stop).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mnenv.sh"
. "$(dirname "$0")/ippfile.sh"

export HPCTOP_SSH_CONFIG=$HPCTOP_SLURM_DIR/ssh/ssh_config
[ -r "$HPCTOP_SSH_CONFIG" ] || { ok 1 "the nodes' ssh_config is there"; done_testing; exit 1; }
name=sshmn
batch_profiles+=("$name")
rdir=$(getent passwd root | cut -d: -f6)/.hpctop/ssh/$name
# The engines reach the controller on the bridge, the login node's side.
printf '%s\n' "backend: ssh" "hosts: [cn1, cn2]" "controller:" \
	"  interface: hpctopbr0" "engine:" \
	"  command: [/usr/bin/python3, -m, ipyparallel.engine]" \
	>"$profiles/$name.yaml"

run "$HPCTOP" script "$name" -n 3
is "$(grep -c "^ssh cn1 '.*ipyparallel.engine --profile=$name " <<<"$out") $(grep -c "^ssh cn2 '.*ipyparallel.engine --profile=$name " <<<"$out")" \
	"2 1" "script: 3 engines spread over cn1 and cn2"

run "$HPCTOP" start "$name" -n 3 --wait=150
is "$rc" 0 "start -n 3 --wait over cn1 and cn2"
[ "$rc" = 0 ] || diag_fail "$err" "$(tail -n 5 "$rdir"/*.log "$XDG_STATE_HOME/hpctop/clusters/$name"/logs/* 2>&1)"
like "$out" "engines 3/3 registered" "all 3 engines registered"
record=$XDG_STATE_HOME/hpctop/clusters/$name/cluster.json

# Each engine runs where its record says: in that node's namespace.
where=
for i in 0 1 2; do
	pid=$(jq -r ".procs[] | select(.name == \"ipengine.$i\") | .pid" "$record")
	host=$(jq -r ".procs[] | select(.name == \"ipengine.$i\") | .host" "$record")
	where+="$host=$(proc_node "$pid") "
done
is "$where" "cn1=cn1 cn1=cn1 cn2=cn2 " "each engine's process runs in its host's namespace"
ctl=$(jq -r '.procs[] | select(.name == "ipcontroller") | .pid' "$record")
is "$(proc_node "$ctl")" login "the controller runs on the login node"

run "$HPCTOP" status "$name"
is "$rc" 0 "status"
like "$out" "^$name +backend ssh +running +engines 3/3" "status: running 3/3"
like "$out" $'\n  nodes cn1 2/2  cn2 1/1(\n|$)' "status: engines per node, registered/expected"
is "$(grep -c ' ipengine\.[0-9] \+R .* cn[12] \+[0-9]' <<<"$out")" 3 "status: 3 engine rows with their hosts"

run "$HPCTOP" px "$name" 'import socket; socket.gethostname()'
is "$rc" 0 "px runs on all engines"
is "$(grep -o "'cn[12]'" <<<"$out" | sort | tr '\n' ' ')" "'cn1' 'cn1' 'cn2' " \
	"px: the engines answer from cn1, cn1 and cn2"

# ipyparallel's tools see it through the cluster file hpctop writes: an
# SSHEngineSetLauncher whose engines name their hosts and pids.
f=$(ipp_file "$name")
is "$(ipp_mode "$f" 2>&1)" 600 "its cluster file is written, mode 0600"
is "$(jq -r '[.engines.sets[].engines[] | "\(.hostname)=\(.pid)"] | sort | join(" ")' "$f" 2>&1)" \
	"$(jq -r '[.procs[] | select(.role == "engines") | "\(.host)=\(.pid)"] | sort | join(" ")' "$record")" \
	"... naming each engine's host and pid as the record does"
is "$(ipp_list "$name")" "$name '' True 3 SSH" "ipcluster list: running, 3 engines, SSH launcher"
like "$(ipp_from_file "$name" 3 2>&1)" $'engines 3\npsum 4950' "Cluster.from_file() gives a working client"

# ipengine.2 on cn2, killed for real inside cn2's namespace.
e2=$(jq -r '.procs[] | select(.name == "ipengine.2") | .pid' "$record")
is "$(proc_node "$e2")" cn2 "the engine to kill runs on cn2"
ip netns exec cn2 kill -KILL "$e2"
lost() { "$HPCTOP" status "$name" | grep -q "lost 1"; }
wait_until 30 lost
run "$HPCTOP" status "$name"
like "$out" "engines 2/3 +lost 1 " "the killed engine is seen lost"
like "$out" " ipengine\.2 +C .* cn2 +$e2"$'\n' "its row says it is gone, on cn2"
like "$out" "nodes cn1 2/2  cn2 0/1" "cn2 lacks its engine"
like "$out" "cn2: 0/1 engines registered" "and the node report names cn2 as missing"

is "$(ipp_list "$name")" "$name '' True 2 SSH" "ipcluster list: 2 engines now"

run "$HPCTOP" stop "$name"
is "$rc" 0 "stop"
[ "$rc" = 0 ] || diag_fail "$err"
is "$(procs_of "$name")" "" "stop leaves no process of the cluster on any node"
ok "$([ ! -e "$f" ]; echo $?)" "nor its cluster file"
left=
for n in cn1 cn2; do
	for p in $(ip netns pids "$n"); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
			grep -qxF "HPCTOP_CLUSTER=$XDG_STATE_HOME/hpctop/clusters/$name" && left+="$n:$p "
	done
done
is "$left" "" "nor any process marked with the cluster in cn1's or cn2's namespace"
ok "$([ ! -e "$rdir" ]; echo $?)" "nor its directory on the nodes"

# ipcluster stop, through the cluster file (its ssh with hpctop's ssh
# config, to each engine's host and pid): every engine on cn1 and cn2 ends,
# hpctop sees the cluster stopped, clears its record and its files on the
# nodes (the copy of the connection file with its key, the logs).
run "$HPCTOP" start "$name" -n 3 --wait=150
is "$rc" 0 "started again over cn1 and cn2"
[ "$rc" = 0 ] || diag_fail "$err"
run /usr/bin/ipcluster stop --profile="$name"
is "$rc" 0 "ipcluster stop --profile=$name"
[ "$rc" = 0 ] || diag_fail "$err"
gone() { [ -z "$(procs_of "$name")" ]; }
wait_until 30 gone
is "$(procs_of "$name")" "" "ipcluster stop ended the controller and every engine on cn1 and cn2"
run "$HPCTOP" status "$name"
like "$out" "^$name +backend ssh +stopped" "hpctop status: stopped"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/$name" ]; echo $?)" "hpctop cleared its record"
ok "$([ ! -e "$rdir" ]; echo $?)" "and its directory on the nodes"

# A local profile on cn1 (host:): controller and engines there, px from
# here through the session, stop leaving nothing there.
lname=sshmnlocal
batch_profiles+=("$lname")
printf '%s\n' "backend: local" "host: cn1" "engines: 2" \
	"engine:" "  command: [/usr/bin/ipengine]" >"$profiles/$lname.yaml"
run "$HPCTOP" start "$lname" --wait=150
is "$rc" 0 "local on cn1: start --wait"
[ "$rc" = 0 ] || diag_fail "$err"
like "$out" "engines 2/2 registered" "local on cn1: 2/2 registered"
lrecord=$XDG_STATE_HOME/hpctop/clusters/$lname/cluster.json
where=
for p in $(jq -r '.procs[].pid' "$lrecord"); do where+="$(proc_node "$p") "; done
is "$where" "cn1 cn1 cn1 " "local on cn1: the controller and both engines run in cn1's namespace"
run "$HPCTOP" status "$lname"
like "$out" "^$lname +backend local +on cn1 +running +engines 2/2" "local on cn1: status says where"
is "$(grep -c ' R .* cn1 \+[0-9]' <<<"$out")" 3 "local on cn1: 3 rows running on cn1"
run "$HPCTOP" px "$lname" 'import socket; socket.gethostname()'
is "$(grep -c "'cn1'" <<<"$out")" 2 "local on cn1: px answers from cn1 through the session"
rhome=$(jq -r '.host_home' "$lrecord")
lwork=$rhome/.local/state/hpctop/clusters/$lname
# ipyparallel's own tools on cn1 see it: its cluster file is written there,
# in the IPython dir of the home on cn1 (run in cn1's namespace).
rfile=$rhome/.ipython/profile_$lname/security/cluster-.json
on_cn1() { ip netns exec cn1 env HOME="$rhome" IPYTHONDIR="$rhome/.ipython" "$@"; }
is "$(stat -c %a "$rfile" 2>&1)" 600 "local on cn1: its cluster file is on cn1, mode 0600"
is "$(on_cn1 /usr/bin/ipcluster list --profile="$lname" 2>/dev/null | awk -v p="$lname" '$1 == p' | tr -s ' ')" \
	"$lname '' True 2 Local" "local on cn1: ipcluster list on cn1 shows it running with 2 engines"
like "$(on_cn1 bash -c "$(declare -f ipp_from_file); ipp_from_file $lname 2" 2>&1)" \
	$'engines 2\npsum 4950' "local on cn1: Cluster.from_file() on cn1 gives a working client"
run "$HPCTOP" stop "$lname"
is "$rc" 0 "local on cn1: stop"
is "$(procs_of "$lname")" "" "local on cn1: stop leaves no process there"
ok "$([ ! -e "$lwork" ]; echo $?)" "local on cn1: nor its logs directory there"
ok "$([ ! -e "$rfile" ]; echo $?)" "local on cn1: nor its cluster file"

# ipcluster stop on cn1 stops it; hpctop here then sees it stopped.
run "$HPCTOP" start "$lname" --wait=150
is "$rc" 0 "local on cn1: started again"
[ "$rc" = 0 ] || diag_fail "$err"
run on_cn1 /usr/bin/ipcluster stop --profile="$lname"
is "$rc" 0 "local on cn1: ipcluster stop --profile=$lname on cn1"
gone() { [ -z "$(procs_of "$lname")" ]; }
wait_until 30 gone
is "$(procs_of "$lname")" "" "local on cn1: ipcluster stop ended every process"
run "$HPCTOP" status "$lname"
like "$out" "^$lname +backend local +on cn1 +stopped" "local on cn1: hpctop status says stopped"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/$lname" ]; echo $?)" "local on cn1: hpctop cleared its record"
ok "$([ ! -e "$lwork" ]; echo $?)" "local on cn1: and its logs directory on cn1"

done_testing
