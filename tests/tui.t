#!/usr/bin/env bash
# The dashboard, driven as a user would: the real binary in a private tmux
# server (send-keys, capture-pane), at 80x24 and after resizes.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"

command -v tmux >/dev/null || skip_all "tmux is not installed"

. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
isolate
# cleanup (tests/cluster.sh), and the squeue that never answers.
at_cleanup() { [ -s "$tmp/squeue.pid" ] && kill "$(cat "$tmp/squeue.pid")" 2>/dev/null; }
trap cleanup EXIT
mkdir -p "$tmp/bin"
printf 'backend: slurm\nqueu: debug\n' > "$profiles/typo.yaml"

# A scheduler command that never answers.
cat > "$tmp/bin/squeue" <<EOS
#!/bin/sh
echo \$\$ > "$tmp/squeue.pid"
exec sleep 300
EOS
chmod +x "$tmp/bin/squeue"

# line N: row N (1-based) of the pane.
line() { screen | sed -n "${1}p"; }

# A shell in a fresh 80x24 session; each case runs hpctop from it and
# leaves it with the shell prompt back.
pane_open 80 24
start() { dash_start "$@"; }	# start ARGS: hpctop in the pane
quit_ok() {	# quit_ok NAME: q leaves the shell prompt and exit 0
	keys q
	wait_for 'rc=[0-9]+' 10
	like "$scr" 'rc=0' "$1: q exits 0"
	is "$(cat "$tmp/dash.err")" "" "$1: nothing on stderr"
}

# --- opening at 80x24 -----------------------------------------------------
start
wait_for 'F10 Quit'
ok $? "the dashboard opens"
like "$(line 1)" '^ hpctop .*@.* scheduler: .*refresh 2\.0s' "header: user@host, scheduler, refresh"
like "$(line 1)" '[0-2][0-9]:[0-5][0-9]:[0-5][0-9]' "header shows the time"
for p in local mpi pbs slurm; do
	like "$scr" $'\n'" $p +$p +[0-9]+ +stopped" "profile $p listed as stopped"
done
like "$scr" $'\n'" typo +invalid: typo.yaml:2:1: unknown" \
	"an invalid profile is marked with its error"
like "$(line 24)" '^F1 Help  S Start  X Stop  P px  L Logs  J Script  F10 Quit' \
	"footer of key hints"
like "$scr" 'Jobs: local \(0\)' "local is selected first"
like "$scr" 'JOBID +NAME +USER +QUEUE +NDS +TSK +MEM +TIME +LEFT +S +ELAP +NODES' \
	"job table columns, qstat style"
like "$scr" 'engines 0/0' "engine count"
like "$scr" 'px> \(P to type' "px console line"
is "$(screen | wc -l)" 24 "24 rows drawn"

# --- moving ---------------------------------------------------------------
keys j
wait_for 'Jobs: mpi'
ok $? "j moves to the next profile"
keys Down Down
wait_for 'Jobs: slurm'
ok $? "Down moves too"
keys Down
wait_for 'Jobs: ssh'
keys Down
wait_for 'Jobs: typo'
like "$(line 23)" "typo.yaml:2:1: unknown key 'queu'" "the invalid profile's error in the status line"
keys S
wait_for "unknown key 'queu'"
unlike "$scr" 'how many engines' "S on an invalid profile does not prompt"
keys k k k k k
wait_for 'Jobs: local'
ok $? "k moves back up"
keys Up
sleep 0.2
like "$(screen)" 'Jobs: local' "Up at the top stays there"

# --- start prompt ---------------------------------------------------------
keys S
wait_for 'Start local with how many engines\? 2'
ok $? "S prompts for N, pre-filled with the profile's engines"
like "$(line 24)" 'C-u Clear +Enter Start +Esc Cancel' "prompt hints in the footer"
keys C-u
wait_for 'engines\? *'$'\n'
like "$(line 23)" 'engines\? *$' "C-u clears the field"
keys 1 x 2 - 8
wait_for 'engines\? 128'
ok $? "digits are typed, other keys refused"
keys BSpace
wait_for 'engines\? 12 *'$'\n'
ok $? "Backspace deletes a digit"
keys Escape
wait_for 'start cancelled'
ok $? "Esc cancels"
like "$(line 24)" '^F1 Help' "main hints again after Esc"
keys S C-u Enter
wait_for 'engines\? +from 1 to 100000'
ok $? "Enter on an empty field asks again"
like "$(line 24)" 'Esc Cancel' "the prompt stays open"
keys Escape

