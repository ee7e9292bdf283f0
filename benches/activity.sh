#!/usr/bin/env bash
# Cost of one activity refresh on a server with many idle sessions.
#
# Starts its own throwaway PostgreSQL and MariaDB (scripts/test-services.sh in
# $BENCH_DIR, Postgres with room for the sessions), opens $SESSIONS idle
# sessions on each (pgbench clients that only \sleep; mariadb clients waiting
# on a FIFO), runs `dbn activity --json --watch 0.5` for $REFRESHES refreshes
# and reports, per engine:
#   - statements per refresh: catalog queries (the document's collector.queries)
#     and every statement the server saw from dbn, transaction control included,
#   - server time per statement: pg_stat_statements (mean_exec_time) on
#     Postgres; mysql.slow_log with long_query_time=0 on MariaDB,
#   - the client-side wall time of the catalog queries (collector.elapsed_ms).
#
# Usage: benches/activity.sh [DBN_BINARY]     (default target/release/dbn)
# Env: SESSIONS=200 REFRESHES=30 BENCH_DIR=/tmp/dbn-bench-activity KEEP=1 (leave servers up)
set -euo pipefail
DBN="$(realpath "${1:-target/release/dbn}")"
SESSIONS="${SESSIONS:-200}"
REFRESHES="${REFRESHES:-30}"
BENCH_DIR="${BENCH_DIR:-/tmp/dbn-bench-activity}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
pids=()

stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -z "${KEEP:-}" ]; then DBN_SERVICES_DIR="$BENCH_DIR" "$root/scripts/test-services.sh" stop || true; fi
  rm -rf "$work"
}
trap stop EXIT

DBN_PG_MAX_CONNECTIONS=$((SESSIONS + 50)) DBN_SERVICES_DIR="$BENCH_DIR" \
  "$root/scripts/test-services.sh" start >"$work/env"
# shellcheck disable=SC1091
source "$work/env"
PSQL="$DBN_TEST_PG_BIN/psql"
# Wait up to two minutes for a shell condition.
until_true() {
  local deadline=$((SECONDS + 120))
  until eval "$1"; do
    if [ "$SECONDS" -ge "$deadline" ]; then echo "timed out waiting for: $1" >&2; exit 1; fi
    sleep 0.2
  done
}
admin() { "$PSQL" -qAtX -v ON_ERROR_STOP=1 "$DBN_TEST_PG_URL" -c "/* bench-admin */ $1"; }
my_admin() { mariadb --socket="$DBN_TEST_MYSQL_ROOT_SOCKET" -uroot -N -B -e "$1"; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "dbn: $DBN ($("$DBN" --version))"

# Postgres: idle clients.
printf '\\sleep 3600 s\n' >"$work/idle.sql"
"$DBN_TEST_PG_BIN/pgbench" -n -c "$SESSIONS" -j 1 -T 3600 -f "$work/idle.sql" "$DBN_TEST_PG_URL" \
  >/dev/null 2>&1 &
pids+=($!)
until_true '[ "$(admin "SELECT count(*) FROM pg_stat_activity WHERE application_name = '"'pgbench'"'")" -ge "$SESSIONS" ]'

# MariaDB: idle clients blocked on reading a FIFO nobody writes.
mkfifo "$work/fifo"
exec 3<>"$work/fifo"
my_user="${DBN_TEST_MYSQL_URL#mysql://}"; my_user="${my_user%%:*}"
my_pass="${DBN_TEST_MYSQL_URL#mysql://*:}"; my_pass="${my_pass%%@*}"
my_port="${DBN_TEST_MYSQL_URL##*:}"; my_port="${my_port%%/*}"
for _ in $(seq "$SESSIONS"); do
  MYSQL_PWD="$my_pass" mariadb -h 127.0.0.1 -P "$my_port" -u "$my_user" dbn_test <"$work/fifo" >/dev/null 2>&1 &
  pids+=($!)
done
until_true '[ "$(my_admin "SELECT count(*) FROM information_schema.PROCESSLIST WHERE COMMAND = '"'Sleep'"'")" -ge "$SESSIONS" ]'

watch() { # URL OUT
  "$DBN" activity --url "$1" --json --watch 0.5 >"$2" &
  local w=$!
  until_true "[ \"\$(wc -l <'$2')\" -ge $REFRESHES ]"
  kill -INT "$w"
  wait "$w" || true
}

export HOME="$work/home" DBN_WORKSPACE="$work/ws" DBN_SECRETS_BACKEND=file DBN_MASTER_PASSWORD=bench NO_COLOR=1
mkdir -p "$HOME" "$work/ws"
(cd "$work/ws" && "$DBN" init >/dev/null)

# Postgres run.
admin "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
admin "SELECT pg_stat_statements_reset()" >/dev/null
watch "$DBN_TEST_PG_URL" "$work/pg.jsonl"
admin "COPY (SELECT calls, mean_exec_time, regexp_replace(left(query, 60), '\\s+', ' ', 'g')
  FROM pg_stat_statements WHERE query NOT LIKE '%bench-admin%' ORDER BY calls DESC, mean_exec_time DESC)
  TO STDOUT WITH (FORMAT csv)" >"$work/pg.csv"

