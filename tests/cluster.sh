# A test's own state and the clusters it starts: source after tap.sh, with
# $tmp set.
need_mpi() {	# skips the test without Open MPI, or mpi4py and ipyparallel
	command -v mpiexec.openmpi >/dev/null || skip_all "mpiexec.openmpi is not installed"
	/usr/bin/python3 -c 'import mpi4py, ipyparallel' 2>/dev/null ||
		skip_all "/usr/bin/python3 lacks mpi4py or ipyparallel"
}
isolate() {	# HOME, XDG dirs (and the profile dir, $profiles), IPYTHONDIR and
	# $pids under $tmp
	export HOME=$tmp/home XDG_STATE_HOME=$tmp/state \
		XDG_CONFIG_HOME=$tmp/config IPYTHONDIR=$tmp/ipython
	unset HPCTOP_PROFILE_PATH NO_COLOR
	profiles=$XDG_CONFIG_HOME/hpctop/profiles
	mkdir -p "$HOME" "$profiles"
	# Session ids for cleanup to kill: of processes the test started itself
	# and of clusters whose record it may lose.
	pids=$tmp/pids
	: >"$pids"
}
sleepy_profile() {	# sleepy_profile NAME ENGINES: a local profile whose
	# controller and engines only sleep (cheap, nothing loads the machine)
	printf '%s\n' "backend: local" "engines: $2" "controller:" \
		'  command: [sh, -c, "exec sleep 300", sh]' "engine:" \
		'  command: [sh, -c, "exec sleep 300", sh]' >"$profiles/$1.yaml"
}
kill_sessions() {	# kill_sessions SID...: every process of these sessions,
	# stopped ones resumed first
	local p q
	for p in "$@"; do
		for q in $(ps -eo pid=,sid= | awk -v s="$p" '$2 == s {print $1}'); do
			kill -CONT "$q" 2>/dev/null
			kill -KILL "$q" 2>/dev/null
		done
	done
}
recorded_pids() {	# recorded_pids FILE: the pids a cluster record holds, if it reads
	/usr/bin/python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["procs"]: print(p["pid"])' "$1" 2>/dev/null
	return 0
}
record_pids() {	# record_pids NAME: add the pids cluster NAME's record holds to $pids
	recorded_pids "$XDG_STATE_HOME/hpctop/clusters/$1/cluster.json" >>"$pids"
}
# Kills only what the test started: the sessions led by the pids in every
# cluster record under $tmp (never by name).
kill_recorded() {
	local record
	for record in $(find "$tmp" -name cluster.json 2>/dev/null); do
		kill_sessions $(recorded_pids "$record")
	done
}
marked() {	# marked DIR [all]: sessions of live processes marked
	# HPCTOP_CLUSTER=DIR; without `all` not those of children that left
	# their marked parent's session (an engine's nanny does)
	local f st
	for f in /proc/[0-9]*; do
		tr '\0' '\n' <"$f/environ" | grep -qxF "HPCTOP_CLUSTER=$1" || continue
		st=$(sed 's/.*) //' "$f/stat") || continue
		echo "${f#/proc/} $st"
	done 2>/dev/null | awk -v all="$2" '$2 != "Z" { pid[$1] = 1; ppid[$1] = $3; sid[$1] = $5 }
		END { for (p in pid) if (all != "" || !(ppid[p] in pid)) print sid[p] }' | sort -un
}
session_left() {	# how many live processes are left in the sessions of $@
	local n=0 p
	for p in "$@"; do
		n=$((n + $(ps -eo sid=,stat= | awk -v s="$p" '$1 == s && $2 !~ /^Z/' | wc -l)))
	done
	echo "$n"
}
alive() {	# alive PID: exists and is not a zombie (PID 1 here reaps late)
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}
says_nothing() { [ -z "$("$@")" ]; }	# says_nothing CMD...: CMD prints nothing
wait_until() {	# wait_until SECONDS CMD...: until CMD succeeds
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.3
	done
}
# For trap: the tmux server (tests/tmux.sh), the test's own at_cleanup if it
# defines one, the sessions in $pids and the clusters recorded, then $tmp.
cleanup() {
	declare -F T >/dev/null && T kill-server 2>/dev/null
	declare -F at_cleanup >/dev/null && at_cleanup
	[ -n "$pids" ] && kill_sessions $(cat "$pids" 2>/dev/null)
	kill_recorded
	rm -rf "$tmp"
}
