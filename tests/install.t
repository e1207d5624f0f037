#!/usr/bin/env bash
# make install honours PREFIX and DESTDIR; the installed binary finds the
# installed profiles; make uninstall removes what install put there.
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/cluster.sh"

tmp=$(mktemp -d)
isolate
trap cleanup EXIT

run make -s -C "$HPCTOP_SRCDIR" install DESTDIR="$tmp/root" PREFIX=/opt/hpc
is "$rc" 0 "make install exits 0"
[ -x "$tmp/root/opt/hpc/bin/hpctop" ]; ok $? "binary installed under DESTDIR/PREFIX/bin"
[ -f "$tmp/root/opt/hpc/share/man/man1/hpctop.1" ]; ok $? "man page installed"
n=$(ls "$tmp/root/opt/hpc/share/hpctop/profiles"/*.yaml | wc -l)
is "$n" 5 "the five shipped profiles installed"
[ -f "$tmp/root/opt/hpc/share/doc/hpctop/profiles.md" ]; ok $? "profile schema doc installed"
[ -f "$tmp/root/opt/hpc/share/bash-completion/completions/hpctop" ]; ok $? "bash completion installed"

run "$tmp/root/opt/hpc/bin/hpctop" profiles
is "$rc" 0 "installed binary lists profiles"
like "$out" $'\nmpi +mpi +4 +stopped +installed:'"$tmp/root/opt/hpc/share/hpctop/profiles/mpi.yaml" \
	"installed binary reads the installed share dir"
unlike "$out" "build:" "installed binary does not read the checkout"

run make -s -C "$HPCTOP_SRCDIR" uninstall DESTDIR="$tmp/root" PREFIX=/opt/hpc
is "$rc" 0 "make uninstall exits 0"
left=$(find "$tmp/root" -type f | wc -l)
is "$left" 0 "uninstall leaves no file behind"

done_testing
