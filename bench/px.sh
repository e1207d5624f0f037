#!/usr/bin/env bash
# hpctop px against ipyparallel.Client on the same cluster in the same run:
#   one-shot: the whole `hpctop px` process vs the whole `python3 -c`
#             (import, Client(), execute(block=True)), median of RUNS;
#   round trip: `hpctop px --repeat 40 pass` vs 40 x
#             DirectView.execute('pass', block=True), medians;
# on 1 and 8 engines. Usage: bench/px.sh (HPCTOP=./hpctop, RUNS=7).
set -u
cd "$(dirname "$0")/.."
HPCTOP=${HPCTOP:-$PWD/hpctop}
RUNS=${RUNS:-7}
NENG=8
tmp=$(mktemp -d)
ctl=
engines=()
cleanup() {
	local nannies=
	for p in "${engines[@]}"; do nannies="$nannies $(ps -o pid= --ppid "$p")"; done
	for p in "${engines[@]}"; do { kill -9 "$p"; wait "$p"; } 2>/dev/null; done
	if [ -n "$ctl" ]; then
		kill -TERM "$ctl" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$ctl" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$ctl" 2>/dev/null
	fi
	for p in $nannies; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export IPYTHONDIR=$tmp/ipython
prof=bench

/usr/bin/ipcontroller --profile=$prof --ip=127.0.0.1 --HeartMonitor.period=500 \
	--log-level=WARN >"$tmp/controller.log" 2>&1 &
ctl=$!
for _ in $(seq 300); do [ -s "$IPYTHONDIR/profile_$prof/security/ipcontroller-client.json" ] && break; sleep 0.1; done
sleep 1
for _ in $(seq $NENG); do
	/usr/bin/ipengine --profile=$prof --log-level=WARN >>"$tmp/engines.log" 2>&1 &
	engines+=($!)
done
for _ in $(seq 240); do
	n=$("$HPCTOP" engines $prof --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' 2>/dev/null)
	[ "$n" = $NENG ] && break
	sleep 0.5
done
[ "$n" = $NENG ] || { echo "bench/px.sh: only $n of $NENG engines registered" >&2; exit 1; }
first=$("$HPCTOP" engines $prof --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["engines"][0]["id"])')

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
now_ms() { echo $(( $(date +%s%N) / 1000 )) | awk '{printf "%.3f", $1/1000}'; }

# one_shot TARGETS: prints "hpctop_ms python_ms" (medians of whole processes)
one_shot() {
	local t=$1 a b h=() p=() targ pyt
	if [ "$t" = all ]; then targ=(); pyt="rc[:]"; else targ=(--targets "$t"); pyt="rc[$t]"; fi
	for _ in $(seq "$RUNS"); do
		a=$(now_ms); "$HPCTOP" px $prof "${targ[@]}" 'print(1)' >/dev/null || exit 1; b=$(now_ms)
		h+=("$(awk -v a="$a" -v b="$b" 'BEGIN{print b-a}')")
		a=$(now_ms)
		/usr/bin/python3 -c "import ipyparallel as ipp; rc = ipp.Client(profile='$prof'); $pyt.execute('print(1)', block=True); rc.close()" >/dev/null || exit 1
		b=$(now_ms)
		p+=("$(awk -v a="$a" -v b="$b" 'BEGIN{print b-a}')")
	done
	echo "$(printf '%s\n' "${h[@]}" | median) $(printf '%s\n' "${p[@]}" | median)"
}

# round_trip TARGETS: prints "hpctop_ms python_ms" (medians of 40 round trips)
round_trip() {
	local t=$1 targ pyt hm pm
	if [ "$t" = all ]; then targ=(); pyt=":"; else targ=(--targets "$t"); pyt="$t"; fi
	hm=$("$HPCTOP" px $prof "${targ[@]}" --repeat 40 pass | sed -n 's/.* median \([0-9.]*\) ms.*/\1/p')
	pm=$(/usr/bin/python3 - <<PY
import statistics, time, ipyparallel as ipp
rc = ipp.Client(profile="$prof")
v = rc[$pyt]
v.execute("pass", block=True)
t = []
for _ in range(40):
    a = time.perf_counter(); v.execute("pass", block=True); t.append((time.perf_counter() - a) * 1000)
print("%.3f" % statistics.median(t))
rc.close()
PY
)
	echo "$hm $pm"
}

printf '%-34s %12s %12s %8s\n' "benchmark (median)" "hpctop ms" "python ms" "ratio"
row() {
	awk -v n="$1" -v h="$2" -v p="$3" 'BEGIN{printf "%-34s %12.2f %12.2f %7.3fx\n", n, h, p, h/p}'
}
read -r h p < <(one_shot "$first"); row "one-shot px, 1 engine" "$h" "$p"
read -r h p < <(one_shot all); row "one-shot px, $NENG engines" "$h" "$p"
read -r h p < <(round_trip "$first"); row "round trip x40, 1 engine" "$h" "$p"
read -r h p < <(round_trip all); row "round trip x40, $NENG engines" "$h" "$p"
echo "(ratio = hpctop / ipyparallel.Client; $(nproc) cores; one-shot: $RUNS runs each)"
