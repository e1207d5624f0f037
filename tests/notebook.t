#!/usr/bin/env bash
# The notebook's "IPython Clusters" tab (ipyparallel's Jupyter server
# extension in nbclassic on Jupyter Server) and hpctop see the same
# clusters: a server started here on 127.0.0.1 with a token (its own
# config, runtime and IPython dirs, a free port; killed by pid) lists a
# cluster hpctop started as running with its engines; a cluster started
# through the extension's API (POST /ipyparallel/clusters/KEY, as the tab's
# Start button does) shows in hpctop; hpctop's stop is seen by the tab and
# the tab's Stop (DELETE) by hpctop. Headless Chromium saves the tab as
# tests/out/notebook-clusters.png.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/cluster.sh"
. "$(dirname "$0")/ippfile.sh"

command -v jupyter-nbclassic >/dev/null ||
	skip_all "jupyter-nbclassic is not installed (python3-nbclassic)"
/usr/bin/python3 -c 'import jupyter_server' 2>/dev/null ||
	skip_all "jupyter_server is not installed (python3-jupyter-server)"
ipp_isolated
export JUPYTER_CONFIG_DIR=$tmp/jupyter JUPYTER_RUNTIME_DIR=$tmp/jupyter-run
at_cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait_until 10 eval '! alive $server'; }
out_dir=$HPCTOP_SRCDIR/tests/out
mkdir -p "$out_dir" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR"

printf '%s\n' "backend: local" "engines: 2" "controller:" "  ip: 127.0.0.1" >"$profiles/nbh.yaml"
run "$HPCTOP" start nbh --wait=120
is "$rc" 0 "hpctop start nbh --wait (2 engines)"
record_pids nbh
[ "$rc" = 0 ] || diag_fail "$err"

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
( cd "$tmp" && exec setsid jupyter-nbclassic --no-browser --allow-root --ip=127.0.0.1 \
	--port="$port" --ServerApp.token="$token" --ServerApp.jpserver_extensions ipyparallel=True \
	>"$tmp/server.log" 2>&1 ) &
server=$!
echo "$server" >>"$pids"
url=http://127.0.0.1:$port
api() { curl -s -H "Authorization: token $token" -H "Content-Type: application/json" "$@"; }
wait_until 60 eval 'api -o /dev/null -f "$url/api/status"'
ok $? "the server answers on 127.0.0.1:$port"
like "$(cat "$tmp/server.log")" "ipyparallel \| extension was successfully loaded" "ipyparallel's extension loaded"

# tab KEY: the tab's row for cluster KEY ("running N" or "stopped").
tab() {
	api "$url/ipyparallel/clusters" | /usr/bin/python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["id"] == sys.argv[1]:
        print("running %d" % c["engines"]["n"] if c.get("controller") else "stopped")' "$1"
}
is "$(tab nbh:)" "running 2" "the tab lists hpctop's cluster as running with 2 engines"
is "$(curl -s -o /dev/null -w '%{http_code}' "$url/ipyparallel/clusters")" 403 "the API wants the token"

# Start through the API, as the Start button does: the profile's default
# cluster (key "nbp:"), POSTed with the engine count.
mkdir -p "$IPYTHONDIR/profile_nbp"
is "$(tab nbp:)" "stopped" "the tab offers profile nbp, stopped"
run api -X POST -d '{"n": 2}' "$url/ipyparallel/clusters/nbp:"
like "$out" '"controller"' "POST /ipyparallel/clusters/nbp: started it"
nbp_file=$(ipp_file nbp)
ipp_pids "$nbp_file" >>"$pids"
nbp_procs=$(ipp_pids "$nbp_file" | tr '\n' ' ')
wait_until 60 eval '"$HPCTOP" status nbp | grep -q "running  engines 2/2"'
run "$HPCTOP" status nbp
like "$out" "^nbp +backend local +running +engines 2/2" "hpctop status: the tab's cluster runs, engines 2/2"
run "$HPCTOP" profiles
like "$out" $'\n'"nbp +local +2 +running 2/2 +ipython:" "hpctop profiles: nbp from ipython"

# The tab, as a person sees it, with both clusters.
if command -v chromium >/dev/null; then
	shot=$out_dir/notebook-clusters.png
	rm -f "$shot"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$tmp/chromium" --window-size=1200,500 --virtual-time-budget=8000 \
		--screenshot="$shot" "$url/tree?token=$token#ipyclusters" >"$tmp/chromium.log" 2>&1
	is "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a \
		"headless Chromium saved the tab: $shot"
	ok "$([ "$(stat -c %s "$shot" 2>/dev/null || echo 0)" -gt 5000 ]; echo $?)" "a real picture ($(stat -c %s "$shot" 2>/dev/null) bytes)"
else
	for what in "the screenshot" "its size"; do
		TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $what # SKIP chromium is not installed"
	done
fi

# hpctop stops the tab's cluster: the tab sees it stopped.
left() { local p n=0; for p in "$@"; do alive "$p" && n=$((n + 1)); done; echo $n; }
run "$HPCTOP" stop nbp
is "$rc" 0 "hpctop stop nbp"
wait_until 20 eval '[ "$(left $nbp_procs)" = 0 ]'
is "$(left $nbp_procs)" 0 "its processes are gone ($nbp_procs)"
wait_until 20 eval '[ "$(tab nbp:)" = stopped ]'
is "$(tab nbp:)" "stopped" "the tab shows nbp stopped"

# The tab's Stop (DELETE) on hpctop's cluster: hpctop sees it stopped.
nbh_procs=$(recorded_pids "$XDG_STATE_HOME/hpctop/clusters/nbh/cluster.json" | tr '\n' ' ')
run api -o /dev/null -w '%{http_code}' -X DELETE "$url/ipyparallel/clusters/nbh:"
is "$out" 204 "DELETE /ipyparallel/clusters/nbh: (the Stop button)"
wait_until 20 eval '[ "$(left $nbh_procs)" = 0 ]'
is "$(left $nbh_procs)" 0 "hpctop's processes are gone ($nbh_procs)"
run "$HPCTOP" status nbh
like "$out" "^nbh +backend local +stopped" "hpctop status: nbh stopped"
ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/nbh" ]; echo $?)" "hpctop cleared its record"

kill "$server"
wait_until 20 eval '! alive $server'
ok $? "the server is gone (pid $server)"
server=

done_testing
