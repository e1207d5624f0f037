#!/usr/bin/env bash
# The bash completion (completions/hpctop.bash) loaded in bash --norc:
# commands and options come from the binary's command table, profile names
# from 'hpctop profiles --json' (a test profile dir on HPCTOP_PROFILE_PATH).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
isolate
trap cleanup EXIT

mkdir -p "$tmp/p"
for n in alpha beta-2 gamma_3; do
	printf 'backend: local\nengines: 1\n' >"$tmp/p/$n.yaml"
done
export HPCTOP_PROFILE_PATH=$tmp/p

# complete WORD...: COMPREPLY, sorted, for the command line whose last word
# is being completed (the binary as COMP_WORDS[0], as a user types it).
complete_words() {
	bash --norc -c '. "$1/completions/hpctop.bash"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _hpctop
		((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$HPCTOP_SRCDIR" "$HPCTOP" "$@"
}

# Every profile, as jq reads them (the shipped ones too: the binary runs from
# the checkout).
names=$("$HPCTOP" profiles --json | jq -r '.[].name' | sort)
all=$(tr '\n' ' ' <<<"$names")
[[ $all == *"alpha beta-2 gamma_3"* ]]; ok $? "the test profiles are listed" || diag_fail "$all"
cmds=$("$HPCTOP" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' | sort | tr '\n' ' ')
is "$(complete_words st)" "start status stop " "commands starting with st"
is "$(complete_words pro)" "profiles " "a unique command"
is "$(complete_words '')" "$( (tr ' ' '\n' <<<"$cmds"; echo "$names") | grep . | sort | tr '\n' ' ')" \
	"an empty word: every command 'hpctop --help' lists (no hidden one) and every profile"
is "$(complete_words a)" "alpha " "the dashboard's PROFILE: a profile name in the first word"
is "$(complete_words -H cn1 sta)" "start status " "commands after -H DEST"

is "$(complete_words start --)" "--engines --force --help --wait " "start's long options"
is "$(complete_words start -)" "--engines --force --help --wait -f -h -n -w " "start's options, short ones too"
is "$(complete_words status --)" "--help --json " "status's options"
is "$(complete_words px --t)" "--targets --timeout " "px's options starting with --t"
is "$(complete_words px -)" "--file --help --repeat --targets --timeout -T -f -h -r -t " "px's options"
is "$(complete_words --)" "--delay --help --host --version " "hpctop's own options"
run "$HPCTOP" --host=login1.example.org --version
is "$rc" 0 "hpctop accepts --host=DEST (as completion offers it)" || diag_fail "$err"
mkdir -p "$HOME/.ssh"
printf '%s\n' "Host login1 gw" "  User me" "Host *.cluster" "host dev-node" >"$HOME/.ssh/config"
is "$(complete_words -H '')" "dev-node gw login1 " "-H DEST: the Host names of ~/.ssh/config, patterns left out"
is "$(complete_words --host l)" "login1 " "--host DEST, a prefix"
printf 'Host cn1 cn2\n' >"$tmp/ssh_config"
is "$(HPCTOP_SSH_CONFIG=$tmp/ssh_config complete_words -H '')" "cn1 cn2 " \
	"-H DEST: HPCTOP_SSH_CONFIG's hosts alone when it is set"

is "$(complete_words start '')" "$all" "start's PROFILE: every name in profiles --json"
is "$(complete_words status b)" "beta-2 " "status's PROFILE, a prefix"
is "$(complete_words px alpha '')" "" "no profile for px's CODE"
is "$(complete_words start -n '')" "" "no profile as the value of -n"
is "$(complete_words start -n 3 g)" "gamma_3 " "a profile after -n N"
: >"$tmp/p/somefile.txt"
is "$(cd "$tmp/p" && complete_words engines alpha --file som)" "somefile.txt " \
	"--file completes a file name"
is "$(complete_words profiles '')" "" "profiles takes no argument"

# The options complete lists are those the parser takes.
for c in start status px; do
	while read -r o; do
		[[ $o == -h || $o == --help ]] && continue
		run "$HPCTOP" "$c" "$o" --help
		is "$rc" 0 "hpctop $c accepts $o (as completion offers it)" || diag_fail "$err"
	done < <("$HPCTOP" __complete "$c" | grep '^-' | sed -e 's/^\(--.*\)=$/\1=1/' -e 's/^\(-.\)=$/\11/')
done
unlike "$("$HPCTOP" --help)" "__complete" "__complete is not in 'hpctop --help'"

done_testing
