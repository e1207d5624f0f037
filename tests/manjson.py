#!/usr/bin/python3
"""The JSON schemas of hpctop(1)'s JSON OUTPUT section, checked against
output: manjson.py MANPAGE COMMAND FILE prints, for each subsection
'.SS "COMMAND \\-\\-json: JQPATH"', one line: JQPATH, a tab, how many
objects jq finds there in FILE, a tab, and what differs from the listed
keys and types ('' when nothing does)."""
import json
import re
import subprocess
import sys

TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def troff(s):
    return s.replace("\\-", "-").replace("\\(dq", '"').strip()


def schemas(man, command):
    """[(jqpath, {key: [type words]})] of command, in page order."""
    out, cur, after_tp = [], None, False
    head = re.compile(r'^\.SS "(\S+) \\-\\-json: (.*)"$')
    field = re.compile(r'^\.BR (\S+) " \(([^)]*)\)"$')
    for line in open(man, encoding="utf-8"):
        line = line.rstrip("\n")
        m = head.match(line)
        if m or line.startswith(".SH") or line.startswith(".SS"):
            cur = None
            if m and m.group(1) == command:
                cur = {}
                out.append((troff(m.group(2)), cur))
            continue
        if cur is not None and after_tp:
            f = field.match(line)
            if f:
                cur[f.group(1)] = f.group(2).split(" or ")
        after_tp = line == ".TP"
    return out


def main():
    man, command, path = sys.argv[1:4]
    found = schemas(man, command)
    if not found:
        print("no schema of %s in %s" % (command, man))
        return 1
    for jqpath, keys in found:
        r = subprocess.run(["jq", "-c", jqpath, path], capture_output=True,
                           text=True)
        if r.returncode != 0:
            print("%s\t0\tjq failed: %s" % (jqpath, r.stderr.strip()))
            continue
        objs = [json.loads(x) for x in r.stdout.splitlines() if x]
        bad = []
        for o in objs:
            if not isinstance(o, dict):
                bad.append("not an object: %r" % (o,))
                continue
            extra = sorted(set(o) - set(keys))
            missing = sorted(set(keys) - set(o))
            if extra:
                bad.append("undocumented keys %s" % extra)
            if missing:
                bad.append("documented keys missing %s" % missing)
            for k, words in keys.items():
                if k in o and not any(TYPES.get(w, lambda v: False)(o[k])
                                      for w in words):
                    bad.append("%s=%r is not %s" % (k, o[k],
                                                    " or ".join(words)))
        print("%s\t%d\t%s" % (jqpath, len(objs), "; ".join(sorted(set(bad)))))
    return 0


sys.exit(main())
