# A small TAP producer for the shell tests; source it from a .t script.
# HPCTOP names the binary under test (make check sets the sanitized one).
: "${HPCTOP_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${HPCTOP:=$HPCTOP_SRCDIR/hpctop}"
export HPCTOP HPCTOP_SRCDIR
TAP_N=0
TAP_FAILED=0

ok() {	# ok COND-EXIT-STATUS NAME
	local rc=$1; shift
	TAP_N=$((TAP_N + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $TAP_N - $*"
	else
		echo "not ok $TAP_N - $*"
		TAP_FAILED=$((TAP_FAILED + 1))
		return 1
	fi
}

# is, like and unlike return 1 on failure, so `is ... || diag ...` explains.
is() {	# is GOT WANT NAME
	local got=$1 want=$2; shift 2
	if [ "$got" == "$want" ]; then ok 0 "$@"; else
		ok 1 "$@"
		printf '#   got:  %s\n#   want: %s\n' "$got" "$want" | head -40 >&2
		return 1
	fi
}

like() {	# like GOT REGEX NAME
	local got=$1 re=$2; shift 2
	if [[ $got =~ $re ]]; then ok 0 "$@"; else
		ok 1 "$@"
		printf '#   got:  %s\n#   want match: %s\n' "$got" "$re" | head -40 >&2
		return 1
	fi
}

unlike() {	# unlike GOT REGEX NAME
	local got=$1 re=$2; shift 2
	if [[ $got =~ $re ]]; then
		ok 1 "$@"
		printf '#   got:  %s\n#   must not match: %s\n' "$got" "$re" | head -40 >&2
		return 1
	else ok 0 "$@"; fi
}

diag() { printf '# %s\n' "$@"; }
# Failure details go to stderr, which prove shows without -v (CI logs).
diag_fail() { printf '# %s\n' "$@" >&2; }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# run CMD...: sets $out (stdout), $err (stderr), $rc.
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	rc=$?
	out=$(cat "$o") err=$(cat "$e")
	rm -f "$o" "$e"
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
