#!/usr/bin/env bash
# renew_before on the real test Slurm (slurm and pbs backends): an engine set whose job has a
# 3-minute walltime (engines_walltime; the controller's job has 10) and
# renew_before: 90s gets a successor set ahead of its end, and is stopped
# once the successor's engines registered. On slurm the renewal is left to
# an `hpctop watch --background` (start starts one; it is replaced by one
# with a pass every 2 s), status only looking; on pbs the watch is stopped
# and `hpctop status` runs the renewal pass. Sampled every second, the
# registered count never reaches 0 over the whole renewal, the old job is
# gone afterwards, nothing is lost, and stop ends the watch; a dashboard
# open meanwhile (slurm) shows the watch's steps in its px console.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"
. "$(dirname "$0")/tmux.sh"

# RENEW_BACKENDS: which backends (both by default).
for backend in ${RENEW_BACKENDS:-slurm pbs}; do
	name=rn$backend
	batch_profile "$name" "$backend" 'engines_walltime: "00:03:00"' 'renew_before: 90s'
	batch_start_ok "$name" 2
	read -r ctl old <<<"$ids"
	like "$out" "renewal: hpctop watch \(pid [0-9]+\) renews its engine sets" \
		"$backend: start started a watch"
	run "$HPCTOP" status "$name"
	like "$out" $'\n  renewal: hpctop watch, pid [0-9]+\n' "$backend: status names the watch"
	run "$HPCTOP" watch --stop "$name"
	is "$rc" 0 "$backend: watch --stop"
	like "$out" "^watch of $name stopped \(pid [0-9]+\)" "... says which"
	run "$HPCTOP" watch --stop "$name"
	is "$rc" 1 "$backend: watch --stop again: none runs"
	like "$err" "no watch of '$name' runs" "... and says so"
	watch=
	if [ "$backend" = slurm ]; then
		run "$HPCTOP" watch "$name" --background --interval=2
		is "$rc" 0 "$backend: watch --background --interval=2"
		like "$out" "watching '$name' \(pid [0-9]+\): a pass every 2 s renews engine sets ending within 90 s" \
			"... says it watches"
		watch=$(jq -r .pid "$XDG_STATE_HOME/hpctop/clusters/$name/watch.json")
		run "$HPCTOP" watch "$name" --background
		is "$rc" 1 "$backend: a second watch is refused"
		like "$err" "a watch of '$name' runs already \(pid $watch\)" "... naming the first"
		steps=$XDG_STATE_HOME/hpctop/clusters/$name/watch.log
		# A dashboard looking on: it leaves the steps to the watch and its
		# px console shows them.
		if command -v tmux >/dev/null; then
			pane_open 120 40
			dash_start "$name"
			wait_for "running 2/2" 60
			keys P
			wait_for 'Enter Run' 10
			dash=1
		fi
	else
		run "$HPCTOP" status "$name"
		like "$out" "renewal: no watch runs, so status passes and the dashboard renew" \
			"$backend: status says it renews itself"
		steps=$tmp/st.err
	fi
	: >"$tmp/st.err"

	samples=$tmp/samples
	: >"$samples"
	t0=$SECONDS
	renewed=0
	while [ $((SECONDS - t0)) -lt 240 ]; do
		"$HPCTOP" status "$name" --json >"$tmp/st.json" 2>>"$tmp/st.err"
		/usr/bin/python3 -c 'import json,sys
c = json.load(open(sys.argv[1]))[0]
print(c["engines_registered"], ",".join(str(s["set"]) for s in c["sets"]), len(c["lost_ids"]))' \
			"$tmp/st.json" >>"$samples" 2>/dev/null || echo "x x x" >>"$samples"
		read -r n sets lost <<<"$(tail -1 "$samples")"
		if [ "$sets" = 1 ] && [ "$n" = 2 ]; then
			renewed=1
			break
		fi
		sleep 1
	done
	diag "$backend: renewal done after $((SECONDS - t0)) s, $(wc -l <"$samples") samples"
	ok "$((1 - renewed))" "$backend: set 0 was replaced by set 1 with 2/2 registered"
	is "$(grep -c '^x' "$samples")" 0 "$backend: every sample read"
	min=$(awk '{ print $1 }' "$samples" | sort -n | head -1)
	ok "$([ "${min:-0}" -gt 0 ]; echo $?)" "$backend: the registered count never reached 0 (min $min)"
	diag "counts: $(awk '{ print $1 }' "$samples" | uniq -c | awk '{ printf "%sx%s ", $1, $2 }')"
	by=${watch:+the watch}
	like "$(cat "$steps")" "$name: engine set 0 ends in [0-9]+ s: set 1 submitted to renew it" \
		"$backend: ${by:-status} said it submitted the successor"
	like "$(cat "$steps")" "$name: engine set 0 stopped: ids [0-9]+,[0-9]+ of set 1 replace [0-9]+,[0-9]+" \
		"$backend: ${by:-status} said which engine ids are new"
	if [ -n "$watch" ]; then
		unlike "$(cat "$tmp/st.err")" "submitted to renew|replace" "$backend: status left the renewal to the watch"
	fi
	if [ "${dash:-0}" = 1 ]; then
		wait_for 'engine set 0 stopped: ids [0-9]+,[0-9]+ of set 1 replace [0-9]+,[0-9]+' 30
		ok $? "$backend: the dashboard's px console shows the watch's step, the new ids" || diag_fail "$scr"
		is "$(cat "$tmp/dash.err")" "" "$backend: nothing on the dashboard's stderr"
		keys Escape
		keys q
		wait_for 'rc=0' 10
		dash_close
		dash=0
	fi
	is "$(awk '$3 != 0' "$samples" | wc -l)" 0 "$backend: no engine was ever lost"
	batch_jobids "$name" >/dev/null
	wait_until 20 says_nothing batch_slurm_live "$old"
	is "$(batch_slurm_live "$old")" "" "$backend: the old engines job is gone"
	ok "$(batch_slurm_live "$ctl" | grep -qx "${ctl%%.*}"; echo $?)" "$backend: the controller job still runs"
	ids=$(batch_jobids "$name" | tr '\n' ' ')
	run "$HPCTOP" stop "$name"
	is "$rc" 0 "$backend: stop"
	if [ -n "$watch" ]; then
		ok "$(! alive "$watch"; echo $?)" "$backend: stop ended the watch (pid $watch)"
	fi
	wait_until 20 says_nothing batch_slurm_live $ids $old
	is "$(batch_slurm_live $ids $old)" "" "$backend: stop leaves no job"
done
done_testing