# --- stop -----------------------------------------------------------------
keys X
wait_for 'no cluster started for local'
ok $? "X on a stopped profile says so"

# --- px console -----------------------------------------------------------
keys P
wait_for 'Enter Run +Esc Leave +Up History'
ok $? "P focuses the px prompt"
keys 'print(6*7)'
wait_for 'px> print\(6\*7\)'
ok $? "code is typed into the px line"
keys Enter
wait_for 'no cluster running for local'
like "$scr" $'\n'' px> print\(6\*7\)' "the code is echoed in the console"
like "$(line 22)" '^px> *$' "the input line is emptied"
keys Up
wait_for $'\n''px> print\(6\*7\) *'$'\n'
ok $? "Up recalls history"
keys C-u Escape
wait_for 'F10 Quit'
ok $? "Esc leaves the px prompt"

# --- viewers --------------------------------------------------------------
keys F1
wait_for 'Show this help'
like "$scr" 'F1 \? +Show this help' "help lists F1 and ?"
like "$scr" 'S s +Start a cluster' "help lists S"
like "$scr" 'F10 q +Quit \(clusters keep running\)' "help lists quitting"
help=$scr
for k in PgDn PgDn PgDn; do
	keys $k
	sleep 0.3
	help+=$(screen)
done
like "$help" 'Start prompt \(S\):.*C-u +Clear the field' "help has the start prompt section"
like "$help" 'px console \(P\):.*Up +Previous line from history' "help has the px console section"
like "$help" 'C-w +Delete the word' "help lists field editing keys"
like "$help" 'Clusters keep running when hpctop quits' "help ends with the note on quitting"
keys q
wait_for 'F10 Quit'
ok $? "q closes help"
keys '?'
wait_for 'Show this help'
keys Escape
wait_for 'F10 Quit'
ok $? "? opens help, Esc closes it"
keys L
wait_for 'Logs: local'
like "$scr" 'no cluster started for local' "L: no cluster yet"
keys q
keys J
wait_for 'Script: local'
like "$scr" 'hpctop: cluster local, backend local, 2 engines' "J shows what start would run"
like "$scr" 'setsid ipcontroller --profile=local' "... the controller's command line"
keys q
wait_for 'F10 Quit'

# --- resize ---------------------------------------------------------------
T resize-window -t hp -x 100 -y 30
wait_for 'F10 Quit'
sleep 0.3
scr=$(screen)
is "$(printf '%s\n' "$scr" | wc -l)" 30 "30 rows after resizing to 100x30"
like "$(line 30)" '^F1 Help  S Start' "footer on the new last row"
is "$(line 1 | wc -L)" 99 "header right-aligned to the new width"
T resize-window -t hp -x 60 -y 20
wait_for 'terminal too small: 60x20 \(hpctop needs 80x24\)'
ok $? "smaller than 80x24: a clear message"
T resize-window -t hp -x 80 -y 24
wait_for 'F1 Help'
sleep 0.3
like "$(line 24)" '^F1 Help' "back to 80x24 redraws"
like "$(screen)" ' local +local +2 +stopped' "... with the profiles"

# --- quit -----------------------------------------------------------------
quit_ok "dashboard"
keys 'stty -a | tr " " "\n" | grep -x -e icanon -e echo -e -icanon -e -echo | tr "\n" " "; echo' Enter
wait_for 'icanon echo'
ok $? "terminal modes restored (icanon echo)"
T resize-window -t hp -x 80 -y 24

# --- hpctop PROFILE, -d -----------------------------------------------------
start slurm -d 5
wait_for 'F10 Quit'
like "$scr" 'Jobs: slurm' "hpctop slurm opens with slurm selected"
like "$(line 1)" 'refresh 0\.5s' "-d 5 refreshes every 0.5 s"
quit_ok "hpctop slurm"

