#!/usr/bin/env bash
# Clusters ipyparallel's own tools started, seen by hpctop through their
# cluster files (core/ippcluster.h): `ipcluster start --daemonize` and the
# Cluster API each start one; hpctop status shows its processes and engine
# count (the dashboard too), profiles lists it with source ipython, px runs on its engines,
# logs reads the files it names, stop ends exactly the pids the file names
# and removes the file (ipcluster list then shows nothing); a cluster
# ipcluster stop ended leaves no record behind.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/ippfile.sh"
. "$(dirname "$0")/tmux.sh"

ipp_isolated

# ipcluster start --daemonize
f=$(ipp_file ext)
( cd "$tmp" && exec setsid /usr/bin/ipcluster start -n 2 --profile=ext --daemonize >"$tmp/ipcluster.log" 2>&1 )
wait_until 60 eval '[ "$(ipp_pids "$f" | wc -l)" = 3 ]'
procs=$(ipp_pids "$f" | tr '\n' ' ')
printf '%s\n' $procs >>"$pids"
is "$(echo $procs | wc -w)" 3 "ipcluster wrote its cluster file: controller and 2 engines ($procs)"
wait_until 60 eval '"$HPCTOP" status ext | grep -q "running  engines 2/2"'
run "$HPCTOP" status ext
like "$out" "^ext +backend local +running +engines 2/2" "hpctop status: running, engines 2/2"
for p in $procs; do
	like "$out" $'\n'"  $p +ipc|  $p +ipe" "status lists pid $p"
done
run "$HPCTOP" profiles
like "$out" $'\n'"ext +local +2 +running 2/2 +ipython:$f" "profiles: ext, source ipython, its cluster file"
# The dashboard: the list and the cluster's processes.
pane_open 120 30
dash_start
wait_for $'\n'"[ >]*ext +local +2 +running 2/2" 30
ok $? "the dashboard lists ext as running 2/2" || diag "$scr"
dash_close
pane_open 120 30
dash_start ext
wait_for $'\n'" *${procs%% *} +ipcontroller .* R " 30
ok $? "the dashboard shows ext's controller process (pid ${procs%% *})" || diag "$scr"
dash_close

run "$HPCTOP" px ext 'import os; os.getpid()'
is "$rc" 0 "px on the ipcluster engines"
is "$(grep -o 'execute_result\] [0-9]*' <<<"$out" | awk '{print $2}' | sort | tr '\n' ' ')" \
	"$(echo $procs | tr ' ' '\n' | sed 1d | sort | tr '\n' ' ')" "px: the engines are the file's engine pids"
run "$HPCTOP" logs ext
like "$out" "IPEngine|IPController" "logs: the output files the cluster file names"
run "$HPCTOP" stop ext
is "$rc" 0 "hpctop stop ext"
left() { local p n=0; for p in $procs; do alive "$p" && n=$((n + 1)); done; echo $n; }
wait_until 10 eval '[ "$(left)" = 0 ]'
is "$(left)" 0 "every pid of the file is gone"
ok "$([ ! -e "$f" ]; echo $?)" "the cluster file is removed"
is "$(ipp_list ext)" "" "ipcluster list: nothing"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/ext" ]; echo $?)" "no record left"

# The Cluster API (as the notebook's Clusters tab uses it), with a cluster
# id; then ipcluster stop.
run /usr/bin/python3 - "$IPYTHONDIR/profile_api" <<'PY'
import sys
import ipyparallel as ipp
c = ipp.Cluster(profile_dir=sys.argv[1], cluster_id="nb1", n=2, shutdown_atexit=False)
c.start_cluster_sync()
rc = c.connect_client_sync()
rc.wait_for_engines(2, timeout=60)
print("file", c.cluster_file)
PY
is "$rc" 0 "Cluster(cluster_id='nb1', n=2).start_cluster_sync()"
f=$IPYTHONDIR/profile_api/security/cluster-nb1.json
procs=$(ipp_pids "$f" | tr '\n' ' ')
printf '%s\n' $procs >>"$pids"
like "$out" "file $f" "it wrote $f"
run "$HPCTOP" status api.nb1
like "$out" "^api\\.nb1 +backend local +running +engines 2/2" "hpctop status api.nb1: running 2/2"
run /usr/bin/ipcluster stop --profile=api --cluster-id=nb1
is "$rc" 0 "ipcluster stop --profile=api --cluster-id=nb1"
wait_until 20 eval '[ "$(left)" = 0 ]'
is "$(left)" 0 "its processes are gone ($procs)"
run "$HPCTOP" status api.nb1
like "$out$err" "^api\\.nb1 +backend local +stopped|no cluster 'api\\.nb1'" "hpctop: stopped"
"$HPCTOP" status >/dev/null
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/api.nb1" ]; echo $?)" "no record left"

done_testing
