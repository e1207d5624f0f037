#!/usr/bin/env bash
# px output rendered once (core/pxfmt) and shown the same way by the CLI
# and the dashboard, on a real local cluster: display(...) is [output:N],
# several lines start below the label, and engines that do not answer in
# time are [N:timeout] no reply (the CLI's -T, the dashboard's second
# interrupt, as the CLI's second Ctrl-C).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/tmux.sh"
. "$(dirname "$0")/cluster.sh"

[ -x /usr/bin/ipcontroller ] || skip_all "ipyparallel is not installed"
command -v tmux >/dev/null || skip_all "tmux is not installed"

tmp=$(mktemp -d)
isolate
trap cleanup EXIT

run "$HPCTOP" start local -n 2 --wait
is "$rc" 0 "start local -n 2 --wait" || diag_fail "$err"

# The CLI.
display="from IPython.display import display; display('hi')"
run "$HPCTOP" px local -t 0 "$display"
is "$rc" 0 "CLI: display(...) exits 0" || diag_fail "$err"
is "$out" "[output:0] 'hi'" "CLI: display(...) is [output:0] with its text/plain"
run "$HPCTOP" px local 'print("x\ny")'
is "$out" $'[stdout:0]\nx\ny\n[stdout:1]\nx\ny' "CLI: several lines start below the label, engine by engine"
run "$HPCTOP" px local -t 0 'raise ValueError("x")'
like "$out" $'^\[0:execute\] ValueError: x\n' "CLI: an error is [N:execute] Ename: value, the traceback below"
run "$HPCTOP" px -T 1 local 'import time; time.sleep(3)'
is "$rc" 1 "CLI: -T 1 on 3 s of code exits 1"
like "$err" $'\[0:timeout\] no reply\n\[1:timeout\] no reply\n' "CLI: each silent engine is [N:timeout] no reply"
like "$err" 'no reply within 1 s from engines 0,1' "... and which engines, after how long"
sleep 3	# the engines finish the code px stopped waiting for

# The dashboard, on the same cluster.
pane_open 100 48 LANG=C.UTF-8
dash_start local
h=$(hostname | cut -c1-10)	# as the engine table shows it
wait_for "  1 $h[^ ]* +registered" 60
ok $? "the dashboard shows the engines registered"
keys P
wait_for 'Enter Run'
code "$display"
wait_for "\[output:1\] 'hi'" 30
ok $? "dashboard: display(...) is [output:1] too"
like "$scr" "\[output:0\] 'hi'" "... and [output:0]"
unlike "$scr" '\[stdout:[01]\] .hi' "... not [stdout:N]"
code 'print("x\ny")'
wait_for $'\n \[stdout:1\] *\n x *\n y *\n' 30
ok $? "dashboard: several lines start below the label, as in the CLI"
like "$scr" $'\n \[stdout:0\] *\n x *\n y *\n \[stdout:1\]' "... engine by engine"
code 'raise ValueError("x")'
wait_for '\[1:execute\] ValueError: x' 30
ok $? "dashboard: an error is [N:execute] Ename: value too"

# Code that ignores the interrupt: the second interrupt stops waiting.
code 'import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(4); signal.signal(signal.SIGINT, signal.default_int_handler)'
wait_for "  1 $h[^ ]* +busy" 20
ok $? "long code that ignores SIGINT: engines busy"
wait_for "  0 $h[^ ]* +busy" 10
keys C-g
wait_for 'interrupting the code' 10
ok $? "the first C-g interrupts"
keys C-g
wait_for '\[1:timeout\] no reply' 10
ok $? "dashboard: the second stops waiting: [1:timeout] no reply"
like "$scr" '\[0:timeout\] no reply' "... and [0:timeout] no reply"
like "$scr" 'stopped waiting' "... saying so"
unlike "$scr" '\[[01]:execute\] timeout' "... not the old [N:execute] timeout"
wait_for "  1 $h[^ ]* +registered" 30
code 'print(6*7)'
wait_for '\[stdout:1\] 42' 30
ok $? "px runs again afterwards"
keys Escape
wait_for 'F10 Quit'
keys q
wait_for 'rc=0' 20
ok $? "the dashboard exits 0"
is "$(cat "$tmp/dash.err")" "" "nothing on stderr while curses ran"

run "$HPCTOP" stop local
is "$rc" 0 "stop local" || diag_fail "$err"
done_testing
