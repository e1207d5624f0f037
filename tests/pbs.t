#!/usr/bin/env bash
# The pbs backend through qsub/qstat/qdel (Debian's slurm-wlm-torque
# wrappers over the real test Slurm): the scripts, start --wait until both
# jobs run and both engines registered, a real ipyparallel.Client (host
# names, map_sync, MPI point-to-point), stop leaving no job behind, and a
# queue that does not exist.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"
command -v qsub >/dev/null || skip_all "no qsub (slurm-wlm-torque)"

host=$(hostname)
batch_profile pbs pbs "mpi: true" "queue: debug" "mem: 500M"

run "$HPCTOP" script pbs -n 2
is "$rc" 0 "script pbs -n 2"
like "$out" $'\n#PBS -N hpctop-pbs-eng\n#PBS -j oe\n#PBS -V\n#PBS -l nodes=1:ppn=2\n#PBS -q debug\n#PBS -l walltime=0:10:00\n#PBS -l mem=500mb\n' \
	"engines job directives"
like "$out" $'\ncd [^ ]*/logs && qsub -N hpctop-pbs-eng -j oe -W depend=after:\$ctl \.\./engines\.pbs$' \
	"engines job depends on the controller job"
sh -n -c "$out"
ok $? "the script is valid sh"

batch_start_ok pbs 2
run qstat -a -n -1 $ids
is "$(awk '$1 ~ /^[0-9]/ {print $10}' <<<"$out" | sort -u)" "R" "qstat shows both jobs R"

run "$HPCTOP" status pbs
is "$rc" 0 "status pbs"
like "$out" "^pbs  backend pbs  running  engines 2/2" "status: engines 2/2"
like "$out" "hpctop-pbs-eng +[^ ]+ +debug +1 +2 .* R +[0-9:]+ +$host" \
	"status: engines job R with 2 tasks on this node"
logs=$(ls "$XDG_STATE_HOME/hpctop/clusters/pbs/logs")
like "$logs" "hpctop-pbs-ctl\.o[0-9]+" "controller output in the logs directory"

batch_client_ok pbs 2

run "$HPCTOP" stop pbs
is "$rc" 0 "stop pbs"
# The wrapper's qstat shows a job that is still completing as C already;
# Slurm finishes it within its KillWait.
wait_until 20 says_nothing batch_slurm_live $ids
is "$(batch_slurm_live $ids)" "" "stop leaves no job behind"
run "$HPCTOP" status pbs
is "$rc" 1 "no record after stop"

batch_bad_queue pbs qsub

done_testing
