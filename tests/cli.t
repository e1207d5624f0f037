#!/usr/bin/env bash
# The command line: help, version, exit codes, and `hpctop profiles`.
. "$(dirname "$0")/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp/home
unset HPCTOP_PROFILE_PATH
mkdir -p "$tmp/home"

run "$HPCTOP" --help
is "$rc" 0 "--help exits 0"
like "$out" "Usage: hpctop" "--help prints usage"
like "$out" "profiles \[--json\]" "--help lists the profiles command"

run "$HPCTOP" --version
is "$rc" 0 "--version exits 0"
like "$out" "^hpctop [0-9]+\.[0-9]+\.[0-9]+$" "--version prints a version"

run "$HPCTOP" frobnicate
is "$rc" 2 "unknown command exits 2"
like "$err" "^hpctop: unknown command 'frobnicate'" "unknown command message"

run "$HPCTOP" --bogus
is "$rc" 2 "unknown option exits 2"

run "$HPCTOP" profiles --bogus
is "$rc" 2 "unknown profiles option exits 2"

run "$HPCTOP" profiles
is "$rc" 0 "profiles exits 0"
like "$out" "^NAME +BACKEND +ENGINES +STATE +SOURCE" "profiles has a header"
like "$out" $'\nlocal +local +2 +stopped +build:'"$HPCTOP_SRCDIR/profiles/local.yaml" \
	"built-in local profile listed from the build tree"
like "$out" $'\nmpi +mpi +4 ' "mpi profile starts 4 engines"

# A user profile shadows the shipped one; a broken one is listed with its error.
mkdir -p "$tmp/config/hpctop/profiles"
printf 'backend: local\nengines: 7\n' > "$tmp/config/hpctop/profiles/local.yaml"
printf 'backend: slurm\nqueu: debug\n' > "$tmp/config/hpctop/profiles/typo.yaml"
run "$HPCTOP" profiles
like "$out" $'\nlocal +local +7 +stopped +user:'"$tmp/config" "user profile wins by name"
like "$out" $'\ntypo +invalid +- +stopped +user:' "invalid profile listed"
like "$out" "error: .*/typo.yaml:2:1: unknown key 'queu' \(did you mean 'queue'\?\)" \
	"invalid profile shows file:line:col"
like "$out" $'\nslurm +slurm' "the good profiles are still listed"

for args in "start typo" "script typo" "px typo print(1)" "engines typo"; do
	read -ra argv <<<"$args"
	run "$HPCTOP" "${argv[@]}"
	is "$rc" 1 "${argv[0]} with an invalid profile exits 1"
	like "$err" "^hpctop: .*/typo.yaml:2:1: unknown key 'queu'" \
		"${argv[0]} reports the profile's file:line:col"
done

run "$HPCTOP" profiles --json
is "$rc" 0 "profiles --json exits 0"
n=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), [e["name"] for e in d if not e["valid"]], [e["engines"] for e in d if e["name"]=="local"])')
is "$n" "6 ['typo'] [7]" "profiles --json is valid JSON with the same content"

HPCTOP_PROFILE_PATH=$HPCTOP_SRCDIR/tests/data/profiles/good run "$HPCTOP" profiles
like "$out" $'\nfull +slurm +8 +stopped +env:' "HPCTOP_PROFILE_PATH comes first"

# --- every command from its entry (tui/cli/cmd_NAME.c) ----------------------
# The one parser (tui/cli/cmd.c): --help exits 0 with the entry's usage, the
# same line 'hpctop --help' lists; a bad option, a missing value and a wrong
# argument count exit 2 with the message, the usage and the --help hint on
# stderr, and nothing on stdout.
cmds="profiles start status stop scale logs script engines px doctor tunnel watch"
run "$HPCTOP" --help
top=$out
listed=$(printf '%s\n' "$top" | sed -n '/^Commands:$/,/^$/{s/^  \([a-z]\+\) .*/\1/p}' | tr '\n' ' ')
is "$listed" "$cmds " "hpctop --help lists every command, in the table's order"

usage_ok() {	# usage_ok CMD WHAT: $rc, $out and $err of a usage error
	local cmd=$1; shift
	is "$rc" 2 "$cmd $*: exit 2"
	is "$out" "" "$cmd $*: nothing on stdout"
	like "$err" $'\nUsage: hpctop '"$cmd"' ' "$cmd $*: the usage on stderr"
	like "$err" $'\n'"Try 'hpctop $cmd --help' for more information.\$" \
		"$cmd $*: the --help hint"
}

