#!/usr/bin/env bash
# Benchmark: `dbn backup` against pg_dump -Fc / pg_restore on a 1,000,000-row
# Postgres table, plus the added size of a second backup after changing
# 0.1% of the rows (scattered: every 1000th row; clustered: 1000 adjacent rows).
#
# Usage: eval "$(scripts/test-services.sh env)"; benches/backup_vs_pg_dump.sh [ROWS] [DBN_BINARY]
# Needs DBN_TEST_PG_URL (superuser) and DBN_TEST_PG_BIN (psql, pg_dump, pg_restore).
set -euo pipefail

ROWS="${1:-1000000}"
DBN="${2:-target/release/dbn}"
DBN="$(cd "$(dirname "$DBN")" && pwd)/$(basename "$DBN")"
: "${DBN_TEST_PG_URL:?run: eval \"\$(scripts/test-services.sh env)\"}"
BIN="${DBN_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}"
PSQL="$BIN/psql"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
SRC="bench_src_$$"
R_DUMP="bench_pgr_$$"
R_DBN="bench_dbr_$$"
base="${DBN_TEST_PG_URL%/*}"
src_url="$base/$SRC"

q() { "$PSQL" "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"; }
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

cleanup_dbs() {
  for d in "$SRC" "$R_DUMP" "$R_DBN"; do q "$DBN_TEST_PG_URL" "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
}
trap 'cleanup_dbs; rm -rf "$WORK"' EXIT

q "$DBN_TEST_PG_URL" "CREATE DATABASE $SRC"
q "$src_url" "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), created timestamptz NOT NULL, note text)"
q "$src_url" "INSERT INTO items SELECT i, 'item ' || i, (i % 100000) / 100.0, timestamptz '2026-01-01' + i * interval '1 second', CASE WHEN i % 7 = 0 THEN NULL ELSE md5(i::text) END FROM generate_series(1, $ROWS) i"
q "$src_url" "VACUUM ANALYZE items"

export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/data" XDG_CONFIG_HOME="$WORK/home/config"
export DBN_SECRETS_BACKEND=file DBN_MASTER_PASSWORD=bench NO_COLOR=1
mkdir -p "$WORK/ws" "$HOME" && cd "$WORK/ws"
"$DBN" init >/dev/null
"$DBN" connect add src --url "$src_url" --no-password >/dev/null

echo "rows: $ROWS"
t=$(now); "$BIN/pg_dump" -Fc -f "$WORK/dump.fc" "$src_url"; pgd_t=$(since "$t")
pgd_s=$(stat -c %s "$WORK/dump.fc")
echo "pg_dump -Fc:        $(printf %.2f "$pgd_t") s, $pgd_s bytes"

t=$(now); first=$("$DBN" backup create --conn src --json); dbn_t=$(since "$t")
id1=$(echo "$first" | sed -E 's/.*"id":"([^"]+)".*/\1/')
b1=$(echo "$first" | sed -E 's/.*"new_bytes":([0-9]+).*/\1/')
m1=$(echo "$first" | sed -E 's/.*"manifest_bytes":([0-9]+).*/\1/')
echo "dbn backup create:  $(printf %.2f "$dbn_t") s, $((b1 + m1)) bytes (chunks $b1 + manifest $m1)"

q "$DBN_TEST_PG_URL" "CREATE DATABASE $R_DUMP"
t=$(now); "$BIN/pg_restore" -d "$base/$R_DUMP" "$WORK/dump.fc"; pgr_t=$(since "$t")
echo "pg_restore:         $(printf %.2f "$pgr_t") s"
t=$(now); "$DBN" backup restore "$id1" --into src --new-database "$R_DBN" -q --json >/dev/null; dbr_t=$(since "$t")
echo "dbn backup restore: $(printf %.2f "$dbr_t") s (into a new database)"
c1=$(q "$base/$R_DBN" "SELECT count(*), sum(amount), md5(string_agg(name || coalesce(note, ''), ',' ORDER BY id)) FROM items")
c0=$(q "$src_url" "SELECT count(*), sum(amount), md5(string_agg(name || coalesce(note, ''), ',' ORDER BY id)) FROM items")
[ "$c0" = "$c1" ] && echo "restored data equals the source ($c0)" || echo "MISMATCH: source $c0 restored $c1"

unchanged=$("$DBN" backup create --conn src --json)
echo "unchanged 2nd backup adds: $(echo "$unchanged" | sed -E 's/.*"new_bytes":([0-9]+).*/\1/') chunk bytes + $(echo "$unchanged" | sed -E 's/.*"manifest_bytes":([0-9]+).*/\1/') manifest bytes"

q "$src_url" "UPDATE items SET note = 'changed' WHERE id % 1000 = 0"
scat=$("$DBN" backup create --conn src --json)
sb=$(echo "$scat" | sed -E 's/.*"new_bytes":([0-9]+).*/\1/'); sm=$(echo "$scat" | sed -E 's/.*"manifest_bytes":([0-9]+).*/\1/')
echo "0.1% scattered update: +$((sb + sm)) bytes = $(echo "scale=2; 100 * ($sb + $sm) / ($b1 + $m1)" | bc)% of the first (chunks $sb, manifest $sm)"

q "$src_url" "UPDATE items SET note = 'changed too' WHERE id BETWEEN $ROWS / 2 + 1 AND $ROWS / 2 + $ROWS / 1000"
clus=$("$DBN" backup create --conn src --json)
cb=$(echo "$clus" | sed -E 's/.*"new_bytes":([0-9]+).*/\1/'); cm=$(echo "$clus" | sed -E 's/.*"manifest_bytes":([0-9]+).*/\1/')
echo "0.1% clustered update: +$((cb + cm)) bytes = $(echo "scale=2; 100 * ($cb + $cm) / ($b1 + $m1)" | bc)% of the first (chunks $cb, manifest $cm)"
