# Reading what hpctop doctor says: source after tap.sh.
# check_line OUTPUT CHECK: the line of one check in doctor's text output.
check_line() { grep -E "^  [a-z]+ +$2  " <<<"$1" | head -n1; }
# job_of OUTPUT: the id of doctor's probe job, from its own words ("job N ...").
job_of() { sed -n 's/.* job \([0-9][0-9]*\) .*/\1/p' <<<"$1" | head -n1; }
# checks_of JSON: doctor --json's checks, a line each: check|status|detail|fix.
checks_of() {
	/usr/bin/python3 -c '
import json, sys
for c in json.load(sys.stdin)["checks"]:
    print(c["check"], c["status"], c["detail"], c["fix"], sep="|")' <<<"$1"
}
