#!/usr/bin/env bash
# Benchmark: introspect and diff a Postgres schema of 2,000 tables (20
# columns, 3 secondary indexes and 1 FK each) against a slightly changed copy
# with `dbn diff schema`, and time `pg_dump --schema-only` of the same
# database in the same run. Goal: the dbn diff (both introspections plus the
# diff) under 3 s.
#   eval "$(scripts/test-services.sh start)" && benches/schema_diff.sh
# DBN defaults to the release binary; DBN=target/debug/dbn works too (slower).
set -euo pipefail
cd "$(dirname "$0")/.."

TABLES="${TABLES:-2000}"
RUNS="${RUNS:-3}"
DBN="${DBN:-target/release/dbn}"
: "${DBN_TEST_PG_URL:?start servers with: eval \"\$(scripts/test-services.sh start)\"}"
BIN="${DBN_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}"
BASE="${DBN_TEST_PG_URL%%\?*}"
BASE="${BASE%/*}"

build() { # database, changed(0|1)
  local db="$1" changed="$2"
  "$BIN/psql" "$BASE/postgres" -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  "$BIN/psql" "$BASE/$db" -qX -v ON_ERROR_STOP=1 <<SQL
DO \$\$
DECLARE i int; cols text;
BEGIN
  SELECT string_agg(format('c%s %s', j, CASE j % 4 WHEN 0 THEN 'integer' WHEN 1 THEN 'text'
         WHEN 2 THEN 'numeric(10,2)' ELSE 'timestamptz' END), ', ') INTO cols FROM generate_series(1, 18) j;
  FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE t%s (id integer PRIMARY KEY, parent_id integer, %s)', i, cols);
    EXECUTE format('CREATE INDEX t%s_c1 ON t%s (c1)', i, i);
    EXECUTE format('CREATE INDEX t%s_c2 ON t%s (c2, c3)', i, i);
    EXECUTE format('CREATE INDEX t%s_c5 ON t%s (lower(c5)) WHERE c4 > 0', i, i);
  END LOOP;
  FOR i IN 1..$TABLES LOOP
    EXECUTE format('ALTER TABLE t%s ADD CONSTRAINT t%s_parent FOREIGN KEY (parent_id) REFERENCES t%s (id)',
                   i, i, CASE WHEN i = 1 THEN $TABLES ELSE i - 1 END);
  END LOOP;
  IF $changed = 1 THEN
    FOR i IN 1..$TABLES BY 100 LOOP
      EXECUTE format('ALTER TABLE t%s ADD COLUMN extra text', i);
      EXECUTE format('ALTER TABLE t%s ALTER COLUMN c4 TYPE bigint', i + 1);
      EXECUTE format('DROP INDEX t%s_c1', i + 2);
    END LOOP;
  END IF;
END \$\$;
SQL
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { # command... -> seconds
  local s e
  s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}

echo "building 2 x $TABLES tables..."
build dbn_bench_schema_a 0
build dbn_bench_schema_b 1

WS="$(mktemp -d)"
trap 'rm -rf "$WS"' EXIT
export DBN_WORKSPACE="$WS" DBN_SECRETS_BACKEND=file DBN_MASTER_PASSWORD=bench NO_COLOR=1
"$DBN" init "$WS" >/dev/null
"$DBN" connect add bench_a --url "$BASE/dbn_bench_schema_a" >/dev/null
"$DBN" connect add bench_b --url "$BASE/dbn_bench_schema_b" >/dev/null

changes="$("$DBN" diff schema --source bench_a --target bench_b --json | grep -c '"status"' || true)"
d=(); p=()
for _ in $(seq 1 "$RUNS"); do
  d+=("$(timed "$DBN" diff schema --source bench_a --target bench_b)")
  p+=("$(timed "$BIN/pg_dump" --schema-only -d "$BASE/dbn_bench_schema_a")")
done
echo "tables: $TABLES per side, runs: $RUNS, $(nproc) cores, $(date -u +%F), binary: $DBN"
printf 'dbn diff schema (2 introspections + diff, %s changed objects): median %.2f s  runs: %s\n' \
  "$changes" "$(printf '%s\n' "${d[@]}" | median)" "${d[*]}"
printf 'pg_dump --schema-only (one database):                    median %.2f s  runs: %s\n' \
  "$(printf '%s\n' "${p[@]}" | median)" "${p[*]}"
