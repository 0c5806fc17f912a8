"""Column-level summary of the differences between two dumps of one table.

    python rowdiff.py OLD.txt NEW.txt [MAX_ROWS=8]

Rows are matched by id; prints rows only in one side and, for rows in both, the columns
whose values differ (values cut to 160 characters)."""
import json
import sys


def load(path):
    rows = {}
    for line in open(path, encoding="utf-8"):
        rec = json.loads(line)
        rows[rec.get("id")] = rec
    return rows


def short(v, n=160):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + f"... ({len(s)} chars)"


old, new = load(sys.argv[1]), load(sys.argv[2])
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 8
only_old = sorted(set(old) - set(new))
only_new = sorted(set(new) - set(old))
changed = [i for i in sorted(set(old) & set(new)) if old[i] != new[i]]
print(f"  rows only in old: {len(only_old)}{' e.g. ids ' + str(only_old[:10]) if only_old else ''}")
print(f"  rows only in new: {len(only_new)}{' e.g. ids ' + str(only_new[:10]) if only_new else ''}")
print(f"  rows in both that differ: {len(changed)}")
from collections import Counter  # noqa: E402


def without_id(rows):
    return Counter(json.dumps({k: v for k, v in r.items() if k != "id"}, sort_keys=True) for r in rows.values())


if without_id(old) == without_id(new):
    print("  NOTE: the same rows apart from their id column: only the insertion order differs")
cols: dict[str, int] = {}
for i in changed:
    for c in set(old[i]) | set(new[i]):
        if old[i].get(c) != new[i].get(c):
            cols[c] = cols.get(c, 0) + 1
if cols:
    ranked = sorted(cols.items(), key=lambda x: -x[1])
    print("  differing columns (rows): " + ", ".join(f"{c} ({n})" for c, n in ranked))


def leaf_diffs(a, b, path, out):
    """Paths inside JSON values where a and b differ (dict keys, list indexes)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if a.get(k, "<absent>") != b.get(k, "<absent>"):
                leaf_diffs(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                leaf_diffs(x, y, f"{path}[{n}]", out)
    else:
        out.append((path, a, b))


for i in changed[:limit]:
    print(f"  id {i}:")
    for c in list(old[i]) + [c for c in new[i] if c not in old[i]]:
        if old[i].get(c) != new[i].get(c):
            found = []
            leaf_diffs(old[i].get(c), new[i].get(c), c, found)
            for path, a, b in found[:4]:
                print(f"    {path}: old {short(a)}")
                print(f"    {' ' * len(path)}  new {short(b)}")
            if len(found) > 4:
                print(f"    ... {len(found) - 4} more differences in {c}")
