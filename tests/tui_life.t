#!/usr/bin/env bash
# The dashboard's side of findings 3 and 12: S with far more engines than
# cores asks y/n (saying how many processes), and a cluster whose record
# cannot be read shows as unreadable and X still stops all of it. The
# engines here only sleep, so nothing loads the machine.
. "$(dirname "$0")/tap.sh"

command -v tmux >/dev/null || skip_all "tmux is not installed"

tmp=$(mktemp -d)
sock=$tmp/tmux.sock
pids=$tmp/pids
: >"$pids"
T() { tmux -S "$sock" "$@"; }
export HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config \
	IPYTHONDIR=$tmp/ipython
unset HPCTOP_PROFILE_PATH NO_COLOR
mkdir -p "$HOME" "$XDG_CONFIG_HOME/hpctop/profiles"
dir=$XDG_STATE_HOME/hpctop/clusters/many

marked() {	# sessions of live processes marked HPCTOP_CLUSTER=$1
	local f st
	for f in /proc/[0-9]*; do
		tr '\0' '\n' <"$f/environ" | grep -qxF "HPCTOP_CLUSTER=$1" || continue
		st=$(sed 's/.*) //' "$f/stat") || continue
		set -- "$1" $st
		[ "$2" = Z ] || echo "$5"
	done 2>/dev/null | sort -un
}
# Kill only what this test started: the sessions marked as its cluster's.
cleanup() {
	T kill-server 2>/dev/null
	marked "$dir" >>"$pids"
	while read -r p; do
		[ -n "$p" ] || continue
		for q in $(ps -eo pid=,sid= | awk -v s="$p" '$2 == s {print $1}'); do
			kill -KILL "$q" 2>/dev/null
		done
	done <"$pids"
	rm -rf "$tmp"
}
trap cleanup EXIT

screen() { T capture-pane -p -t hp; }
wait_for() {	# wait_for REGEX [SECONDS]: polls the pane; sets $scr
	local re=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 10; i++)); do
		scr=$(screen)
		[[ $scr =~ $re ]] && return 0
		sleep 0.1
	done
	return 1
}
keys() { T send-keys -t hp "$@"; }

cores=$(nproc)
many=$((4 * cores + 1))
cat >"$XDG_CONFIG_HOME/hpctop/profiles/many.yaml" <<YAML
backend: local
engines: $many
controller:
  command: [sh, -c, "exec sleep 300", sh]
engine:
  command: [sh, -c, "exec sleep 300", sh]
YAML

T -f /dev/null new-session -d -s hp -x 120 -y 30 "exec $HPCTOP many 2>$tmp/err"
T set-option -g status off >/dev/null
wait_for 'F10 Quit' 20
ok $? "the dashboard opens"

keys S
wait_for "engines\\? $many"
keys Enter
wait_for 'Start anyway\? y/n'
ok $? "S with $many engines on $cores cores asks first"
like "$scr" "$many engines on backend local are $((2 * many)) processes" "saying how many processes"
keys n
wait_for 'start cancelled'
ok $? "n cancels"
ok "$([ ! -e "$dir" ]; echo $?)" "and nothing is started"

keys S
wait_for "engines\\? $many"
keys Enter
wait_for 'Start anyway\? y/n'
keys y
wait_for "starting 0/$many" 30
ok $? "y starts them"
has_all() { [ "$(marked "$dir" | wc -l)" -eq $((many + 1)) ]; }
for ((i = 0; i < 100; i++)); do has_all && break; sleep 0.1; done
is "$(marked "$dir" | wc -l)" "$((many + 1))" "the controller and $many engines run"
marked "$dir" >>"$pids"

# The record goes bad under the running cluster.
printf '{"version": 1, "name": ' >"$dir/cluster.json"
keys C-l
wait_for 'unreadable record' 20
ok $? "the dashboard shows the record as unreadable, not as no cluster"
keys X
wait_for 'y/n'
keys y
wait_for ' many +local +[0-9]+ +stopped' 60
ok $? "X then y stops it"
is "$(marked "$dir" | wc -l)" 0 "every process of it is gone"
ok "$([ ! -e "$dir" ]; echo $?)" "and the record is removed"

keys F10
T kill-server 2>/dev/null
done_testing
