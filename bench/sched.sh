#!/usr/bin/env bash
# One refresh with 10,000 jobs: hpctop's parse + table model against a
# reference on the same bytes in the same run.
#
# Reference: /usr/bin/python3 splitting the same squeue text into dicts,
# mapping states and building the same padded table (the obvious way a
# monitoring script does it). If the test Slurm answers (SLURM_CONF set),
# the real `squeue` command hpctop runs is timed too, to show what one
# refresh costs in total.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/build/rel/bench/sched_parse
jobs=${SCHED_BENCH_JOBS:-10000}
runs=${SCHED_BENCH_RUNS:-21}
[[ -x $bin ]] || { echo "sched.sh: $bin not built (make bench)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== scheduler parse bench: $jobs jobs, median of $runs runs"
"$bin" -n "$jobs" -r "$runs" -o "$tmp" | tee "$tmp/out"
ours=$(awk '$1 == "squeue" { for (i = 2; i <= NF; i++) if ($i ~ /^refresh_median_ms=/) { sub(/.*=/, "", $i); print $i } }' "$tmp/out")

ref=$(/usr/bin/python3 - "$tmp/squeue.txt" "$runs" <<'PY'
import sys, time
path, runs = sys.argv[1], int(sys.argv[2])
data = open(path, 'rb').read()
Q = {'PENDING', 'REQUEUED'}; R = {'RUNNING', 'CONFIGURING'}
E = {'COMPLETING'}; H = {'SUSPENDED', 'STOPPED'}
keys = ('id', 'user', 'queue', 'nodes', 'tasks', 'mem', 'time', 'state',
        'elapsed', 'left', 'start', 'reason', 'nodelist', 'name')
def refresh():
    rows = []
    for line in data.decode('utf-8', 'replace').splitlines():
        f = line.split('\x1f', 13)
        if len(f) != 14:
            continue
        r = dict(zip(keys, f))
        st = r['state']
        s = ('H' if st == 'PENDING' and r['reason'].startswith('JobHeld') else
             'Q' if st in Q else 'R' if st in R else 'E' if st in E else
             'H' if st in H else 'C')
        where = '(%s)' % r['reason'] if s in 'QH' else r['nodelist'] or '--'
        if s == 'Q' and r['start'] != 'N/A':
            where += ' start ' + r['start'][11:]
        left = r['left'] if s == 'R' else '--'
        rows.append((r['id'], r['name'][:16], r['user'], r['queue'],
                     r['nodes'], r['tasks'], r['mem'], r['time'], left, s,
                     r['elapsed'], where[:40]))
    w = [max(len(x[i]) for x in rows) for i in range(12)]
    return '\n'.join(' '.join(c.ljust(w[i]) for i, c in enumerate(x))
                     for x in rows)
ts = []
for _ in range(runs):
    t0 = time.perf_counter(); refresh(); ts.append((time.perf_counter() - t0) * 1e3)
ts.sort()
print('%.2f' % ts[len(ts) // 2])
PY
)
echo "reference python3 squeue refresh_median_ms=$ref"
awk -v a="$ours" -v b="$ref" 'BEGIN { printf "ratio python3 / hpctop (squeue refresh, medians): %.1f\n", b / a }'

if [[ -n ${SLURM_CONF:-} ]] && timeout 10 squeue --noheader >/dev/null 2>&1; then
    n=$(timeout 10 squeue --noheader --states=all | wc -l)
    fmt=$(printf '%%i\037%%u\037%%P\037%%D\037%%C\037%%m\037%%l\037%%T\037%%M\037%%L\037%%S\037%%r\037%%N\037%%j')
    ms=$(for _ in 1 2 3 4 5; do
        s=$(date +%s%N)
        timeout 10 squeue --noheader --states=all --user="$(id -un)" --format="$fmt" >/dev/null
        echo $(( ($(date +%s%N) - s) / 1000 ))
    done | sort -n | sed -n 3p)
    awk -v us="$ms" -v n="$n" 'BEGIN { printf "real squeue on the test Slurm (%d jobs): median %.2f ms per call\n", n, us / 1000 }'
else
    echo "real squeue: skipped (no test Slurm answering; eval \"\$(tests/slurm/cluster up)\" first)"
fi
