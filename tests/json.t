#!/usr/bin/env bash
# Every --json (profiles, status, engines, doctor) has exactly the keys, of
# the types, that hpctop(1)'s JSON OUTPUT lists (read from the man page
# source by tests/manjson.py, so the page and the output cannot drift):
# with an invalid profile, a local cluster, a Slurm cluster (per-node
# engines), a stalled one (diagnosis, exited tasks) and an unreadable
# record.
. "$(dirname "$0")/tap.sh"
command -v jq >/dev/null || skip_all "jq is not installed"
. "$(dirname "$0")/batchenv.sh"

man=$HPCTOP_SRCDIR/man/hpctop.1
# schema_ok COMMAND FILE JQPATH...: FILE matches COMMAND's schemas; each
# JQPATH given must find objects (the others may find none here).
schema_ok() {
	local cmd=$1 file=$2 path n bad p need
	shift 2
	while IFS=$'\t' read -r path n bad; do
		if [ -z "$n" ]; then ok 1 "$cmd --json: $path"; continue; fi
		is "$bad" "" "$cmd --json: $n objects at '$path' have the documented keys and types"
		need=0
		for p in "$@"; do [ "$p" = "$path" ] && need=1; done
		if [ "$need" = 1 ]; then
			[ "$n" -gt 0 ]; ok $? "$cmd --json: the test has objects at '$path'"
		else
			diag "$cmd --json: $n objects at '$path'"
		fi
	done < <(/usr/bin/python3 "$HPCTOP_SRCDIR/tests/manjson.py" "$man" "$cmd" "$file")
}

printf 'backend: slurm\nqueu: debug\n' >"$profiles/typo.yaml"
run "$HPCTOP" profiles --json
is "$rc" 0 "profiles --json exits 0"
printf '%s\n' "$out" >"$tmp/profiles.json"
is "$(jq -r '.[] | select(.name == "typo") | .valid' "$tmp/profiles.json")" false \
	"the invalid profile is listed"
schema_ok profiles "$tmp/profiles.json" '.[]'

run "$HPCTOP" start local -n 1 --wait=120
record_pids local
is "$rc" 0 "a local cluster starts" || diag_fail "$err"
batch_profile js slurm
batch_start_ok js 2
# Engine tasks that exit (a missing engine command): a diagnosis and
# exited tasks.
batch_profile nocmd slurm "stall_after: 5s"
sed -i 's|^engine: {command: /usr/bin/ipengine}$|engine: {command: /nonexistent/ipengine}|' \
	"$profiles/nocmd.yaml"
run "$HPCTOP" start nocmd --wait=60
batch_jobids nocmd >/dev/null
is "$rc" 1 "a cluster whose engines cannot start stalls"
mkdir -p "$XDG_STATE_HOME/hpctop/clusters/broken"
echo '{' >"$XDG_STATE_HOME/hpctop/clusters/broken/cluster.json"

"$HPCTOP" status --json >"$tmp/status.json" 2>"$tmp/status.err"
jq -e 'length == 4' "$tmp/status.json" >/dev/null
ok $? "status --json lists the four records" || diag_fail "$(cat "$tmp/status.json" "$tmp/status.err")"
schema_ok status "$tmp/status.json" '.[] | select(.state != "unreadable")' \
	'.[] | select(.state == "unreadable")' '.[].procs[]?' '.[].nodes[]?' \
	'.[].diagnosis? | objects' '.[].exited_tasks[]?'

for c in local js; do
	run "$HPCTOP" engines "$c" --json
	is "$rc" 0 "engines $c --json exits 0"
	printf '%s\n' "$out" >"$tmp/engines.json"
	schema_ok engines "$tmp/engines.json" '.' '.engines[]'
done

run "$HPCTOP" doctor local -n 1 --json
is "$rc" 0 "doctor local --json exits 0" || diag_fail "$err"
printf '%s\n' "$out" >"$tmp/doctor.json"
schema_ok doctor "$tmp/doctor.json" '.' '.checks[]'

rm -rf "$XDG_STATE_HOME/hpctop/clusters/broken"
run "$HPCTOP" stop local
is "$rc" 0 "the local cluster stops"

done_testing
