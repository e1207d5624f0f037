#!/usr/bin/env bash
# hpctop through SSH against ipyparallel's own SSH tunnels, from the laptop
# of the two-node test Slurm (tests/laptop.sh: a network namespace whose
# only peer is the login node's sshd), on one slurm cluster of 4 engines
# over cn1 and cn2 started as the test user, in the same run:
#   one-shot: the whole `hpctop px` process through SSH vs the whole
#             `python3 -c` with Client(profile=..., sshserver='login')
#             (import, tunnels, execute(block=True)), median of REPEATS;
#   in-loop:  the same Python loop of LOOPS execute('pass', block=True),
#             connected through `hpctop tunnel` vs Client(sshserver=...);
#   TCP connections to the login sshd for each of these (its log's
#             "Accepted" lines; goal: one);
#   the dashboard over SSH: idle CPU, % of a core over 30 s (/proc/PID/stat).
# The hpctop half needs `host:` and `hpctop tunnel`; where this hpctop
# lacks them the cluster is started on the login node as the user instead
# and only ipyparallel's half is measured (said so).
# Usage: bench/ssh_mn.sh [REPEATS [LOOPS]]   (default 5, 40)
# Needs root and network namespaces: skips, saying why, where they cannot
# be made. Holds /tmp/hpctop-mn.lock (the cluster exists once per machine).
. "$(dirname "$0")/lib/mn.sh"
. "$src/tests/laptop.sh"
reps=${1:-5}
loops=${2:-40}
prof=sshbench
U=$LAPTOP_USER
sshlog=$HPCTOP_SLURM_DIR/log/sshd-login.log
over_ssh=0

# The same profile on both sides: the laptop's puts it on the login node.
profile_yaml() {
	printf '%s\n' "version: 1" "backend: slurm" "engines: 4" "walltime: \"00:20:00\"" \
		"queue: debug" "nodes: 2" "tasks_per_node: 2" \
		"controller: {command: /usr/bin/ipcontroller}" "engine: {command: /usr/bin/ipengine}" "$@"
}
for d in "$laptop_tmp/config/hpctop/profiles" "/home/$U/.config/hpctop/profiles"; do
	mkdir -p "$d"
	if [ "${d#"$laptop_tmp"}" != "$d" ]; then profile_yaml "host: login"; else profile_yaml; fi >"$d/$prof.yaml"
done
chown -R "$U:$U" "$laptop_tmp/config" "/home/$U/.config"

# On the laptop with ipyparallel's `ssh` reading the laptop's config.
lap() { on_laptop env PATH="$laptop_sshbin:/usr/bin:/bin" "$@"; }
# ... and SIGHUP ignored, for Client(sshserver=...): its `ssh -f` tunnels
# are started on a pexpect pty, and without this the forked ssh dies of
# SIGHUP as pexpect lets go of the pty (seen here every time: the sshd logs
# the key, then "Broken pipe", and the Client's "Hub connection request
# timed out").
# shellcheck disable=SC2016  # expanded by that sh
# lap_nohup SECONDS CMD...: timeout outside (it would reset SIGHUP).
lap_nohup() { local t=$1; shift; lap timeout "$t" sh -c 'trap "" HUP; exec "$@"' sh "$@"; }

bench_cleanup() {
	if [ "$over_ssh" = 1 ]; then
		on_laptop "$HPCTOP" tunnel --stop "$prof" >/dev/null 2>&1
		on_laptop "$HPCTOP" stop "$prof" >/dev/null 2>&1
	else
		as_user "$HPCTOP" stop "$prof" >/dev/null 2>&1
	fi
	squeue --noheader --user="$U" --format=%i >>"$tmp/jobids" 2>/dev/null
	laptop_cleanup
}
trap bench_cleanup EXIT

