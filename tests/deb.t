#!/usr/bin/env bash
# dpkg-buildpackage -us -uc -b builds a .deb (in a copy of the tree, so the
# work tree gets no artefact) whose hpctop runs from /usr/bin and finds the
# profiles under /usr/share/hpctop/profiles; its man page and completion are
# installed; dpkg -P leaves no file of it. debian/control agrees with the
# Makefile (Build-Depends, version).
. "$(dirname "$0")/tap.sh"

command -v dpkg-buildpackage >/dev/null || skip_all "dpkg-dev is not installed"
command -v dh >/dev/null || skip_all "debhelper is not installed"
[ "$(id -u)" = 0 ] || skip_all "dpkg -i needs root"
if [ -e /usr/bin/hpctop ] || dpkg-query -W hpctop >/dev/null 2>&1; then
	skip_all "an hpctop is installed already ($(dpkg -S /usr/bin/hpctop 2>&1 | head -1)); not replacing it"
fi

. "$(dirname "$0")/cluster.sh"
tmp=$(mktemp -d)
isolate
installed=
at_cleanup() { [ -n "$installed" ] && dpkg_wait -P hpctop >/dev/null 2>&1; }
trap cleanup EXIT

# dpkg ARGS..., waiting while another apt-get or dpkg holds the lock.
dpkg_wait() {
	local i o r
	for ((i = 0; i < 120; i++)); do
		o=$(dpkg "$@" 2>&1); r=$?
		[ $r -ne 0 ] && [[ $o == *"lock"* ]] || { printf '%s\n' "$o"; return $r; }
		sleep 5
	done
	printf '%s\n' "$o"; return $r
}

src=$HPCTOP_SRCDIR
ver=$(sed -n 's/^VERSION *= *//p' "$src/Makefile")
is "$(cd "$src" && dpkg-parsechangelog -S Version)" "$ver" \
	"debian/changelog's version is the Makefile's VERSION"

want=$(make -s -C "$src" print-deps-build | tr ' ' '\n' | grep -vx 'gcc\|make' | sort)
got=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$src/debian/control" |
	sed -e 's/^Build-Depends://' -e '/^[A-Z#]/d' | tr ',' '\n' |
	sed -e 's/([^)]*)//' -e 's/^ *//' -e 's/ *$//' | grep -v '^$' |
	grep -vx debhelper-compat | sort)
is "$got" "$want" "Build-Depends is the Makefile's DEPS_BUILD (less gcc, make)"

# The work tree as it is (uncommitted changes too), without build/.
mkdir -p "$tmp/b/hpctop-$ver"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar -cf - --null -T -) | tar -xf - -C "$tmp/b/hpctop-$ver"
before=$(cd "$src" && git status --porcelain)
run bash -c "cd '$tmp/b/hpctop-$ver' && dpkg-buildpackage -us -uc -b -j2"
is "$rc" 0 "dpkg-buildpackage -us -uc -b exits 0" || diag_fail "$(tail -30 <<<"$out$err")"
deb=$tmp/b/hpctop_${ver}_$(dpkg --print-architecture).deb
[ -f "$deb" ]; ok $? "the .deb is built beside the copy"
is "$(cd "$src" && git status --porcelain)" "$before" "the work tree is untouched"

deps=$(dpkg-deb -f "$deb" Depends)
like "$deps" 'libzmq5' "Depends names the linked libzmq (shlibs)"
like "$deps" 'libncursesw6' "Depends names the linked ncursesw (shlibs)"
like "$deps" 'python3-ipyparallel' "Depends names python3-ipyparallel"

run dpkg_wait -i "$deb"
is "$rc" 0 "dpkg -i installs it" || diag_fail "$out$err"
[ "$rc" = 0 ] && installed=1
files=$(dpkg -L hpctop)

run /usr/bin/hpctop --version
is "$out" "hpctop $ver" "/usr/bin/hpctop --version"
run /usr/bin/hpctop profiles
is "$rc" 0 "/usr/bin/hpctop profiles exits 0"
for p in "$src"/profiles/*.yaml; do
	n=$(basename "$p" .yaml)
	like "$out" $'\n'"$n +[a-z]+ .*installed:/usr/share/hpctop/profiles/$n.yaml" \
		"profile $n listed from /usr/share/hpctop/profiles"
done
unlike "$out" "build:" "the installed binary does not read the checkout"

run man -w hpctop
is "$out" /usr/share/man/man1/hpctop.1.gz "man -w hpctop finds the installed page"
like "$(zcat /usr/share/man/man1/hpctop.1.gz | head -1)" '^\.TH HPCTOP 1' "the man page is hpctop(1)"
comp=/usr/share/bash-completion/completions/hpctop
[ -f "$comp" ]; ok $? "bash completion installed as $comp"
run bash --norc -c ". '$comp'; COMP_WORDS=(hpctop st); COMP_CWORD=1; _hpctop; echo \"\${COMPREPLY[*]}\""
is "$out" "start status stop" "the installed completion completes commands through /usr/bin/hpctop"

# Files only: directories such as /usr/share/man/man1 are shared.
files_left() {
	local f left=
	while IFS= read -r f; do
		[ -n "$f" ] && [ ! -d "$f" ] && [ -e "$f" ] && left+="$f "
	done <<<"$files"
	printf '%s' "$left"
}
run dpkg_wait -r hpctop
is "$rc" 0 "dpkg -r removes it" || diag_fail "$out$err"
is "$(files_left)" "" "dpkg -r leaves no file of the package (it has no conffiles)"
run dpkg_wait -P hpctop
is "$rc" 0 "dpkg -P purges it" || diag_fail "$out$err"
[ "$rc" = 0 ] && installed=
is "$(files_left)" "" "dpkg -P leaves no file of the package"
for d in /usr/share/hpctop /usr/share/doc/hpctop; do
	[ ! -e "$d" ]; ok $? "$d is gone"
done
! dpkg-query -W hpctop >/dev/null 2>&1; ok $? "dpkg knows no hpctop any more"

done_testing
