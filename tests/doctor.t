#!/usr/bin/env bash
# hpctop doctor on this machine: the shipped local and mpi profiles pass
# (text and --json), and each broken profile fails with its reason: an
# engine Python without ipyparallel (a venv), an engine command that does
# not exist, MPICH's mpiexec with mpi: true under Debian's Open MPI mpi4py,
# and a controller address nothing listens on for the engines.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"
need_mpi

tmp=$(mktemp -d)
isolate
trap cleanup EXIT

. "$(dirname "$0")/doctor.sh"

run "$HPCTOP" doctor --help
is "$rc" 0 "doctor --help"
like "$out" "Usage: hpctop doctor PROFILE \[-n N\] \[--json\]" "--help: usage line"
run "$HPCTOP" doctor
is "$rc" 2 "doctor without a profile is a usage error"

run "$HPCTOP" doctor local
is "$rc" 0 "doctor local passes"
[ "$rc" = 0 ] || diag_fail "$out" "$err"
like "$(check_line "$out" launch)" "^  ok +launch +the probe ran here" "local: launch ok"
like "$(check_line "$out" "engine command")" "ok +engine command +/usr/bin/ipengine on " "local: engine command found"
like "$(check_line "$out" python)" "ok +python +Python 3\.[0-9.]+ /usr/bin/python3 on .*, as the controller's" \
	"local: the engines' Python is the controller's"
like "$(check_line "$out" ipyparallel)" "ok +ipyparallel +ipyparallel [0-9.]+ on .*, as the controller's" \
	"local: ipyparallel, the controller's version"
like "$(check_line "$out" "controller address")" "ok +controller address +.* reached 127\.0\.0\.1:[0-9]+" \
	"local: the controller's address is reachable"
like "$(check_line "$out" "mpi program")" "skipped +mpi program" "local: no MPI program"
like "$out" $'\nall checks passed$' "local: summary"
is "$(ls "$XDG_STATE_HOME/hpctop/doctor" 2>/dev/null)" "" "doctor leaves no files behind"

run "$HPCTOP" doctor local --json
is "$rc" 0 "doctor local --json"
run_json() {
	/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print(d["profile"], d["backend"], d["engines"], d["ok"])
for c in d["checks"]:
    assert set(c) == {"check", "status", "detail", "fix"}, c
    assert (c["fix"] is None) == (c["status"] != "failed"), c
    print(c["check"], c["status"], sep=":")' <<<"$1"
}
json=$(run_json "$out")
is "$(head -n1 <<<"$json")" "local local 2 True" "--json: profile, backend, engines, ok"
like "$json" $'\nlaunch:ok\nengine command:ok\npython:ok\nipyparallel:ok\nmpi4py:skipped\nmpi program:skipped\ncontroller address:ok$' \
	"--json: every check with its status, fix only when failed"

run "$HPCTOP" doctor mpi -n 3
is "$rc" 0 "doctor mpi -n 3 passes"
[ "$rc" = 0 ] || diag_fail "$out" "$err"
like "$(check_line "$out" launch)" "ok +launch +mpiexec.openmpi -n 3 --oversubscribe ran the probe on " \
	"mpi: the probe under the profile's mpiexec"
like "$(check_line "$out" mpi4py)" "ok +mpi4py +Open MPI v[0-9.]+.* as mpiexec.openmpi" "mpi: mpi4py on Open MPI, as mpiexec"
like "$(check_line "$out" "mpi program")" "ok +mpi program +3 ranks on .* see a world of 3; MPI_Allreduce right" \
	"mpi: the MPI program across 3 ranks"

# An engine Python without ipyparallel: a venv of its own.
if /usr/bin/python3 -m venv --without-pip "$tmp/venv" 2>/dev/null; then
	cat >"$profiles/novenv.yaml" <<EOF2
backend: local
engines: 1
controller: {ip: 127.0.0.1}
engine: {command: [$tmp/venv/bin/python3, -m, ipyparallel.engine]}
EOF2
	run "$HPCTOP" doctor novenv
	is "$rc" 1 "ipyparallel missing for the engines: doctor fails"
	like "$(check_line "$out" ipyparallel)" "failed +ipyparallel +ModuleNotFoundError: No module named 'ipyparallel' \(Python 3[0-9.]+ $tmp/venv/bin/python3\) on " \
		"the reason: the module, for which Python"
	like "$out" $'\n +fix: install ipyparallel for that Python where the engines run' "and the fix"
	like "$(check_line "$out" "engine command")" "ok +engine command +$tmp/venv/bin/python3 on" "the command itself exists"
else
	ok 0 "# SKIP python3 -m venv is not available"
fi

cat >"$profiles/noeng.yaml" <<EOF2
backend: local
engines: 1
controller: {ip: 127.0.0.1}
engine: {command: /nonexistent/ipengine}
EOF2
run "$HPCTOP" doctor noeng --json
is "$rc" 1 "a missing engine command: doctor fails"
json=$(checks_of "$out")
like "$json" $'\n'"engine command\|failed\|/nonexistent/ipengine: not found on [^|]+\|install ipyparallel where the engines run" \
	"--json: engine command failed, with the reason and the fix"
like "$json" $'\n''python\|skipped\|' "python skipped without an engine command"
like "$json" $'\n''controller address\|ok\|' "the TCP check still ran (python3 from PATH)"

if command -v mpiexec.mpich >/dev/null && command -v mpicc.mpich >/dev/null; then
	cat >"$profiles/hydra.yaml" <<'EOF2'
backend: mpi
engines: 2
mpi: true
mpiexec: mpiexec.mpich
controller: {ip: 127.0.0.1}
EOF2
	t0=$SECONDS
	run "$HPCTOP" doctor hydra
	is "$rc" 1 "MPICH's mpiexec with mpi: true: doctor fails"
	like "$(check_line "$out" mpi4py)" "failed +mpi4py +mpiexec and mpi4py use different MPI libraries: mpi4py is built on Open MPI \(Open MPI v[0-9.]+.*\), mpiexec.mpich is MPICH \(Hydra\)'s launcher" \
		"the reason names both MPI libraries"
	like "$out" $'\n +fix: set mpiexec to the launcher of Open MPI \\(mpiexec.openmpi on Debian\\)' "and the fix"
	like "$(check_line "$out" "mpi program")" "ok +mpi program +2 ranks on .* see a world of 2" \
		"the MPI program, built with mpicc.mpich, runs under Hydra"
	diag "doctor hydra took $((SECONDS - t0)) s"
else
	ok 0 "# SKIP MPICH (mpiexec.mpich, mpicc.mpich) is not installed"
fi

# A controller address no engine reaches: a controller.ip that is no address
# of this machine (TEST-NET-1), so nothing can listen there.
cat >"$profiles/noaddr.yaml" <<'EOF2'
backend: local
engines: 1
controller: {ip: 192.0.2.1}
EOF2
run "$HPCTOP" doctor noaddr
is "$rc" 1 "a controller address that is not this machine's: doctor fails"
like "$(check_line "$out" launch)" "failed +launch +the controller's side: cannot listen on 192\.0\.2\.1: " \
	"the reason: nothing can listen there"

done_testing
