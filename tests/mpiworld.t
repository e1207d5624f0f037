#!/usr/bin/env bash
# The MPI world check (core/mpiworld.h) for real: MPICH's mpiexec with
# `mpi: true` under Debian's mpi4py, built on Open MPI, starts engines that
# register but each see an MPI world of 1; `start --wait` exits 1 saying
# "mpiexec and mpi4py use different MPI libraries" with both named, and
# `status`, `status --json` (mpi_mismatch) and the dashboard say it too.
# Open MPI's mpiexec (the shipped mpi profile): one world, no message.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"
need_mpi
command -v mpiexec.mpich >/dev/null || skip_all "mpiexec.mpich is not installed (mpich)"

tmp=$(mktemp -d)
isolate
. "$(dirname "$0")/tmux.sh"
trap cleanup EXIT	# kills only what this test started, by recorded session id

short="mpiexec and mpi4py use different MPI libraries: 3 of 3 engines see an MPI world of 1 \(mpi4py is built on Open MPI v[0-9.]+;"
msg="$short mpiexec.mpich is MPICH \(Hydra\)'s launcher\)"

printf '%s\n' "backend: mpi" "engines: 3" "mpi: true" "mpiexec: mpiexec.mpich" \
	"controller: {command: /usr/bin/ipcontroller}" "engine: {command: /usr/bin/ipengine}" \
	>"$profiles/hydra.yaml"
t0=$SECONDS
run "$HPCTOP" start hydra --wait=120
took=$((SECONDS - t0))
record_pids hydra
is "$rc" 1 "MPICH's mpiexec with mpi: true: start --wait exits 1"
like "$out" "engines 3/3 registered" "the engines did register"
like "$err" "hpctop: hydra: $msg; the cluster keeps running \('hpctop stop hydra' ends it\)" \
	"start --wait: the mismatch, mpi4py's library and the launcher's MPI named"
ok "$([ "$took" -lt 60 ]; echo $?)" "start --wait said so in $took s, well under its 120 s"

run "$HPCTOP" status hydra
is "$rc" 0 "status hydra"
like "$out" $'^hydra  backend mpi  running  engines 3/3\n  '"$msg"$'\n' "status: the mismatch under the cluster's line"
run "$HPCTOP" status hydra --json
like "$out" "\"mpi_mismatch\": \"$msg\"" "status --json: mpi_mismatch"
like "$(cat "$XDG_STATE_HOME/hpctop/clusters/hydra/mpi_world")" $'^started [0-9.]+\n'"$msg\$" \
	"the verdict is kept beside the record, for this run"

# The dashboard shows it beside the state (from the kept verdict here),
# as far as the profiles pane is wide.
pane_open 220 30
dash_start hydra
wait_for " hydra +mpi +3 +running 3/3: $short" 20
ok $? "dashboard: the mismatch beside the state" || diag "$(screen)"
keys Down	# hydra unselected: its row in its state's colour
sleep 0.5
like "$(T capture-pane -p -e -t hp | grep ' hydra ')" $'\e\\[[0-9;]*31m[^\e]*running 3/3: mpiexec and mpi4py' \
	"dashboard: a running cluster with the mismatch is shown in the failure colour (red)"
keys F10
wait_for 'rc=0' 20
ok $? "the dashboard quits with 0"

# A dashboard that has no verdict yet asks the engines (within a refresh
# of its client coming up).
rm "$XDG_STATE_HOME/hpctop/clusters/hydra/mpi_world"
dash_start -d 5 hydra
wait_for " hydra +mpi +3 +running 3/3: $short" 20
ok $? "dashboard: asks the engines itself when no verdict is kept" || diag "$(screen)"
ok "$([ -s "$XDG_STATE_HOME/hpctop/clusters/hydra/mpi_world" ]; echo $?)" "dashboard: keeps what it found"
keys F10
wait_for 'rc=0' 20
T kill-server

run "$HPCTOP" stop hydra
is "$rc" 0 "stop hydra"

# Open MPI's launcher: one world of 2, nothing said.
run "$HPCTOP" start mpi -n 2 --wait=120
is "$rc" 0 "Open MPI's mpiexec with mpi: true: start --wait exits 0"
record_pids mpi
unlike "$out$err" "different MPI" "start --wait: no mismatch"
run "$HPCTOP" status mpi
unlike "$out" "different MPI" "status: no mismatch"
run "$HPCTOP" status mpi --json
like "$out" '"mpi_mismatch": null' "status --json: mpi_mismatch null"
is "$(cat "$XDG_STATE_HOME/hpctop/clusters/mpi/mpi_world" | sed 1d)" "" "the kept verdict: fine"
run "$HPCTOP" stop mpi
is "$rc" 0 "stop mpi"

done_testing
