#!/usr/bin/env bash
# controller.placement on the real two-node test Slurm (tests/mnenv.sh),
# for slurm and pbs (Slurm's qsub wrapper): job (a controller job, the
# engines job depending on it), allocation (one job, the controller on its
# first node) and login (the controller a process on this machine, on the
# bridge to the nodes). Each: what `script` runs, start, engines on cn1 and
# cn2, the seed psum, where status says the controller runs, and stop
# leaving no job and no process. login without a reachable address is
# refused with the reason.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/mnenv.sh"
. "$(dirname "$0")/tmux.sh"

# place_profile NAME BACKEND PLACEMENT [CONTROLLER_KEYS]: batch_profile's
# over both nodes, with that placement and more controller keys.
place_profile() {
	local name=$1 backend=$2
	batch_placement=$3 batch_profile "$name" "$backend" "mpi: true" "queue: debug" "nodes: 2" "tasks_per_node: 2"
	if [ -n "${4:-}" ]; then
		sed -i "s|^controller: {command: /usr/bin/ipcontroller|&, $4|" \
			"$XDG_CONFIG_HOME/hpctop/profiles/$name.yaml"
	fi
}

# The pid of a cluster's ipcontroller, on whichever node.
ctl_pid() {
	local p
	for p in $(procs_of "$1"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '/ipcontroller ' &&
			{ echo "$p"; return; }
	done
}

bridge=$(ip -o -4 addr show dev hpctopbr0 | awk '{sub("/.*", "", $4); print $4}')

# placed PLACEMENT BACKEND SCRIPT_RE WHERE_RE CTL_NODE (WHERE_RE: the
# status line, "controller: ...")
placed() {
	local pl=$1 backend=$2 script_re=$3 where_re=$4 node=$5 name=pl$1$2 ids pid hosts keys=
	[ "$pl" = login ] && keys="interface: hpctopbr0"
	place_profile "$name" "$backend" "$pl" "$keys"

	run "$HPCTOP" script "$name" -n 4
	is "$rc" 0 "$pl/$backend: script"
	like "$out" "$script_re" "$pl/$backend: script shows what runs"

	run "$HPCTOP" start "$name" -n 4 --wait=150
	is "$rc" 0 "$pl/$backend: start -n 4 --wait"
	like "$out" "engines 4/4 registered" "$pl/$backend: all 4 engines registered"
	[ "$rc" = 0 ] || diag_fail "$err" "$(tail -n 20 "$XDG_STATE_HOME/hpctop/clusters/$name/logs/"* 2>/dev/null)"
	ids=$(batch_jobids "$name" | sort -u | tr '\n' ' ')

	run "$HPCTOP" status "$name"
	like "$out" "engines 4/4" "$pl/$backend: status says engines 4/4"
	like "$out" "$where_re" "$pl/$backend: status says where the controller runs"
	# The dashboard's jobs pane says it in its title.
	dash_open 200 40 "$name"
	wait_for "Jobs: $name \\([0-9]+\\)  controller ${where_re#controller: }" 30
	ok $? "$pl/$backend: the dashboard says where the controller runs"
	dash_close
	pid=$(ctl_pid "$name")
	like "$(proc_node "$pid")" "^$node\$" "$pl/$backend: the controller process runs on $node"

	run "$HPCTOP" engines "$name"
	hosts=$(awk 'NR > 1 && $2 ~ /^cn/ {print $2}' <<<"$out" | sort -u | tr '\n' ' ')
	is "$hosts" "cn1 cn2 " "$pl/$backend: engines registered from cn1 and cn2"

	run "$HPCTOP" px "$name" -T 60 "$psum"
	is "$(grep -Ec '^\[stdout:[0-9]+\] psum 4 496\.0$' <<<"$out")" 4 "$pl/$backend: psum 496.0 on every engine"
	[ "$rc" = 0 ] || diag_fail "$out" "$err"

	run "$HPCTOP" stop "$name"
	is "$rc" 0 "$pl/$backend: stop"
	[ "$rc" = 0 ] || diag_fail "$err"
	wait_until 20 says_nothing batch_slurm_live $ids
	is "$(batch_slurm_live $ids)" "" "$pl/$backend: no job left ($ids)"
	wait_until 10 says_nothing procs_of "$name"
	is "$(procs_of "$name")" "" "$pl/$backend: no process left on any node or here"
}

backends="slurm"
command -v qsub >/dev/null && backends="slurm pbs" || diag "no qsub (slurm-wlm-torque): pbs skipped"
for b in $backends; do
	placed job "$b" $'--dependency=after:\\$ctl|-W depend=after:\\$ctl' \
		"controller: job [0-9]+ on cn[12]" "cn[12]"
	# One job: the engines' script starts the controller, no dependency.
	placed allocation "$b" $'\n/usr/bin/ipcontroller --profile=plallocation'"$b"$' [^\n]*&\nhpctop_ctl=' \
		"controller: in allocation [0-9]+ on cn1" cn1
	placed login "$b" $'\n[^\n]*/usr/bin/ipcontroller --profile=pllogin'"$b"' --ip='"$bridge"' --location='"$bridge"' ' \
		"controller: on login \(pid [0-9]+\)" login
done

# login where the nodes cannot reach the controller: refused at start,
# saying why, and nothing submitted or left.
place_profile plloop slurm login
run "$HPCTOP" start plloop -n 2
is "$rc" 1 "login without controller.interface: start refused"
like "$err" "controller.placement login: the controller would listen on 127\.0\.0\.1, a loopback address, which the compute nodes do not reach" \
	"the reason: a loopback address"
is "$(squeue --noheader --name=hpctop-plloop-eng --format=%i)" "" "nothing submitted"
place_profile plfar slurm login "ip: 198.51.100.7"
run "$HPCTOP" start plfar -n 2
is "$rc" 1 "login with an address not of this machine: start refused"
like "$err" "controller.placement login: controller.ip: cannot listen on 198\.51\.100\.7 here: Cannot assign requested address" \
	"the reason: it cannot listen there"
is "$(procs_of plfar)" "" "no controller left"

done_testing
