#!/usr/bin/env bash
# Does a change to the pipeline write the same rows? Usage:
#
#   bench/equivalence/compare.sh OLD_TREE NEW_TREE [N_REPORTS=300]
#
# e.g. OLD_TREE from `git archive HEAD~1 | tar -x -C /tmp/old`, NEW_TREE this checkout.
# Runs the same fixed batch of generated reports (bench/bench_pipeline.py's corpus, ingested
# and tagged as `--control batch` does) in each tree against a fresh copy of $BASE_DB (a
# database made by `manage.py setup`, default tidemark_benchbase), dumps every table the
# pipeline writes with wall-clock times masked and transaction ids numbered, and diffs them
# table by table. Exit 0 only when every table is identical; 1 on differences; 2-5 when a
# step failed. Env: PYTHON (default this checkout's .venv), BASE_DB, PGHOST/PGPORT, KEEP_DBS=1
# keeps the tidemark_eq_* databases, OUT (default /tmp/tidemark-equivalence).
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 OLD_TREE NEW_TREE [N_REPORTS]" >&2; exit 2
fi
OLD=$(realpath "$1"); NEW=$(realpath "$2"); N=${3:-300}
HERE=$(dirname "$(realpath "$0")")
PY=${PYTHON:-$(cd "$HERE/../.." && pwd)/.venv/bin/python}
OUT=${OUT:-/tmp/tidemark-equivalence}
PG=(-h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U postgres)
BASE=${BASE_DB:-tidemark_benchbase}

for t in "$OLD" "$NEW"; do
  [ -f "$t/bench/bench_pipeline.py" ] || { echo "no bench/bench_pipeline.py in $t" >&2; exit 2; }
done

drop_dbs() {
  if [ "${KEEP_DBS:-0}" != 1 ]; then
    for x in old new; do dropdb "${PG[@]}" --if-exists "tidemark_eq_$x" >/dev/null 2>&1; done
  fi
}
trap drop_dbs EXIT

rm -rf "$OUT"; mkdir -p "$OUT"
start=$(date +%s)

for x in old new; do
  if [ $x = old ]; then src=$OLD; else src=$NEW; fi
  # Run from a copy, so edits made to the tree while this runs cannot mix two versions
  # (some modules are imported lazily, late in the run).
  tree=$OUT/tree_$x
  mkdir -p "$tree"
  tar -C "$src" --exclude=./.git --exclude=./.venv --exclude=./.pgdata --exclude=./node_modules \
      --exclude=./.ruff_cache --exclude='__pycache__' -cf - . | tar -C "$tree" -xf - || exit 3
  db=tidemark_eq_$x
  dropdb "${PG[@]}" --if-exists "$db" 2>/dev/null || exit 3
  createdb "${PG[@]}" -T "$BASE" "$db" || { echo "createdb $db failed (is someone connected to $BASE?)" >&2; exit 3; }
  echo "== $x: $src (copied to $tree) -> $db"
  t0=$(date +%s)
  ( cd "$tree" && env -u CELERY_BROKER_URL \
      DATABASE_URL="postgres://postgres@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$db" \
      DJANGO_SECRET_KEY=bench DJANGO_ALLOWED_HOSTS=localhost PYTHONHASHSEED=0 \
      TIDEMARK_SHARED_DIR="${TIDEMARK_SHARED_DIR:-$(realpath "$HERE/../../..")/shared}" DJANGO_SETTINGS_MODULE=config.settings \
      "$PY" "$HERE/run_tree.py" "$tree" "$N" ) >"$OUT/run_$x.log" 2>&1
  rc=$?
  grep ' reports; ingest ' "$OUT/run_$x.log"
  if grep -q '^Traceback' "$OUT/run_$x.log"; then
    echo "   WARNING: exceptions were logged in this run ($(grep -c '^Traceback' "$OUT/run_$x.log") tracebacks); the first:"
    awk '/^Traceback/{p=1} p{print "     " $0} p && /^[A-Za-z_.]+(Error|Exception)/{exit}' "$OUT/run_$x.log" | cut -c1-200
  fi
  if [ $rc -ne 0 ]; then echo "run in $tree failed (rc $rc); log: $OUT/run_$x.log" >&2; exit 4; fi
  echo "   ran in $(( $(date +%s) - t0 )) s"
  "$PY" "$HERE/dump.py" "$db" "$OUT/$x" >"$OUT/dump_$x.log" 2>&1 || { cat "$OUT/dump_$x.log" >&2; exit 5; }
done

echo "== diff (dumps in $OUT/old and $OUT/new)"
status=0
for f in "$OUT"/old/*.txt; do
  t=$(basename "$f" .txt)
  rows=$(wc -l <"$f")
  if cmp -s "$f" "$OUT/new/$t.txt"; then
    printf '%-34s IDENTICAL (%s rows)\n' "$t" "$rows"
  else
    status=1
    printf '%-34s DIFFERENT (old %s rows, new %s rows)\n' "$t" "$rows" "$(wc -l <"$OUT/new/$t.txt")"
    mkdir -p "$OUT/diff"
    diff -u "$f" "$OUT/new/$t.txt" >"$OUT/diff/$t.diff"
    # first differences; lines cut to 400 characters (full diff in $OUT/diff/$t.diff)
    head -60 "$OUT/diff/$t.diff" | cut -c1-400
    "$PY" "$HERE/rowdiff.py" "$f" "$OUT/new/$t.txt" 5
  fi
done
echo "== total $(( $(date +%s) - start )) s; $([ $status = 0 ] && echo ALL IDENTICAL || echo DIFFERENCES FOUND)"
exit $status