# MariaDB run: every statement of the run lands in the slow log table.
saved="$(my_admin "SELECT CONCAT_WS(' ', @@GLOBAL.slow_query_log, @@GLOBAL.log_output, @@GLOBAL.long_query_time)")"
my_admin "SET GLOBAL log_output = 'TABLE'; SET GLOBAL long_query_time = 0; SET GLOBAL slow_query_log = ON; TRUNCATE mysql.slow_log"
watch "$DBN_TEST_MYSQL_URL" "$work/my.jsonl"
my_admin "SET GLOBAL slow_query_log = OFF"
my_admin "SELECT COUNT(*), AVG(TIME_TO_SEC(query_time)) * 1000, REPLACE(REPLACE(LEFT(sql_text, 60), '\n', ' '), ',', ';')
  FROM mysql.slow_log WHERE user_host LIKE '${my_user}[%'
  GROUP BY LEFT(sql_text, 60) ORDER BY 1 DESC, 2 DESC" | tr '\t' ',' >"$work/my.csv"
set -- $saved
my_admin "SET GLOBAL long_query_time = $3; SET GLOBAL log_output = '$2'; SET GLOBAL slow_query_log = $1"

python3 - "$work" "$SESSIONS" "$REFRESHES" <<'PY'
import csv, json, statistics, sys
work, sessions, refreshes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for engine, tag in (("PostgreSQL", "pg"), ("MariaDB", "my")):
    docs = [json.loads(l) for l in open(f"{work}/{tag}.jsonl") if l.strip()]
    q = [d["collector"]["queries"] for d in docs]
    ms = [d["collector"]["elapsed_ms"] for d in docs]
    seen = [len(d["sessions"]) for d in docs]
    rows = [r for r in csv.reader(open(f"{work}/{tag}.csv")) if r]
    total_calls = sum(int(r[0]) for r in rows)
    server_ms = sum(int(r[0]) * float(r[1] or 0) for r in rows)
    print(f"\n{engine}: {sessions} idle sessions, {len(docs)} refreshes, sessions listed median {statistics.median(seen)}")
    print(f"  catalog queries per refresh: median {statistics.median(q)}, max {max(q)} (first refresh includes top statements)")
    print(f"  statements the server saw per refresh (transaction control included): {total_calls / len(docs):.1f}")
    print(f"  server time per refresh: {server_ms / len(docs):.2f} ms")
    print(f"  client wall of the catalog queries: median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms")
    print("  calls  mean server ms  statement")
    for r in rows:
        print(f"  {int(r[0]):5d}  {float(r[1] or 0):14.3f}  {r[2]}")
PY
