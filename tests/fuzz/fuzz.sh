#!/usr/bin/env bash
# Runs the libFuzzer targets (build/fuzz/fuzz_NAME). The one place that
# says what each target's seeds and input bound are.
#
#   fuzz.sh run SECONDS NAME...   fuzz each NAME for SECONDS; the corpus
#                                 grows in build/fuzz/corpus/NAME, crashes,
#                                 timeouts and slow inputs are saved in
#                                 build/fuzz/artifacts/NAME/, the log in
#                                 build/fuzz/logs/NAME.log; prints one line
#                                 of figures per target
#   fuzz.sh smoke RUNS NAME...    each NAME over its seeds and regression
#                                 inputs plus RUNS mutations, writing
#                                 nothing into the tree; exit 1 on a finding
#   fuzz.sh names                 the target names
#
# Seeds are read in place: tests/data, tests/fuzz/corpus/NAME,
# tests/fuzz/regress/NAME and, when present, ../shared/fixtures/schedulers.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${FUZZ_BIN:-$src/build/fuzz}
out=${FUZZ_OUT:-$src/build/fuzz}
shared=$src/../shared/fixtures/schedulers
# One target per tests/fuzz/fuzz_NAME.c.
names=$(cd "$here" && for f in fuzz_*.c; do n=${f#fuzz_}; echo "${n%.c}"; done)

# seeds NAME: the seed directories that exist.
seeds() {
	local d dirs=()

	case $1 in
	profile) dirs=("$src/tests/data/profiles") ;;
	squeue|qstat|submit) dirs=("$src/tests/data/sched" "$shared") ;;
	tunnel) dirs=("$here/corpus/conn") ;;	# the same client files
	esac
	dirs+=("$here/corpus/$1" "$here/regress/$1")
	for d in "${dirs[@]}"; do
		[ -d "$d" ] && echo "$d"
	done
}

# max_len NAME: inputs longer than any real one gain nothing. Scheduler
# listings are the largest (a 1500-job qstat is 130 KB; 32 KB holds
# hundreds of rows).
max_len() {
	case $1 in
	squeue|qstat) echo 32768 ;;
	*) echo 16384 ;;
	esac
}

# The options both modes share; $2 is -timeout: for the long runs an input
# that takes 10 s is a hang, which is a finding; the smoke, which runs on
# loaded CI and build machines, allows 60 s.
opts() {
	echo -max_len="$(max_len "$1")" -timeout="$2" -rss_limit_mb=2048 \
	    -print_final_stats=1
}

stat_of() {	# stat_of LOG NAME: a libFuzzer final stat, or 0
	local v
	v=$(sed -n "s/^stat::$2: *//p" "$1" | tail -1)
	echo "${v:-0}"
}

cmd_run() {
	local secs=$1 name t0 t1 rc log corpus art n_art
	shift
	for name in "$@"; do
		corpus=$out/corpus/$name art=$out/artifacts/$name/
		log=$out/logs/$name.log
		mkdir -p "$corpus" "$art" "$out/logs"
		t0=$(date +%s)
		# shellcheck disable=SC2046
		"$bin/fuzz_$name" $(opts "$name" 10) -max_total_time="$secs" \
		    -artifact_prefix="$art" "$corpus" $(seeds "$name") \
		    >"$log" 2>&1
		rc=$?
		t1=$(date +%s)
		n_art=$(find "$art" -type f | wc -l)
		# units: libFuzzer's own corpus (inputs that each add
		# coverage); files: all it saved in the corpus directory.
		printf '%-8s seconds %5d  execs %10s  units %5s  files %6d  artifacts %d  rc %d\n' \
		    "$name" $((t1 - t0)) \
		    "$(stat_of "$log" number_of_executed_units)" \
		    "$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -1)" \
		    "$(find "$corpus" -type f | wc -l)" "$n_art" "$rc"
	done
}

cmd_smoke() {
	local runs=$1 name tmp rc=0 f
	shift
	tmp=$(mktemp -d)
	for name in "$@"; do
		mkdir -p "$tmp/$name/corpus" "$tmp/$name/art"
		# Regression inputs one by one first: each names its finding.
		for f in "$here/regress/$name"/*; do
			[ -f "$f" ] || continue
			if ! "$bin/fuzz_$name" -timeout=60 "$f" \
			    >"$tmp/$name/regress.log" 2>&1; then
				echo "fuzz_$name: regression input $f fails:"
				tail -30 "$tmp/$name/regress.log"
				rc=1
			fi
		done
		# shellcheck disable=SC2046
		if ! "$bin/fuzz_$name" $(opts "$name" 60) -runs="$runs" \
		    -artifact_prefix="$tmp/$name/art/" "$tmp/$name/corpus" \
		    $(seeds "$name") >"$tmp/$name/log" 2>&1; then
			echo "fuzz_$name: smoke run found something:"
			tail -40 "$tmp/$name/log"
			rc=1
		else
			echo "fuzz_$name: $(stat_of "$tmp/$name/log" \
			    number_of_executed_units) runs, clean"
		fi
	done
	rm -rf "$tmp"
	return $rc
}

case ${1:-} in
run) shift; [ $# -ge 1 ] || set -- 60; s=$1; shift
	[ $# -gt 0 ] || set -- $names; cmd_run "$s" "$@" ;;
smoke) shift; [ $# -ge 1 ] || set -- 2000; r=$1; shift
	[ $# -gt 0 ] || set -- $names; cmd_smoke "$r" "$@" ;;
names) echo $names ;;
*) echo "usage: fuzz.sh run SECONDS [NAME...] | smoke RUNS [NAME...] | names" >&2
	exit 2 ;;
esac
