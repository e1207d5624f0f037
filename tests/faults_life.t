#!/usr/bin/env bash
# Faults during start: `hpctop start` and the dashboard killed with SIGKILL
# at points through the start (the next hpctop finds a consistent cluster,
# and stop leaves nothing), and a full disk under the state dir and under
# IPYTHONDIR (a clear error naming the file, no process, no half record).
. "$(dirname "$0")/tap.sh"

[ -x /usr/bin/ipcontroller ] || skip_all "ipyparallel is not installed"

. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/tmux.sh"

tmp=$(mktemp -d)
isolate
mnt=$tmp/full
# cleanup (tests/cluster.sh) kills only what this test started, by pid:
# with this, every session marked as one of its clusters' (all under $tmp);
# and it unmounts the tiny disk.
at_cleanup() {
	marked_all "$tmp" >>"$pids"
	mountpoint -q "$mnt" && umount "$mnt"
}
trap cleanup EXIT

marked_all() {	# sessions of live processes whose HPCTOP_CLUSTER is under $1
	local f st
	for f in /proc/[0-9]*; do
		tr '\0' '\n' <"$f/environ" | grep -q "^HPCTOP_CLUSTER=$1/" || continue
		st=$(sed 's/.*) //' "$f/stat") || continue
		set -- "$1" $st
		[ "$2" = Z ] || echo "$5"
	done 2>/dev/null | sort -un
}

# After a start was killed: status shows every process that runs for the
# cluster (nothing is orphaned), and stop ends all of them.
check_after_kill() {	# check_after_kill WHAT STATE-DIR
	local what=$1 state=$2 dir=$2/hpctop/clusters/local running shown missing
	running=$(marked "$dir")
	echo "$running" >>"$pids"
	if [ -e "$dir/cluster.json" ]; then
		run env XDG_STATE_HOME="$state" "$HPCTOP" status local --json
		is "$rc" 0 "$what: status reads the record"
		like "$(jq -r '.[0].state' <<<"$out")" '^(running|starting|degraded|failed|gone)$' \
			"$what: the cluster's state is what it left, not unreadable"
		shown=$(jq -r '.[0].procs[].pid' <<<"$out" | sort -un)
		missing=$(comm -23 <(echo "$running" | sort) <(echo "$shown" | sort) | grep -c .)
		is "$missing" 0 "$what: status shows every process running for it"
		run env XDG_STATE_HOME="$state" "$HPCTOP" stop local
		is "$rc" 0 "$what: stop exits 0"
		[ "$rc" -eq 0 ] || diag "$err"
	else
		is "$running" "" "$what: no record, and no process runs for it"
	fi
	# A process SIGKILLed by stop may take a moment to leave /proc.
	wait_until 3 test -z "$(marked "$dir" all)"
	is "$(marked "$dir" all | wc -l)" 0 "$what: nothing of the cluster is left" ||
		diag_fail "$(for s in $(marked "$dir" all); do ps -o pid,stat,etime,args -s "$s"; done)"
	ok "$([ ! -e "$dir/cluster.json" ]; echo $?)" "$what: no record is left"
}

# hpctop start killed with SIGKILL at points through its start (it takes
# about 0.1 s to launch everything).
for d in 0.01 0.03 0.05 0.07 0.09 0.12 0.2 0.5; do
	"$HPCTOP" start local -n 2 >/dev/null 2>&1 & starter=$!
	sleep "$d"
	{ kill -KILL "$starter"; wait "$starter"; } 2>/dev/null
	check_after_kill "start killed after ${d}s" "$XDG_STATE_HOME"
done

# The window that matters, made certain: a start killed after spawning the
# engines but before recording them (its record lists the controller only
# and is not complete).
record=$XDG_STATE_HOME/hpctop/clusters/local/cluster.json
run "$HPCTOP" start local -n 2 --wait=240
is "$rc" 0 "start local -n 2"
marked "$XDG_STATE_HOME/hpctop/clusters/local" all >>"$pids"
jq '.procs |= [.[0]] | .complete = false' "$record" >"$tmp/rec.json" &&
	cat "$tmp/rec.json" >"$record"
run "$HPCTOP" status local
like "$out" "running +engines 2/2" "an interrupted start's cluster shows as running 2/2"
is "$(grep -cE '^  [0-9]+ +ipengine ' <<<"$out")" 2 "with both unrecorded engines as rows"
like "$out" "its start was interrupted" "and says its start was interrupted"
is "$(jq '.procs | length' "$record")" 3 "the record now lists the engines too"
run "$HPCTOP" start local -n 2
is "$rc" 1 "start refuses"
like "$err" "was being started by an hpctop that died, and part of it runs; 'hpctop stop local' ends it" \
	"and says why"
