# ipyparallel's own view of a cluster, for the tests of its cluster files
# (core/ippcluster.h): source after tap.sh and cluster.sh (or batchenv.sh).

# ipp_isolated: skips the test without ipcluster, else gives it its own
# $tmp, state and IPython dir (cluster.sh's isolate) and cleanup at exit.
ipp_isolated() {
	[ -x /usr/bin/ipcluster ] || skip_all "ipcluster is not installed (python3-ipyparallel)"
	tmp=$(mktemp -d)
	isolate
	trap cleanup EXIT
}

ipp_file() { echo "$IPYTHONDIR/profile_$1/security/cluster-.json"; }	# ipp_file PROFILE

# ipp_list PROFILE: `ipcluster list`'s line for the profile's cluster
# ("PROFILE '' RUNNING ENGINES LAUNCHER", blanks squeezed).
ipp_list() {
	/usr/bin/ipcluster list --profile="$1" 2>/dev/null | awk -v p="$1" '$1 == p' | tr -s ' '
}

# ipp_from_file PROFILE N: a client from Cluster.from_file(profile=...),
# waiting for N engines; prints "engines N" and a parallel sum of
# range(100) over them ("psum 4950").
ipp_from_file() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys
import ipyparallel as ipp
c = ipp.Cluster.from_file(profile=sys.argv[1])
rc = c.connect_client_sync()
rc.wait_for_engines(int(sys.argv[2]), timeout=60)
dv = rc[:]
print("engines", len(rc.ids))
dv.scatter("part", list(range(100)), block=True)
print("psum", sum(dv.apply_sync(lambda: sum(part))))
rc.close()
PY
}

# ipp_mode FILE: its permission bits (600).
ipp_mode() { stat -c %a "$1"; }

# ipp_pids FILE: every pid a cluster file's launchers name, one a line.
ipp_pids() {
	/usr/bin/python3 - "$1" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
def walk(o):
    if isinstance(o, dict):
        if isinstance(o.get("pid"), int) and o["pid"] > 0:
            print(o["pid"])
        for v in o.values():
            walk(v)
walk(d)
PY
	return 0
}

# ipp_cleared NAME BACKEND [WHAT]: after ipyparallel stopped cluster NAME,
# hpctop status says stopped and its record is gone.
ipp_cleared() {
	run "$HPCTOP" status "$1"
	like "$out" "^$1 +backend $2 +stopped" "${3:+$3: }hpctop status: stopped"
	ok "$([ ! -e "$XDG_STATE_HOME/hpctop/clusters/$1" ]; echo $?)" "${3:+$3: }hpctop cleared its record"
}
