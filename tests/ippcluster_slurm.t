#!/usr/bin/env bash
# ipyparallel's cluster file for a cluster hpctop runs on Slurm (the test
# Slurm, tests/slurm/cluster), and on PBS (qsub/qdel, Debian's torque
# wrappers over it): batch launchers with hpctop's job ids,
# `ipcluster list` with the engine count, a client from
# Cluster.from_file(), and `ipcluster stop` cancelling hpctop's jobs by id,
# after which hpctop shows the cluster stopped and has cleared its record;
# and a cluster ipcluster started with its Slurm launchers, in hpctop
# status, px and stop.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"
. "$(dirname "$0")/ippfile.sh"

batch_profile islurm slurm "queue: debug"
f=$(ipp_file islurm)
batch_start_ok islurm 2
ok "$([ -f "$f" ]; echo $?)" "the cluster file is written"
is "$(ipp_mode "$f")" 600 "mode 600"
set -- $ids
is "$(/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["controller"]["class"], d["controller"]["state"]["job_id"], d["engines"]["class"],
      " ".join(s["job_id"] + ":" + str(s["n"]) for s in d["engines"]["sets"].values()))' "$f")" \
	"slurm $1 slurm $2:2" "the file names hpctop's jobs: controller $1, engines $2 (2 engines)"
is "$(ipp_list islurm)" "islurm '' True 2 Slurm" "ipcluster list: running, 2 engines, Slurm launcher"

run ipp_from_file islurm 2
is "$rc" 0 "Cluster.from_file(profile='islurm').connect_client_sync()"
like "$out" $'engines 2\npsum 4950' "a client on the 2 engines: psum of range(100) is 4950"
[ "$rc" = 0 ] || diag_fail "$err"

run /usr/bin/ipcluster stop --profile=islurm
is "$rc" 0 "ipcluster stop --profile=islurm"
wait_until 30 eval '[ -z "$(batch_slurm_live $ids)" ]'
is "$(batch_slurm_live $ids)" "" "both jobs are gone from squeue ($ids)"
ok "$([ ! -e "$f" ]; echo $?)" "ipcluster removed the cluster file"
ipp_cleared islurm slurm

# The other way: ipcluster's own Slurm launchers; hpctop shows the jobs,
# runs px on the engines and stops them (scancel by the file's job ids).
f=$(ipp_file ipcsl)
( cd "$tmp" && exec timeout 120 /usr/bin/ipcluster start -n 2 --profile=ipcsl --engines=slurm \
	--controller=slurm --SlurmLauncher.options=--partition=debug --daemonize >"$tmp/ipcluster.log" 2>&1 )
is "$?" 0 "ipcluster start --engines=slurm --controller=slurm --daemonize"
jobs=$(/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["controller"]["state"]["job_id"], *[s["job_id"] for s in d["engines"]["sets"].values()])' "$f" 2>/dev/null)
printf '%s\n' $jobs >>"$tmp/jobids"
is "$(echo $jobs | wc -w)" 2 "its cluster file names 2 jobs ($jobs)"
wait_until 60 eval '"$HPCTOP" status ipcsl | grep -q "running  engines 2/2"'
run "$HPCTOP" status ipcsl
like "$out" "^ipcsl +backend slurm +running +engines 2/2" "hpctop status: ipcluster's Slurm cluster, engines 2/2"
for j in $jobs; do like "$out" $'\n'"  $j +ipy-" "status lists job $j"; done
run "$HPCTOP" px ipcsl 'import socket; socket.gethostname()'
is "$(grep -c "execute_result\] '$(hostname)'" <<<"$out")" 2 "px on its 2 engines"
run "$HPCTOP" stop ipcsl
is "$rc" 0 "hpctop stop ipcsl"
is "$(batch_slurm_live $jobs)" "" "its jobs are gone from squeue"
ok "$([ ! -e "$f" ]; echo $?)" "the cluster file is removed"
is "$(ipp_list ipcsl)" "" "ipcluster list: nothing"

# pbs: PBS launchers, which ipcluster stop ends with qdel.
if command -v qsub >/dev/null; then
	batch_profile ipbs pbs "queue: debug"
	f=$(ipp_file ipbs)
	batch_start_ok ipbs 2
	is "$(ipp_list ipbs)" "ipbs '' True 2 PBS" "pbs: ipcluster list: running, 2 engines, PBS launcher"
	run ipp_from_file ipbs 2
	like "$out" $'engines 2\npsum 4950' "pbs: from_file client, psum 4950"
	run /usr/bin/ipcluster stop --profile=ipbs
	is "$rc" 0 "pbs: ipcluster stop --profile=ipbs"
	wait_until 30 eval '[ -z "$(batch_slurm_live $ids)" ]'
	is "$(batch_slurm_live $ids)" "" "pbs: both jobs are gone ($ids)"
	ipp_cleared ipbs pbs pbs
else
	diag "pbs part skipped: no qsub (slurm-wlm-torque)"
fi

done_testing
