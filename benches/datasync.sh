#!/usr/bin/env bash
# Data diff benchmark: two Postgres databases holding the same N-row table
# (default 1,000,000) that differ in 100 rows (40 updates, 30 deletes, 30
# inserts), compared by `dbn diff data` with segment checksums and, in the
# same run, with the naive full fetch (--method merge-join).
#
# Usage: eval "$(scripts/test-services.sh env)"; benches/datasync.sh [ROWS] [DBN_BINARY]
# METHODS="checksum" skips the naive full fetch (slow at 10M rows).
# Needs DBN_TEST_PG_URL (a superuser URL) and psql; prints one line per method.
set -euo pipefail
ROWS="${1:-1000000}"
DBN="${2:-target/release/dbn}"
: "${DBN_TEST_PG_URL:?run: eval \"\$(scripts/test-services.sh env)\"}"
PSQL="${DBN_TEST_PG_BIN:+$DBN_TEST_PG_BIN/}psql"
base="${DBN_TEST_PG_URL%%\?*}"; base="${base%/*}"
query="${DBN_TEST_PG_URL#*\?}"; [ "$query" = "$DBN_TEST_PG_URL" ] && query=""
url() { echo "$base/$1${query:+?$query}"; }
src="bench_ds_src_$$"; dst="bench_ds_dst_$$"
work="$(mktemp -d)"
cleanup() {
  "$PSQL" -qAtX "$DBN_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$PSQL" -qAtX "$DBN_TEST_PG_URL" -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"
for db in "$src" "$dst"; do
  "$PSQL" -qAtX -v ON_ERROR_STOP=1 "$(url "$db")" <<SQL
CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, kind text NOT NULL, amount numeric(12,2), at timestamptz NOT NULL);
INSERT INTO events SELECT g, g % 9973, 'kind-' || (g % 17), (g % 100000) / 100.0, timestamptz '2025-01-01' + g * interval '1 second'
FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE events;
SQL
done
"$PSQL" -qAtX -v ON_ERROR_STOP=1 "$(url "$dst")" <<SQL
UPDATE events SET amount = amount + 1 WHERE id IN (SELECT (g * 7919) % $ROWS + 1 FROM generate_series(1, 40) g);
DELETE FROM events WHERE id IN (SELECT (g * 104729) % $ROWS + 1 FROM generate_series(1, 30) g);
INSERT INTO events SELECT $ROWS + g, 1, 'extra', 1, now() FROM generate_series(1, 30) g;
SQL
export HOME="$work/home" DBN_SECRETS_BACKEND=file DBN_MASTER_PASSWORD=bench NO_COLOR=1
mkdir -p "$work/ws" "$HOME"; cd "$work/ws"
"$OLDPWD/$DBN" init >/dev/null 2>&1 || "$DBN" init >/dev/null
bin="$(command -v "$OLDPWD/$DBN" || command -v "$DBN")"
"$bin" connect add src --url "$(url "$src")" >/dev/null
"$bin" connect add dst --url "$(url "$dst")" >/dev/null
echo "rows=$ROWS differing=100"
for method in ${METHODS:-checksum merge-join}; do
  start=$(date +%s.%N)
  "$bin" diff data --source src --target dst --table events --method "$method" --json > "$work/$method.json"
  end=$(date +%s.%N)
  python3 - "$work/$method.json" "$method" "$start" "$end" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); s = d["stats"]; m = d["summary"]
print(f"{sys.argv[2]:>10}: wall {float(sys.argv[4]) - float(sys.argv[3]):.2f} s (diff {s['elapsed_ms']} ms); "
      f"only_in_source {m['only_in_source']}, only_in_target {m['only_in_target']}, changed {m['changed']}; "
      f"source {s['source']['rows_fetched']} rows / {s['source']['bytes_fetched']} bytes in {s['source']['queries']} queries; "
      f"target {s['target']['rows_fetched']} rows / {s['target']['bytes_fetched']} bytes in {s['target']['queries']} queries; "
      f"segments {s['segments']['compared']} compared, {s['segments']['mismatched']} differed")
PY
done
