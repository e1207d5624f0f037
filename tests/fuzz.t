#!/usr/bin/env bash
# The libFuzzer targets cannot rot: each one runs over its seeds and its
# regression inputs (every input that once crashed, hung or leaked) plus a
# few thousand mutations, and must find nothing. make check builds them
# (build/fuzz/fuzz_NAME); `make fuzz` is the long run.
. "$(dirname "$0")/tap.sh"

fuzz=$HPCTOP_SRCDIR/tests/fuzz/fuzz.sh
names=$("$fuzz" names)
[ -n "$names" ]
ok $? "there are fuzz targets"
for name in $names; do
	bin=$HPCTOP_SRCDIR/build/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		ok 1 "fuzz_$name is built (make fuzz-build)"
		continue
	fi
	# libFuzzer's own leak check runs per input; keep ASAN_OPTIONS'
	# detect_leaks from make check.
	run nice -n 10 "$fuzz" smoke 2000 "$name"
	ok "$rc" "fuzz_$name: seeds, regression inputs and 2000 runs, no finding"
	[ "$rc" -eq 0 ] || diag_fail "$out" "$err"
done

done_testing
