#!/usr/bin/env bash
# renew_before on the real test Slurm (slurm and pbs backends): an engine set whose job has a
# 3-minute walltime (engines_walltime; the controller's job has 10) and
# renew_before: 90s gets a successor set ahead of its end, and is stopped
# once the successor's engines registered. `hpctop status` runs the
# renewal pass; sampled every second, the registered count never reaches 0
# over the whole renewal, the old job is gone afterwards, and nothing is
# lost.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/batchenv.sh"

# RENEW_BACKENDS: which backends (both by default).
for backend in ${RENEW_BACKENDS:-slurm pbs}; do
	name=rn$backend
	batch_profile "$name" "$backend" 'engines_walltime: "00:03:00"' 'renew_before: 90s'
	batch_start_ok "$name" 2
	read -r ctl old <<<"$ids"

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
	like "$(cat "$tmp/st.err")" "$name: engine set 0 ends in [0-9]+ s: set 1 submitted to renew it" \
		"$backend: status said it submitted the successor"
	like "$(cat "$tmp/st.err")" "$name: engine set 0 stopped: ids [0-9]+,[0-9]+ of set 1 replace [0-9]+,[0-9]+" \
		"$backend: status said which engine ids are new"
	is "$(awk '$3 != 0' "$samples" | wc -l)" 0 "$backend: no engine was ever lost"
	batch_jobids "$name" >/dev/null
	wait_until 20 says_nothing batch_slurm_live "$old"
	is "$(batch_slurm_live "$old")" "" "$backend: the old engines job is gone"
	ok "$(batch_slurm_live "$ctl" | grep -qx "${ctl%%.*}"; echo $?)" "$backend: the controller job still runs"
	ids=$(batch_jobids "$name" | tr '\n' ' ')
	run "$HPCTOP" stop "$name"
	is "$rc" 0 "$backend: stop"
	wait_until 20 says_nothing batch_slurm_live $ids $old
	is "$(batch_slurm_live $ids $old)" "" "$backend: stop leaves no job"
done
done_testing
