# The dashboard driven as a user would, in a private tmux server: source
# after tap.sh, with $tmp set (the server's socket lives there, so the
# script's cleanup ends it with `T kill-server`). The pane is "hp".
T() { tmux -S "$tmp/tmux.sock" "$@"; }
screen() { T capture-pane -p -t hp; }
attr_at() {	# attr_at TEXT: the attributes the pane draws the first TEXT
	# with, replayed from its SGR escapes: "bold reverse fg=37 bg=41"
	T capture-pane -p -e -t hp | /usr/bin/python3 -c '
import re, sys
s, text = sys.stdin.read(), sys.argv[1]
end = s.find(text)
if end < 0:
    sys.exit(1)
names = {1: "bold", 2: "dim", 4: "underline", 7: "reverse"}
on, fg, bg = set(), None, None
for m in re.finditer(r"\x1b\[([0-9;]*)m", s[:end]):
    for c in [int(x or 0) for x in m.group(1).split(";")]:
        if c == 0:
            on, fg, bg = set(), None, None
        elif c in names:
            on.add(names[c])
        elif 30 <= c <= 37 or 90 <= c <= 97:
            fg = c
        elif c == 39:
            fg = None
        elif 40 <= c <= 47 or 100 <= c <= 107:
            bg = c
        elif c == 49:
            bg = None
words = sorted(on) + (["fg=%d" % fg] if fg else []) + (["bg=%d" % bg] if bg else [])
print(" ".join(words))' "$1"
}
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
dash_close() {	# ends the tmux server and waits until it is gone
	local i
	T kill-server 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		T has-session 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$tmp/tmux.sock"
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
