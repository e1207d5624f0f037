#!/usr/bin/env bash
# Clusters behind a login node (profile key `host:`), over real SSH: a test
# sshd on loopback (tests/sshd.sh) is the login node, reached through a Host
# alias of HPCTOP_SSH_CONFIG; its sessions get a home of their own (sshd
# SetEnv), so everything hpctop puts "there" is told apart from what stays
# here. On the real test Slurm: start a slurm profile on the host, status
# (R, engines N/N, on HOST), px from every engine and engines through the
# forwarded controller ports, logs, a record that survives a restart, -H
# listing the host's profiles, the sshd killed (reconnecting, never lost)
# and back, stop leaving no job.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"
. "$(dirname "$0")/sshd.sh"
. "$(dirname "$0")/tmux.sh"

rhome=$tmp/remote-home
mkdir -p "$rhome/.config/hpctop/profiles"
# The login node's sessions: their own HOME, and the test Slurm's config.
sshd_start -o "SetEnv=HOME=$rhome SLURM_CONF=$SLURM_CONF" ||
	{ done_testing; exit 1; }
export HPCTOP_SSH_CONFIG=$SSHD_SSH_CONFIG
login=$SSHD_HOST

batch_profile far slurm "host: $login"
rec=$XDG_STATE_HOME/hpctop/clusters/far/cluster.json
rdir=$rhome/.local/state/hpctop/clusters/far

run "$HPCTOP" script far -n 2
is "$rc" 0 "script of a profile on $login"
like "$out" "export IPYTHONDIR='?$rhome/.ipython'?"$'\n' \
	"the job scripts use the IPython dir of the host's home"
like "$out" "sbatch --parsable --output=$rdir/logs/controller.log $rdir/controller.sbatch" \
	"submission names the script and log there by absolute path"

t0=$SECONDS
batch_start_ok far 2
diag "start through ssh: $((SECONDS - t0)) s"
ok "$([ -f "$rdir/controller.sbatch" ] && [ -f "$rdir/engines.sbatch" ]; echo $?)" \
	"job scripts written on the host, below its home"
is "$(stat -c %a "$rdir/controller.sbatch")" 700 "job script mode 0700"
ok "$([ -f "$rhome/.ipython/profile_far/security/ipcontroller-client.json" ]; echo $?)" \
	"connection file on the host"
ok "$([ ! -e "$IPYTHONDIR/profile_far" ]; echo $?)" "nothing in the IPython dir here"
is "$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["host"], r["host_home"])' "$rec")" \
	"$login $rhome" "the record names the host and its home"
ok "$([ -f "$tmp/home/.ssh/known_hosts" ] || [ ! -e "$tmp/home/.ssh" ]; echo $?)" \
	"no ssh state made in the test's home"

t0=$(date +%s.%N)
run "$HPCTOP" status far
diag "status through ssh (new session): $(echo "$(date +%s.%N) - $t0" | bc) s"
is "$rc" 0 "status far"
like "$out" "^far  backend slurm  on $login  running  engines 2/2" \
	"status: on the host, running, engines 2/2"
like "$out" "hpctop-far-ctl .* R +[0-9:]+ " "status: controller job R"
like "$out" "hpctop-far-eng .* R +[0-9:]+ " "status: engines job R"

run "$HPCTOP" status far --json
like "$out" "\"host\": \"$login\"" "status --json: host"
like "$out" '"host_unreachable": null' "status --json: host reachable"

t0=$(date +%s.%N)
run "$HPCTOP" px far 'import os; print("pid", os.getpid())'
diag "one-shot px through ssh: $(echo "$(date +%s.%N) - $t0" | bc) s"
is "$rc" 0 "px through the forwarded ports"
is "$(grep -c 'pid [0-9]' <<<"$out")" 2 \
	"px prints from both engines"
[ "$rc" = 0 ] || diag_fail "$err"

run "$HPCTOP" engines far
is "$rc" 0 "engines far"
like "$out" "2 engines" "engines: 2 registered"

run "$HPCTOP" logs far --controller
is "$rc" 0 "logs --controller read through the host"
like "$out" "(Hub|ipcontroller|Scheduler)" "the controller's log"
unlike "$out" "\"key\": \"[0-9a-f-]{20,}\"" "its key masked"

# A new hpctop process: the record alone finds the cluster there.
run "$HPCTOP" status far
like "$out" "^far  backend slurm  on $login  running  engines 2/2" \
	"status from a new process (the record alone)"

# Two hosts at once: one scheduler query per host, each cluster's jobs
# from its own host's answer.
first=("$SSHD_PID" "$SSHD_CONFIG" "$SSHD_PORT" "$SSHD_LOG")
rhome2=$tmp/remote-home2
mkdir -p "$rhome2"
sshd_start -o "SetEnv=HOME=$rhome2 SLURM_CONF=$SLURM_CONF" ||
	{ done_testing; exit 1; }