# --- colours --------------------------------------------------------------
start
wait_for 'F10 Quit'
esc=$(T capture-pane -p -e -t hp)
like "$esc" $'\e\\[(3|4)[0-7]m|\e\\[[0-9;]*(38|48);' "colours by default"
quit_ok "colour"
keys "export NO_COLOR=1" Enter
start
wait_for 'F10 Quit'
esc=$(T capture-pane -p -e -t hp)
unlike "$esc" $'\e\\[(3|4)[0-7]m|\e\\[[0-9;]*(38|48);|\e\\[9[0-7]m' "NO_COLOR: no colours"
like "$esc" $'\e\\[[0-9;]*7m' "NO_COLOR: reverse video instead"
quit_ok "NO_COLOR"
keys "unset NO_COLOR" Enter

# --- TERM=dumb or unset: the dashboard refuses, saying why -------------------
# Each command's end is told by a marker of its own (seq): the screen
# before clear still shows the last one's.
seq=0
for t in "TERM=dumb" "-u TERM"; do
	seq=$((seq + 1))
	keys "clear; env $t $HPCTOP 2>$tmp/dash.err; echo rc$seq=\$?" Enter
	wait_for "rc$seq=[0-9]+" 10
	like "$scr" "rc$seq=1" "env $t: the dashboard exits 1"
	like "$(cat "$tmp/dash.err")" "^hpctop: the dashboard needs a terminal that can move the cursor \(TERM is '(dumb)?'\); .*'hpctop status'" \
		"env $t: a clear message pointing to the plain commands"
done

# --- no escape sequences from the CLI in pipes, NO_COLOR, TERM=dumb ----------
# px is the one command that colours (its labels, on a terminal); a real
# local cluster answers it.
run "$HPCTOP" start local -n 1 --wait=120
record_pids local
is "$rc" 0 "a local cluster for px starts" || diag_fail "$err"
pxcmd="$HPCTOP px local 'print(41 + 1); 1/0'"
# pane_esc CMD: the pane's SGR escapes (capture-pane -e) after CMD ran in it.
pane_esc() {
	seq=$((seq + 1))
	keys "clear; $1; echo done$seq=\$?" Enter
	wait_for "done$seq=[0-9]+" 60
	T capture-pane -p -e -t hp
}
esc=$(pane_esc "$pxcmd")
like "$esc" '42' "px prints on the terminal"
like "$esc" $'\e\\[[0-9;]*m' "px colours its labels on a terminal"
esc=$(pane_esc "NO_COLOR=1 $pxcmd")
like "$esc" 'ZeroDivisionError' "px with NO_COLOR prints the error"
unlike "$esc" $'\e' "px with NO_COLOR: no escape sequence"
esc=$(pane_esc "TERM=dumb $pxcmd")
like "$esc" 'ZeroDivisionError' "px with TERM=dumb prints the error"
unlike "$esc" $'\e' "px with TERM=dumb: no escape sequence"
for c in "px local 'print(41 + 1); 1/0'" "status" "status --json" "profiles" \
	"profiles --json" "engines local" "engines local --json" "logs local" \
	"--help" "start --help" "doctor --help" "status nosuch" "start"; do
	seq=$((seq + 1))
	keys "clear; $HPCTOP $c 2>&1 | cat -v >$tmp/pipe.out; echo done$seq=\$?" Enter
	wait_for "done$seq=[0-9]+" 60
	[ -s "$tmp/pipe.out" ]; ok $? "hpctop $c | cat -v: prints something"
	unlike "$(cat "$tmp/pipe.out")" '\^\[' "hpctop $c | cat -v: no ^[ (stdout and stderr)"
done
run "$HPCTOP" stop local
is "$rc" 0 "the px cluster stops"

# --- ASCII fallback ---------------------------------------------------------
keys "export LC_ALL=C" Enter
start
wait_for '-- Profiles -+ -- Engines'
like "$(line 2)" '^-- Profiles -+ -- Engines -+$' "C locale: ASCII rules"
like "$(line 3)" 'engines 0/0 \[ +\]' "C locale: ASCII gauge"
quit_ok "ASCII"
keys "export LC_ALL=C.UTF-8" Enter
start
wait_for '── Profiles ─+ ── Engines'
like "$(line 2)" '^── Profiles ─+ ── Engines ─+$' "UTF-8 locale: box-drawing rules"
quit_ok "UTF-8"
keys "unset LC_ALL" Enter

