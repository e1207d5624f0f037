#!/usr/bin/env bash
# The slurm backend on a real Slurm (tests/slurm/cluster): the scripts it
# submits, start --wait until squeue runs both jobs and every engine
# registered, a real ipyparallel.Client on the engines (host names,
# map_sync, MPI point-to-point), stop leaving nothing in squeue, a queue
# that does not exist, and jobs that stay queued.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"

host=$(hostname)
batch_profile slurm slurm "mpi: true" "queue: debug"

run "$HPCTOP" script slurm -n 8
is "$rc" 0 "script slurm -n 8"
like "$out" $'\n#SBATCH --ntasks=8\n' "engines job asks for 8 tasks"
like "$out" $'\n#SBATCH --job-name=hpctop-slurm-ctl\n#SBATCH --nodes=1\n#SBATCH --ntasks=1\n#SBATCH --partition=debug\n#SBATCH --time=00:10:00\n' \
	"controller job directives"
like "$out" $'\nexec mpiexec.openmpi -n 8 --oversubscribe sh -c \'[^\n]*\' hpctop-engine [^ ]*/clusters/slurm/tasks hpctop-set0- /usr/bin/ipengine --profile=slurm --IPEngine.wait_for_url_file=[0-9]+ --mpi\n' \
	"engines run under mpiexec in one allocation, each task under the exit-recording wrapper"
like "$out" $'\nexec /usr/bin/ipcontroller --profile=slurm \'--ip=\*\'' \
	"controller listens on every interface"
like "$out" $'\nsbatch --parsable --output=[^ ]*/logs/engines.log --dependency=after:\$ctl ' \
	"engines job depends on the controller job"
sh -n -c "$out"
ok $? "the script is valid sh"

batch_start_ok slurm 4
like "$out" "started 'slurm' \(backend slurm\): controller job [0-9]+, engines job [0-9]+" \
	"start names both jobs"

states=$(squeue --noheader --jobs="$(echo $ids | tr ' ' ',')" --format=%T | sort -u)
is "$states" "RUNNING" "squeue shows both jobs RUNNING"

run "$HPCTOP" status slurm
is "$rc" 0 "status slurm"
like "$out" "^slurm  backend slurm  running  engines 4/4" "status: engines 4/4"
like "$out" "JOBID +NAME +USER +QUEUE +NDS +TSK +MEM +TIME +LEFT +S +ELAP +NODES" \
	"status: qstat-style header"
like "$out" "hpctop-slurm-ctl +[^ ]+ +debug +1 +1 .* R +[0-9:]+ +$host" \
	"status: controller job R on this node"
like "$out" "hpctop-slurm-eng +[^ ]+ +debug +1 +4 .* R +[0-9:]+ +$host" \
	"status: engines job R with 4 tasks"

batch_client_ok slurm 4

run "$HPCTOP" stop slurm
is "$rc" 0 "stop slurm"
is "$(batch_slurm_live $ids)" "" "stop leaves nothing in squeue"
ok "$([ ! -e "$IPYTHONDIR/profile_slurm/security/ipcontroller-client.json" ]; echo $?)" \
	"connection file removed"
run "$HPCTOP" status slurm
is "$rc" 1 "no record after stop"

# A queue that does not exist: sbatch's own reason, nothing left behind.
batch_bad_queue slurm sbatch

# Jobs that cannot start yet: start --wait says they are queued and why.
batch_profile later slurm "directives: [--begin=now+1hour]"
run "$HPCTOP" start later -n 1 --wait=3
is "$rc" 1 "start --wait on jobs that stay queued fails"
like "$out" "waiting for engines: 0/1 \(controller job [0-9]+ queued \(BeginTime\)\)" \
	"progress says queued and why"
like "$err" "timed out after 3 s: controller job [0-9]+ still queued: BeginTime; the jobs stay queued" \
	"timeout says which job is still queued and why"
ids=$(batch_jobids later | tr '\n' ' ')
run "$HPCTOP" status later
like "$out" "hpctop-later-eng .* Q +[0-9:]+ +\(Dependency\)" \
	"status shows the pending reason instead of nodes"
run "$HPCTOP" stop later
is "$rc" 0 "stop cancels queued jobs"
is "$(batch_slurm_live $ids)" "" "nothing left in squeue"

# A value that cannot be a directive is refused before anything runs.
batch_profile spaced slurm "queue: \"de bug\""
run "$HPCTOP" script spaced
is "$rc" 1 "a queue with a space is refused"
like "$err" "^hpctop: .*/spaced\\.yaml:[0-9]+:[0-9]+: queue: 'de bug' is not a queue name" "and says why"

done_testing