now() { date +%s.%N; }
# Progress on stderr: the run takes minutes.
step() { echo "bench/${0##*/}: $*" >&2; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
accepted() { grep -c "Accepted publickey for $U from $LAPTOP_ADDR" "$sshlog"; }
# conns CMD...: runs CMD, prints the connections the login sshd accepted
# from the laptop meanwhile.
conns() {
	local a
	a=$(accepted)
	"$@" >"$tmp/conns.out" 2>"$tmp/conns.err" || { cat "$tmp/conns.err" >&2; return 1; }
	echo $(($(accepted) - a))
}

step "starting $prof (slurm, 4 engines on cn1, cn2) from the laptop"
if lap "$HPCTOP" start "$prof" --wait=300 >"$tmp/start.out" 2>"$tmp/start.err"; then
	over_ssh=1
else
	echo "bench/${0##*/}: hpctop cannot start a cluster through SSH here ($(head -n1 "$tmp/start.err")):" \
		"starting it on the login node as $U, ipyparallel's half only" >&2
	as_user "$HPCTOP" start "$prof" --wait=300 >"$tmp/start.out" 2>"$tmp/start.err" ||
		{ cat "$tmp/start.err" >&2; exit 1; }
fi
squeue --noheader --user="$U" --format=%i >>"$tmp/jobids"

# ipyparallel's way: the connection file copied by hand, then sshserver.
# shellcheck disable=SC2016  # expanded by the laptop's sh
lap sh -c 'd=$IPYTHONDIR/profile_ref/security && mkdir -p "$d" &&
	ssh login cat .ipython/profile_'"$prof"'/security/ipcontroller-client.json >"$d/ipcontroller-client.json"' ||
	{ echo "cannot copy the connection file from the login node" >&2; exit 1; }

ref_oneshot() {
	lap_nohup 120 /usr/bin/python3 -c "import ipyparallel as ipp; rc = ipp.Client(profile='ref', sshserver='login', timeout=60); rc[:].execute('print(1)', block=True); rc.close()"
}
# The loop both in-loop figures share: PROFILE [SSHSERVER]; prints the
# median round trip in ms.
loop() {
	lap_nohup 300 /usr/bin/python3 - "$loops" "$@" <<'PY'
import statistics, sys, time
import ipyparallel as ipp
kw = {"sshserver": sys.argv[3]} if len(sys.argv) > 3 else {}
rc = ipp.Client(profile=sys.argv[2], timeout=60, **kw)
rc.wait_for_engines(4, timeout=60)
v = rc[:]
v.execute("pass", block=True)
t = []
for _ in range(int(sys.argv[1])):
    a = time.perf_counter(); v.execute("pass", block=True); t.append((time.perf_counter() - a) * 1000)
print("%.3f" % statistics.median(t))
rc.close()
PY
}

step "one-shot px, $reps runs each"
: >"$tmp/h1"
: >"$tmp/p1"
for _ in $(seq "$reps"); do
	if [ "$over_ssh" = 1 ]; then
		a=$(now)
		lap timeout 120 "$HPCTOP" px "$prof" 'print(1)' >/dev/null || { echo "hpctop px failed" >&2; exit 1; }
		echo "$(now) - $a" | bc >>"$tmp/h1"
	fi
	a=$(now)
	ref_oneshot >/dev/null || { echo "the Client(sshserver=) one-liner failed" >&2; exit 1; }
	echo "$(now) - $a" | bc >>"$tmp/p1"
done
p1=$(median <"$tmp/p1")
step "connections and in-loop round trips, ipyparallel's sshserver"
# A Client(sshserver=) run fails now and then: said in its cell.
pc1=$(conns ref_oneshot) || pc1=failed
pl=$(loop ref login) || { echo "the Client(sshserver=) loop failed" >&2; exit 1; }
pcl=$(conns loop ref login)

row() { printf '%-40s %12s %12s %8s\n' "$@"; }
ratio() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v h="$1" -v p="$2" 'BEGIN{printf "%.3fx", h/p}'; else echo -; fi; }
if [ "$over_ssh" = 1 ]; then
	step "connections and in-loop round trips, hpctop"
	h1=$(median <"$tmp/h1")
	hc1=$(conns lap "$HPCTOP" px "$prof" 'print(1)')
	lap "$HPCTOP" tunnel "$prof" --background >/dev/null 2>"$tmp/tunnel.err" ||
		{ cat "$tmp/tunnel.err" >&2; exit 1; }
	a=$(accepted)
	hl=$(loop "$prof") || { echo "the loop through hpctop tunnel failed" >&2; exit 1; }
	hcl=$(($(accepted) - a))
	hcl_total=$hcl	# the tunnel's own connection was made before the loop
	# The dashboard over SSH, idle: CPU of its process over 30 s.
	step "the dashboard over SSH, idle for 30 s"
	# tests/tmux.sh's pane, its tmux server on the laptop as the user.
	. "$src/tests/tmux.sh"
	T() { on_laptop tmux -S "$laptop_tmp/tmux.sock" "$@"; }
	T -f /dev/null new-session -d -s hp -x 120 -y 40 "exec $HPCTOP"
	wait_for "$prof" 30 || { screen >&2; echo "the dashboard did not show $prof" >&2; exit 1; }
	dpid=$(T display-message -p -t hp '#{pane_pid}')
	sleep 3
	ticks() { awk '{print $14 + $15}' "/proc/$dpid/stat"; }
	t0=$(ticks) w0=$(now)
	sleep 30
	t1=$(ticks) w1=$(now)
	idle=$(awk -v a="$t0" -v b="$t1" -v w="$(echo "$w1 - $w0" | bc)" -v hz="$(getconf CLK_TCK)" \
		'BEGIN{printf "%.2f", 100 * (b - a) / hz / w}')
	T kill-server
fi
echo "hpctop through SSH vs ipyparallel's sshserver, from the laptop (4 engines on cn1, cn2)"
row "benchmark (median)" "hpctop" "ipyparallel" "ratio"
row "one-shot px (whole process), ms" "$( [ "$over_ssh" = 1 ] && awk -v v="$h1" 'BEGIN{printf "%.1f", v*1000}')" \
	"$(awk -v v="$p1" 'BEGIN{printf "%.1f", v*1000}')" "$(ratio "${h1:-}" "$p1")"
row "in-loop round trip x$loops, ms" "${hl:-}" "$pl" "$(ratio "${hl:-}" "$pl")"
row "TCP connections, one-shot" "${hc1:-}" "$pc1" "$(ratio "${hc1:-}" "$pc1")"
row "TCP connections, in-loop client" "${hcl_total:-}" "$pcl" "-"
[ "$over_ssh" = 1 ] && row "dashboard over SSH idle, % of a core" "$idle" "-" "-"
echo "(ratio = hpctop / ipyparallel; $(nproc) cores; one-shot: $reps runs each; in-loop hpctop: through one \`hpctop tunnel --background\`)"
[ "$over_ssh" = 1 ] || echo "(hpctop's half not measured: this hpctop cannot start through SSH yet)"