for cmd in $cmds; do
	for h in --help -h; do
		run "$HPCTOP" "$cmd" "$h"
		is "$rc" 0 "$cmd $h exits 0"
		is "$err" "" "$cmd $h: nothing on stderr"
		line=$(printf '%s\n' "$out" | head -1)
		like "$line" "^Usage: hpctop $cmd " "$cmd $h: the usage first"
	done
	# The form 'hpctop --help' lists is the usage's first line.
	form=${line#Usage: hpctop }
	printf '%s\n' "$top" | grep -qF -- "  $form"
	ok $? "$cmd: hpctop --help lists '$form'"
	like "$out" $'\n  -h, --help +show this help' "$cmd --help documents -h"

	run "$HPCTOP" "$cmd" --bogus local
	usage_ok "$cmd" --bogus
	like "$err" "^hpctop: bad option '--bogus'"$'\n' "$cmd --bogus: says which"
	run "$HPCTOP" "$cmd" -Z local
	like "$err" "^hpctop: bad option '-Z'"$'\n' "$cmd -Z: says which"
	is "$rc" 2 "$cmd -Z: exit 2"
done

# Too many arguments: the first extra one is named (px: the code is one).
for args in "profiles extra" "status local extra" "start local extra" \
	"stop local extra" "scale local +1 extra" "logs local extra" "script local extra" \
	"engines local extra" "doctor local extra" "tunnel local extra"; do
	read -ra argv <<<"$args"
	run "$HPCTOP" "${argv[@]}"
	usage_ok "${argv[0]}" "too many arguments"
	like "$err" "^hpctop: too many arguments \('extra'\)" \
		"${argv[0]}: names the extra argument"
done
run "$HPCTOP" px local print 1
usage_ok px "too many arguments"
like "$err" "^hpctop: too many arguments \(quote the code as one argument\)" \
	"px: says to quote the code"

# Too few.
for cmd in start stop logs script engines doctor tunnel; do
	run "$HPCTOP" "$cmd"
	usage_ok "$cmd" "no PROFILE"
	like "$err" "^hpctop: missing argument"$'\n' "$cmd: says what is missing"
done
run "$HPCTOP" scale local
usage_ok scale "no +N or -SET"
like "$err" "^hpctop: missing argument"$'\n' "scale: says what is missing"
run "$HPCTOP" scale local -1 -2
usage_ok scale "too many arguments"
run "$HPCTOP" px local
usage_ok px "no code"
like "$err" "^hpctop: expected PROFILE and the code" "px: says what it expects"

# Integer options: one parser, the same refusals everywhere (and before
# anything runs: no profile is looked up).
for spec in "start -n" "start --engines" "start --wait=" "script -n" \
	"doctor -n" "doctor --timeout" "logs -e" "logs --engine" \
	"px -r" "px --repeat"; do
	read -r cmd opt <<<"$spec"
	name=$opt
	case $opt in -e) name=--engine ;; -r) name=--repeat ;; --engines) name=-n ;;
		--wait=) name=--wait ;; esac
	for v in x ' 1' '+1' '-1' '1.5' '0x10' '1e3'; do
		if [ "$opt" = --wait= ]; then
			run "$HPCTOP" "$cmd" nosuchprofile "--wait=$v"
		else
			run "$HPCTOP" "$cmd" nosuchprofile "$opt" "$v" pass
		fi
		is "$rc" 2 "$cmd $opt '$v': exit 2" || diag_fail "$err"
		[[ $err == "hpctop: $name: '$v' is not a whole number"$'\n'"Usage: hpctop $cmd "* ]]
		ok $? "$cmd $opt '$v': the one message, then the usage" || diag_fail "$err"
	done
	if [ "$opt" = --wait= ]; then
		run "$HPCTOP" "$cmd" nosuchprofile "--wait=99999999999999999999999"
	else
		run "$HPCTOP" "$cmd" nosuchprofile "$opt" 99999999999999999999999
	fi
	is "$rc" 2 "$cmd $opt 99999999999999999999999: exit 2"
	like "$err" "^hpctop: $name: 99999999999999999999999 is out of range \([0-9]+ to [0-9]+\)"$'\n' \
		"$cmd $opt: out of range says the range"
done
run "$HPCTOP" start nosuchprofile -n 0
like "$err" "^hpctop: -n: 0 is out of range \(1 to 100000\)" "start -n 0: out of range"
run "$HPCTOP" logs nosuchprofile -e 100000
like "$err" "^hpctop: --engine: 100000 is out of range \(0 to 99999\)" "logs -e: ids from 0"

# A value missing, or given to an option that takes none.
run "$HPCTOP" start local -n
usage_ok start "-n without a value"
like "$err" "^hpctop: option '-n' needs a value" "-n: says the value is missing"
run "$HPCTOP" script local --engines
like "$err" "^hpctop: option '--engines' needs a value" "--engines: as the user wrote it"
run "$HPCTOP" profiles --json=yes
usage_ok profiles "--json=yes"
like "$err" "^hpctop: option '--json' takes no value" "--json=yes: takes no value"

# hpctop itself goes through the same parser.
run "$HPCTOP" -d x
is "$rc" 2 "-d x: exit 2"
like "$err" "^hpctop: -d: expected tenths of a second from 1 to 600, got 'x'"$'\n'"Usage: hpctop \[OPTIONS\] \[PROFILE\]" \
	"-d x: its message and the usage"
like "$err" $'\n'"Try 'hpctop --help' for more information.\$" "-d x: the --help hint"
run "$HPCTOP" -d
like "$err" "^hpctop: option '-d' needs a value" "-d without a value"
run "$HPCTOP" local extra
is "$rc" 2 "two profiles: exit 2"
like "$err" "^hpctop: too many arguments \('extra'\)" "two profiles: names the extra one"
run "$HPCTOP" -h
is "$rc" 0 "-h exits 0"
is "$out" "$top" "-h is --help"

done_testing
