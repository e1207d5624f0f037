#!/usr/bin/env bash
# Start-up time: `hpctop start local -n N --wait` until N engines registered,
# against ipyparallel's own launcher (`ipcluster start -n N --daemonize`
# timed until N engines are visible to a Client), N = 1 and 8, same run.
# Usage: bench/start.sh [REPEATS]   (default 3; the median is reported)
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
hpctop=${HPCTOP:-$src/hpctop}
reps=${1:-3}
tmp=$(mktemp -d)
export HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config \
	IPYTHONDIR=$tmp/ipython
mkdir -p "$HOME"
trap '"$hpctop" stop local >/dev/null 2>&1; /usr/bin/ipcluster stop --profile=bench >/dev/null 2>&1; rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

time_hpctop() {	# N -> seconds
	local t0 t1
	t0=$(now)
	"$hpctop" start local -n "$1" --wait=300 >/dev/null || return 1
	t1=$(now)
	"$hpctop" stop local >/dev/null
	echo "$t1 - $t0" | bc
}

time_ipcluster() {	# N -> seconds
	local t0 t1
	mkdir -p "$IPYTHONDIR/profile_bench"
	t0=$(now)
	/usr/bin/ipcluster start -n "$1" --profile=bench --daemonize \
		>/dev/null 2>&1 || return 1
	/usr/bin/python3 -c "
import ipyparallel as ipp, time
rc = ipp.Client(profile='bench', timeout=120)
rc.wait_for_engines($1, timeout=300)
rc.close()" || return 1
	t1=$(now)
	/usr/bin/ipcluster stop --profile=bench >/dev/null 2>&1
	sleep 2
	echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "start-up to N engines registered (median of $reps), seconds"
printf '%-4s %10s %10s %8s\n' N hpctop ipcluster ratio
for n in 1 8; do
	h=$(for _ in $(seq "$reps"); do time_hpctop "$n"; done | median)
	i=$(for _ in $(seq "$reps"); do time_ipcluster "$n"; done | median)
	printf '%-4s %10.2f %10.2f %8.2f\n' "$n" "$h" "$i" "$(echo "$h / $i" | bc -l)"
done