check_after_kill "interrupted start" "$XDG_STATE_HOME"
# The same record marked complete: stop still finds what it does not list.
run "$HPCTOP" start local -n 2 --wait=240
is "$rc" 0 "start local -n 2"
marked "$XDG_STATE_HOME/hpctop/clusters/local" all >>"$pids"
jq '.procs |= [.[0]]' "$record" >"$tmp/rec.json" && cat "$tmp/rec.json" >"$record"
run "$HPCTOP" stop local
is "$rc" 0 "stop of a record that misses its engines"
is "$(marked "$XDG_STATE_HOME/hpctop/clusters/local" all | wc -l)" 0 \
	"ends the engines it does not list too"

# The dashboard killed with SIGKILL right after S starts a cluster.
if command -v tmux >/dev/null; then
	for d in 0.02 0.1 0.3; do
		dash_open 80 24 local
		dash=$(T list-panes -t hp -F '#{pane_pid}')
		wait_for 'F10 Quit' 20
		ok $? "dashboard ($d): it opens"
		keys S
		wait_for 'engines\? 2'
		keys C-u 2 Enter
		sleep "$d"
		kill -KILL "$dash"
		T kill-server 2>/dev/null
		check_after_kill "dashboard killed ${d}s after S" "$XDG_STATE_HOME"
	done
else
	diag "tmux missing: dashboard cases skipped"
fi

# A full disk under the state dir: a tmpfs of 16 pages with 0 to 3 free
# (each step gets further: the record's dir, script.sh, the record).
mkdir -p "$mnt"
if mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
	state=$mnt/state
	for free in 0 1 2 3; do
		rm -rf "$state" "$mnt/fill"
		mkdir -p "$state/hpctop/clusters"
		dd if=/dev/zero of="$mnt/fill" bs=4k count=$((16 - free)) 2>/dev/null
		run env XDG_STATE_HOME="$state" "$HPCTOP" start local -n 1 --wait=60
		is "$rc" 1 "full disk, $free pages free: start fails"
		like "$err" "cannot start 'local': cannot write $state/hpctop/clusters/local/[^ ]+: No space left on device" \
			"full disk, $free pages free: the error names the file"
		is "$(marked "$state/hpctop/clusters/local" all | wc -l)" 0 \
			"full disk, $free pages free: no process is left"
		ok "$([ ! -e "$state/hpctop/clusters/local" ]; echo $?)" \
			"full disk, $free pages free: no half record"
	done
	# Space again: the same state dir works.
	rm -f "$mnt/fill"
	run env XDG_STATE_HOME="$state" "$HPCTOP" start local -n 1 --wait=240
	is "$rc" 0 "with space again, start works"
	marked "$state/hpctop/clusters/local" all >>"$pids"
	run env XDG_STATE_HOME="$state" "$HPCTOP" stop local
	is "$rc" 0 "and stop"
	is "$(marked "$state/hpctop/clusters/local" all | wc -l)" 0 "nothing left"

	# A full disk under IPYTHONDIR: the controller cannot write its files
	# and exits; start says so with its log, and tears everything down.
	rm -rf "$state"
	mkdir -p "$mnt/ipython"
	dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
	run env IPYTHONDIR="$mnt/ipython" "$HPCTOP" start local -n 1 --wait=120
	is "$rc" 1 "full IPYTHONDIR: start --wait fails"
	# Whichever fails first, the controller or the engine, is named.
	like "$err" "(the controller|ipengine\.0 \(pid [0-9]+\)) exited" \
		"full IPYTHONDIR: says which process exited"
	like "$err" "No space left on device: .*$mnt/ipython/profile_local" \
		"full IPYTHONDIR: its log names the file"
	# An engine failing first leaves the rest to stop, as for any engine.
	if [ -e "$XDG_STATE_HOME/hpctop/clusters/local" ]; then
		run "$HPCTOP" stop local
		is "$rc" 0 "full IPYTHONDIR: stop ends the rest"
	fi
	is "$(marked "$XDG_STATE_HOME/hpctop/clusters/local" all | wc -l)" 0 \
		"full IPYTHONDIR: no process is left"
	ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/local" ]; echo $?)" \
		"full IPYTHONDIR: no record is left"
	umount "$mnt"
else
	diag "cannot mount a tmpfs (not root?): full-disk cases skipped"
fi

done_testing
