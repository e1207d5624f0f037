# bash completion for hpctop. The commands and their options come from the
# binary's command table ('hpctop __complete'), the profile names from
# 'hpctop profiles --json', so nothing here lists them a second time.

# The names in 'hpctop profiles --json' (its "name" fields, one object a
# line group as jansson indents them).
_hpctop_profiles()
{
	"$1" profiles --json 2>/dev/null |
		sed -n 's/^    "name": "\([^"\\]*\)",\{0,1\}$/\1/p'
}

# The Host names of the ssh config hpctop reads (HPCTOP_SSH_CONFIG alone,
# else ~/.ssh/config), patterns left out: what -H DEST can be.
_hpctop_hosts()
{
	local f=${HPCTOP_SSH_CONFIG:-$HOME/.ssh/config}
	[[ -r $f ]] || return 0
	sed -n 's/^[[:space:]]*[Hh][Oo][Ss][Tt][[:space:]=]\{1,\}//p' "$f" |
		tr -s ' \t' '\n\n' | grep -v '[*?!]'
}

_hpctop()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local bin=${COMP_WORDS[0]} cmd= i=1 w spec opt names=() valued=()
	local want_profile=0 args=0
	COMPREPLY=()

	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# -H DEST before the command.
	if [[ ${COMP_WORDS[1]} == -H || ${COMP_WORDS[1]} == --host ]]; then
		i=3
		if ((COMP_CWORD == 2)); then
			COMPREPLY=($(compgen -W "$(_hpctop_hosts)" -- "$cur"))
			return
		fi
	elif [[ ${COMP_WORDS[1]} == -H?* || ${COMP_WORDS[1]} == --host=* ]]; then
		i=2
	fi
	((COMP_CWORD > i)) && cmd=${COMP_WORDS[i]}
	[[ $cmd == -* ]] && cmd=

	spec=$("$bin" __complete "${cmd:--}" 2>/dev/null)
	while IFS= read -r opt; do
		case $opt in
		PROFILE) want_profile=1 ;;
		*=) names+=("${opt%=}"); valued+=("${opt%=}") ;;
		-*) names+=("$opt") ;;
		esac
	done <<<"$spec"

	# The value of an option that takes one: a file for --file, else
	# nothing to offer.
	for opt in "${valued[@]}"; do
		if [[ $prev == "$opt" ]]; then
			if [[ $opt == --file ]]; then
				COMPREPLY=($(compgen -f -- "$cur"))
			else
				COMPREPLY=()
			fi
			return
		fi
	done
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${names[*]}" -- "$cur"))
		return
	fi
	# How many positional words precede this one (after the command).
	w=$i
	[[ -n $cmd ]] && w=$((i + 1))
	for (( ; w < COMP_CWORD; w++)); do
		[[ ${COMP_WORDS[w]} == -* ]] && continue
		for opt in "${valued[@]}"; do
			[[ ${COMP_WORDS[w - 1]} == "$opt" ]] && continue 2
		done
		((args++))
	done
	if [[ -z $cmd ]] && ((COMP_CWORD == i)); then
		# The command, or for the dashboard a profile.
		COMPREPLY=($(compgen -W "$("$bin" __complete 2>/dev/null)
			$(_hpctop_profiles "$bin")" -- "$cur"))
	elif ((want_profile && args == 0)); then
		COMPREPLY=($(compgen -W "$(_hpctop_profiles "$bin")" -- "$cur"))
	else
		COMPREPLY=()
	fi
}
complete -F _hpctop hpctop
