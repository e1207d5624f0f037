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
is "$n" "5 ['typo'] [7]" "profiles --json is valid JSON with the same content"

HPCTOP_PROFILE_PATH=$HPCTOP_SRCDIR/tests/data/profiles/good run "$HPCTOP" profiles
like "$out" $'\nfull +slurm +8 +stopped +env:' "HPCTOP_PROFILE_PATH comes first"

done_testing
