# A test's own state and the clusters it starts: source after tap.sh, with
# $tmp set.
isolate() {	# HOME, XDG dirs and IPYTHONDIR under $tmp
	export HOME=$tmp/home XDG_STATE_HOME=$tmp/state \
		XDG_CONFIG_HOME=$tmp/config IPYTHONDIR=$tmp/ipython
	unset HPCTOP_PROFILE_PATH NO_COLOR
	mkdir -p "$HOME" "$XDG_CONFIG_HOME"
}
# Kills only what the test started: the sessions led by the pids in every
# cluster record under $tmp (never by name).
kill_recorded() {
	local record p q
	for record in $(find "$tmp" -name cluster.json 2>/dev/null); do
		for p in $(/usr/bin/python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["procs"]: print(p["pid"])' "$record"); do
			for q in $(ps -eo pid=,sid= | awk -v s="$p" '$2 == s {print $1}'); do
				kill -KILL "$q" 2>/dev/null
			done
		done
	done
}
cleanup() {	# for trap: the tmux server (tests/tmux.sh), clusters, $tmp
	declare -F T >/dev/null && T kill-server 2>/dev/null
	kill_recorded
	rm -rf "$tmp"
}