# --- a hanging scheduler command --------------------------------------------
keys "export PATH=$tmp/bin:\$PATH" Enter
start -d 3
wait_for 'stale [0-9]+s' 10
ok $? "squeue that hangs: the header is marked stale"
like "$(line 1)" 'scheduler: (checking|\?)' "no scheduler shown while it hangs"
squeue_pid=$(cat "$tmp/squeue.pid" 2>/dev/null)
kill -0 "$squeue_pid" 2>/dev/null
ok $? "squeue is still running"
keys j
wait_for 'Jobs: mpi' 3
ok $? "keys still work while squeue hangs"
keys F1
wait_for 'Show this help' 3
ok $? "help opens while squeue hangs"
keys q
t0=$(date +%s%N)
quit_ok "hanging squeue"
t1=$(date +%s%N)
ok $(( (t1 - t0) / 1000000 < 5000 ? 0 : 1 )) "quitting does not wait for squeue"
sleep 0.5
kill -0 "$squeue_pid" 2>/dev/null
ok $((! $?)) "the hanging squeue was killed on quit"
keys "export PATH=\${PATH#*:}" Enter

# --- a scheduler that is installed but fails ---------------------------------
mkdir -p "$tmp/failbin"
printf '#!/bin/sh\necho "squeue: fatal: Could not establish a configuration source" >&2\nexit 1\n' \
	>"$tmp/failbin/squeue"
chmod +x "$tmp/failbin/squeue"
keys "export PATH=$tmp/failbin:\$PATH" Enter
start
wait_for 'Slurm \(error\)' 10
ok $? "a failing squeue: the header says Slurm fails"
like "$(line 1)" 'scheduler: Slurm \(error\) \[stale [0-9]+s\]' "... marked stale"
like "$scr" 'squeue exited with status 1: squeue: fatal: Could not establish' "its error in the status line"
quit_ok "failing squeue"
keys "export PATH=\${PATH#*:}" Enter

# --- SIGTERM and SIGHUP restore the terminal ---------------------------------
for sig in TERM HUP; do
	keys "clear; sh -c 'echo \$\$ > $tmp/pid; exec $HPCTOP 2>$tmp/err'; echo rc=\$?" Enter
	wait_for 'F10 Quit'
	kill -$sig "$(cat "$tmp/pid")"
	wait_for 'rc=[0-9]+'
	want=$((128 + $(kill -l $sig)))
	like "$scr" "rc=$want" "SIG$sig: exits $want"
	is "$(cat "$tmp/err")" "" "SIG$sig: nothing on stderr"
	keys 'stty -a | tr " " "\n" | grep -x -e icanon -e echo -e -icanon -e -echo | tr "\n" " "; echo' Enter
	wait_for 'icanon echo'
	ok $? "SIG$sig: terminal modes restored"
done

# --- without a terminal, and bad arguments ---------------------------------
run "$HPCTOP" </dev/null
is "$rc" 1 "not a terminal: exit 1"
like "$err" '^hpctop: the dashboard needs a terminal' "not a terminal: clear message"
for bad in 0 601 x 5x ''; do
	run "$HPCTOP" -d "$bad"
	is "$rc" 2 "-d '$bad' is a usage error"
done
like "$err" "^hpctop: -d: expected tenths of a second from 1 to 600" "-d message"
run "$HPCTOP" nosuch
is "$rc" 2 "unknown profile: exit 2"
like "$err" "^hpctop: unknown command 'nosuch' \(and no profile of that name" \
	"unknown profile: clear message"
run "$HPCTOP" local extra
is "$rc" 2 "extra argument: exit 2"
run "$HPCTOP" --help
like "$out" '-d, --delay=N' "--help documents -d"
like "$out" 'Usage: hpctop \[OPTIONS\] \[PROFILE\]' "--help documents PROFILE"

done_testing
