#!/usr/bin/env bash
# Dashboard costs: frame time with 10,000 jobs (bench/tui_draw.c), and the
# idle CPU and memory of `hpctop -d 20` in an 80x24 tmux pane over 20 s,
# next to `top -d 2` (procps) measured the same way in the same run.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$src/build/rel/bench
secs=${TUI_BENCH_SECS:-20}
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
T() { tmux -S "$sock" "$@"; }
trap 'T kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT

echo "== dashboard frame time (10,000 jobs; target < 5 ms)"
"$bin/tui_draw"

command -v tmux >/dev/null || { echo "tmux missing: idle cost skipped"; exit 0; }
hz=$(getconf CLK_TCK)

# idle NAME CMD...: runs CMD in a fresh 80x24 tmux pane for $secs s and
# prints CPU % of one core (after a 2 s warm-up), RSS and peak RSS.
idle() {
	local name=$1; shift
	T -f /dev/null new-session -d -s b -x 80 -y 24 \
		"sh -c 'echo \$\$ > $tmp/pid; exec \"\$@\"' sh $*"
	sleep 2
	local pid t0 t1 rss hwm
	pid=$(cat "$tmp/pid")
	t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep "$secs"
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
	T kill-server || true
	sleep 0.2
	awk -v n="$name" -v t="$((t1 - t0))" -v hz="$hz" -v s="$secs" \
	    -v r="$rss" -v h="$hwm" 'BEGIN {
		printf "%-31s CPU %5.2f%% of a core  RSS %5.1f MiB  peak %5.1f MiB\n",
		    n, 100 * t / hz / s, r / 1024, h / 1024 }'
	echo "$((t1 - t0)) $rss" > "$tmp/$name.res"
}

echo "== idle cost over ${secs} s, 2 s refresh (targets: < 1% CPU, < 16 MiB RSS)"
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp
export IPYTHONDIR=$tmp/ipython XDG_STATE_HOME=$tmp/state
idle "hpctop -d 20" "$src/hpctop" -d 20
# With a running 2-engine local cluster: the dashboard also polls its
# processes and engine registry and holds an ipyparallel client.
if "$src/hpctop" start local -n 2 --wait=120 >"$tmp/start.out" 2>&1; then
	trap '"$src/hpctop" stop local >/dev/null 2>&1 || true
		T kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
	idle "hpctop -d 20 local (2 engines)" "$src/hpctop" -d 20 local
	"$src/hpctop" stop local >/dev/null
else
	echo "running-cluster case skipped: $(tail -1 "$tmp/start.out")"
fi
idle "top -d 2 (reference)" top -d 2
read -r ht hr < "$tmp/hpctop -d 20.res"
read -r tt tr < "$tmp/top -d 2 (reference).res"
if [ "$tt" -gt 0 ]; then
	awk -v a="$ht" -v b="$tt" 'BEGIN { printf "ratio hpctop/top: CPU %.2f", a / b }'
else
	printf 'ratio hpctop/top: CPU n/a (top used 0 ticks)'
fi
awk -v c="$hr" -v d="$tr" 'BEGIN { printf "  RSS %.2f\n", c / d }'
