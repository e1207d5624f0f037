#!/usr/bin/env bash
# The batch backends against fake sbatch/squeue/scancel (no Slurm needed):
# a scheduler command that is missing, fails, hangs or prints malformed
# lines gets a clear message, a timeout, and never a hang or a crash; the
# pending reason reaches status and start --wait; stop cancels the engines
# job first.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
isolate
trap cleanup EXIT
export FAKE_DIR=$tmp
unset SLURM_CONF
mkdir -p "$tmp/bin"
# The two-job layout (controller.placement job) is what this asserts.
cat >"$profiles/fake.yaml" <<'Y'
version: 1
backend: slurm
engines: 2
controller: {placement: job}
Y

cat >"$tmp/bin/sbatch" <<'S'
#!/bin/sh
n=$(cat "$FAKE_DIR/next" 2>/dev/null || echo 101)
echo $((n + 1)) >"$FAKE_DIR/next"
echo "Submitted batch job $n"
S
cat >"$tmp/bin/scancel" <<'S'
#!/bin/sh
echo "$*" >>"$FAKE_DIR/scancel.log"
S
# squeue: FAKE_SQUEUE says what to do; rows use hpctop's --format (fields
# separated by \037).
cat >"$tmp/bin/squeue" <<'S'
#!/bin/sh
echo "$*" >>"$FAKE_DIR/squeue.log"
# The last two ids sbatch gave out: the controller's and the engines'.
eng=$(($(cat "$FAKE_DIR/next") - 1))
ctl=$((eng - 1))
row() { printf '%s\037root\037debug\0371\037%s\0370\0371:00:00\037%s\0370:05\03759:55\037N/A\037%s\037%s\037%s\n' "$@"; }
case $FAKE_SQUEUE in
hang) exec sleep 60 ;;
fail) echo "slurm_load_jobs error: Unable to contact slurm controller (connect failure)" >&2; exit 1 ;;
mixed)
	row $ctl 1 RUNNING None node1 hpctop-fake-ctl
	echo "garbage without separators"
	printf '%s\037root\037cut short\n' $eng
	row $eng 2 PENDING Priority "" hpctop-fake-eng ;;
pending)
	row $ctl 1 PENDING Priority "" hpctop-fake-ctl
	row $eng 2 PENDING Dependency "" hpctop-fake-eng ;;
*) ;;
esac
S
chmod +x "$tmp/bin/"*
PATH=$tmp/bin:$PATH

run "$HPCTOP" start fake
is "$rc" 0 "start through a fake sbatch"
like "$out" "controller job 101, engines job 102" "both job ids are read from sbatch"

FAKE_SQUEUE=mixed run "$HPCTOP" status fake
is "$rc" 0 "status with malformed squeue lines"
like "$out" "101 +hpctop-fake-ctl +root +debug +1 +1 .* 59:55 +R +0:05 +node1" \
	"running job row, with its time left (%L)"
like "$out" "102 +hpctop-fake-eng .* Q +0:05 +\(Priority\)" "pending job shows its reason"
like "$out" "\(2 malformed scheduler lines skipped\)" "malformed lines are counted"

FAKE_SQUEUE=pending run "$HPCTOP" start fake --wait=1
is "$rc" 1 "start refuses while the cluster runs"

t0=$SECONDS
FAKE_SQUEUE=hang run "$HPCTOP" status fake
is "$rc" 1 "a hanging squeue fails status"
like "$err" "^hpctop: fake: squeue: no answer after 10 s \(killed\)" "and says it was killed"
ok "$([ $((SECONDS - t0)) -lt 30 ]; echo $?)" "within the timeout, no hang"

FAKE_SQUEUE=fail run "$HPCTOP" status fake
is "$rc" 1 "a failing squeue fails status"
like "$err" "squeue.*Unable to contact slurm controller" "with squeue's own message"

run /usr/bin/env PATH="$tmp/nobin" "$HPCTOP" status fake
is "$rc" 1 "a missing squeue fails status"
like "$err" "squeue.*not found" "and says so"

# Two Slurm clusters: one squeue for both, whatever the number of jobs.
cp "$XDG_CONFIG_HOME/hpctop/profiles/fake.yaml" "$XDG_CONFIG_HOME/hpctop/profiles/fake2.yaml"
run "$HPCTOP" start fake2
is "$rc" 0 "start a second cluster"
rm -f "$tmp/squeue.log"
FAKE_SQUEUE=mixed run "$HPCTOP" status
is "$rc" 1 "status of every cluster fails: fake's jobs may be in the malformed lines"
like "$out" $'^fake  backend slurm  unknown .*\n\nfake2  backend slurm  starting  engines 0/' \
	"both clusters shown (fake2 running, no engine registered: starting)"
like "$out" "101 +hpctop-fake-ctl .* \? +-- +\(squeue output unreadable\)" \
	"a job missing from output with malformed lines is unknown, not gone"
is "$(wc -l <"$tmp/squeue.log")" 1 "one squeue for both clusters"
like "$(cat "$tmp/squeue.log")" "^--noheader --states=all --user=$(id -un) --format=" \
	"squeue lists this user's jobs in a machine-readable format"
FAKE_SQUEUE=empty run "$HPCTOP" stop fake2
is "$rc" 0 "stop the second cluster"
rm -f "$tmp/scancel.log"

FAKE_SQUEUE=empty run "$HPCTOP" stop fake
is "$rc" 0 "stop once squeue lists nothing"
is "$(cat "$tmp/scancel.log")" $'102\n101' "scancel: engines job first, then the controller job"

# Nothing submitted when sbatch is missing.
run /usr/bin/env PATH="$tmp/nobin" "$HPCTOP" start fake
is "$rc" 1 "start without sbatch fails"
like "$err" "command 'sbatch' not found on PATH" "and names sbatch"

# start --wait on a queue that holds the jobs: why, not a bare timeout.
FAKE_SQUEUE=pending run "$HPCTOP" start fake --wait=2
is "$rc" 1 "start --wait times out on queued jobs"
like "$out" "waiting for engines: 0/2 \(controller job [0-9]+ queued \(Priority\)\)" "progress says why"
like "$err" "timed out after 2 s: controller job [0-9]+ still queued: Priority" "timeout says why"
FAKE_SQUEUE=empty run "$HPCTOP" stop fake
is "$rc" 0 "stop"

done_testing