login2=$SSHD_HOST
SSHD_PID=${first[0]} SSHD_CONFIG=${first[1]} SSHD_PORT=${first[2]} SSHD_LOG=${first[3]}
batch_profile near slurm "host: $login2"
run "$HPCTOP" start near -n 1 --wait=150
is "$rc" 0 "start near on $login2"
[ "$rc" = 0 ] || diag_fail "$err"
ids2=$(batch_jobids near | tr '\n' ' ')
ok "$([ -f "$rhome2/.local/state/hpctop/clusters/near/controller.sbatch" ]; echo $?)" \
	"its job scripts on $login2"
run "$HPCTOP" status
is "$rc" 0 "status of both"
like "$out" "(^|"$'\n'")far  backend slurm  on $login  running  engines 2/2" \
	"far on $login, running 2/2"
like "$out" $'\n'"near  backend slurm  on $login2  running  engines 1/1" \
	"near on $login2, running 1/1"
run "$HPCTOP" stop near
is "$rc" 0 "stop near"
is "$(batch_slurm_live $ids2)" "" "near leaves no job"

# -H: the host's own profiles, listed with source HOST.
printf '%s\n' "backend: slurm" "engines: 3" >"$rhome/.config/hpctop/profiles/there.yaml"
run "$HPCTOP" -H "$login" profiles
is "$rc" 0 "-H $login profiles"
like "$out" "there +slurm +3 +stopped +$login:$rhome/.config/hpctop/profiles/there.yaml" \
	"the host's profile listed, source $login"
run "$HPCTOP" -H "$login" script there -n 1
is "$rc" 0 "a profile of the host runs there"
like "$out" "IPYTHONDIR='?$rhome/.ipython'?" "with the host's paths"
run "$HPCTOP" -H '-oProxyCommand=x' profiles
is "$rc" 2 "-H refuses an option for a destination"

# A controller that fails there: start says so with the end of its log,
# read through the host, and leaves nothing.
printf '%s\n' "backend: slurm" "host: $login" "engines: 1" \
	'walltime: "00:10:00"' \
	"controller: {command: [sh, -c, 'echo remote-boom; exit 3', sh], placement: job}" \
	>"$profiles/boom.yaml"
batch_profiles+=(boom)
run "$HPCTOP" start boom --wait=120
is "$rc" 1 "a controller failing on $login fails start"
like "$err" "controller log $login:$rhome/.local/state/hpctop/clusters/boom/logs/controller.log:"$'\n'"    remote-boom" \
	"with the end of its log there"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/boom" ]; echo $?)" "and no record left"

# The dashboard: where the cluster runs, its engines through the session.
dash_open 132 50 -H "$login" far
wait_for "running 2/2 on $login" 60
ok $? "dashboard: running 2/2 on $login"
like "$scr" " there +slurm +3 +stopped on $login" \
	"dashboard -H: the host's profile listed, on $login"
unlike "$scr" "-H $login" "dashboard -H: no listing failed"

# The login node goes away: reconnecting, the cluster never lost.
sshd_stop
wait_for "on $login: $login: (reconnecting|down)" 60
ok $? "dashboard: the host is reconnecting"
unlike "$scr" " far .*(lost|gone)" "dashboard: the cluster is not called lost or gone"
run "$HPCTOP" status far
like "$out" "^far  backend slurm  on $login  $login: (reconnecting|down)" \
	"sshd gone: status says the host is reconnecting"
unlike "$out" "lost|gone" "and calls nothing lost or gone"
run "$HPCTOP" stop far
is "$rc" 1 "stop while the host cannot be asked fails"
like "$err" "$login" "and names the host"
ok "$([ -f "$rec" ]; echo $?)" "the record stays"
is "$(batch_slurm_live $ids | wc -l)" 2 "both jobs still run"

# Back on the same address, port and host key (sshd_cleanup stops it).
"$SSHD_BIN" -D -f "$SSHD_CONFIG" -E "$SSHD_LOG.2" -o "Port=$SSHD_PORT" \
	-o "SetEnv=HOME=$rhome SLURM_CONF=$SLURM_CONF" </dev/null &
SSHD_PID=$!
_sshd_pids+=("$SSHD_PID")
# Up when the ssh client gets in.
for _ in $(seq 100); do
	ssh -F "$SSHD_SSH_CONFIG" "$login" true 2>/dev/null && break
	sleep 0.1
done
run "$HPCTOP" status far
like "$out" "^far  backend slurm  on $login  running  engines 2/2" \
	"sshd back: status normal"
wait_for "running 2/2 on $login" 90
ok $? "dashboard: back to running 2/2 once the session reconnects"
dash_close
is "$(cat "$tmp/dash.err")" "" "the dashboard wrote nothing to stderr"

run "$HPCTOP" stop far
is "$rc" 0 "stop far"
is "$(batch_slurm_live $ids)" "" "stop leaves no job"
ok "$([ ! -e "$rhome/.ipython/profile_far/security/ipcontroller-client.json" ]; echo $?)" \
	"connection file on the host removed"
ok "$([ ! -e "$rec" ]; echo $?)" "record removed"

done_testing
