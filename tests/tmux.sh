# The dashboard driven as a user would, in a private tmux server: source
# after tap.sh, with $tmp set (the server's socket lives there, so the
# script's cleanup ends it with `T kill-server`). The pane is "hp".
T() { tmux -S "$tmp/tmux.sock" "$@"; }
screen() { T capture-pane -p -t hp; }
wait_for() {	# wait_for REGEX [SECONDS]: polls the pane; sets $scr
	local re=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 10; i++)); do
		scr=$(screen)
		[[ $scr =~ $re ]] && return 0
		sleep 0.1
	done
	return 1
}
keys() { T send-keys -t hp "$@"; }
code() { T send-keys -t hp -l "$1"; T send-keys -t hp Enter; }	# a px line
pane_open() {	# pane_open COLS ROWS [VAR=VALUE...]: a shell in a new session
	local cols=$1 rows=$2
	shift 2
	T -f /dev/null new-session -d -s hp -x "$cols" -y "$rows" \
		"env $* PS1='sh\$ ' bash --norc --noprofile -i"
	T set-option -g status off >/dev/null
	wait_for 'sh\$' || diag "shell did not start"
}
dash_start() {	# dash_start ARGS...: hpctop in the pane, stderr to $tmp/dash.err
	keys C-l
	keys "clear; $HPCTOP $* 2>$tmp/dash.err; echo rc=\$?" Enter
}
dash_open() {	# dash_open COLS ROWS [VAR=VALUE...] ARGS...: hpctop itself as
	# the pane's process (the pane's pid is its), stderr to $tmp/dash.err
	local cols=$1 rows=$2 envs=()
	shift 2
	while [[ $1 == *=* ]]; do envs+=("$1"); shift; done
	T -f /dev/null new-session -d -s hp -x "$cols" -y "$rows" \
		"exec env ${envs[*]} $HPCTOP $* 2>$tmp/dash.err"
	T set-option -g status off >/dev/null
}
