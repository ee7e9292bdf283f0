#!/usr/bin/env bash
# Issue 13 benchmarks, side by side in one run, medians of RUNS (default 3):
#   1. restore of a 2,000,000-row Postgres table into a new database:
#      `dbn backup restore ID --new-database` vs `createdb && pg_restore` of a
#      pg_dump -Fc of the same table (same indexes: primary key + one index);
#   2. the same table on MariaDB: `dbn backup restore --new-database` vs
#      `mariadb NEWDB < mariadb-dump` (the dump loaded as users do);
#   3. reading a 1,000,000-row MariaDB table: `dbn query --format tsv` vs
#      `mariadb -B --quick`, output bytes compared (the client's NULL mapped
#      to dbn's \N first); dbn with its stored password and with MYSQL_PWD.
# Each restored copy is checked against the source (row count and checksum).
#
# Usage: eval "$(scripts/test-services.sh env)"; benches/restore.sh [ROWS] [DBN_BINARY] [RUNS]
# Defaults: 2000000 rows, target/release/dbn, 3 runs. Reads no stdin.
# BENCH_PARTS picks measurements (default "pg my read"): BENCH_PARTS=read
# measures the MariaDB read alone (no Postgres source, no backups, no dumps).
set -euo pipefail

ROWS="${1:-2000000}"
DBN="${2:-target/release/dbn}"
RUNS="${3:-3}"
PARTS=" ${BENCH_PARTS:-pg my read} "
part() { [[ "$PARTS" == *" $1 "* ]]; }
DBN="$(cd "$(dirname "$DBN")" && pwd)/$(basename "$DBN")"
: "${DBN_TEST_PG_URL:?run: eval \"\$(scripts/test-services.sh env)\"}"
: "${DBN_TEST_MYSQL_URL:?run: eval \"\$(scripts/test-services.sh env)\"}"
BIN="${DBN_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}"
PSQL="$BIN/psql"
WORK="$(mktemp -d)"
TAG="b$$"
base="${DBN_TEST_PG_URL%/*}"
SRC="bench_src_$TAG"
src_url="$base/$SRC"
my_base="${DBN_TEST_MYSQL_URL%/*}"
my_src_url="$my_base/$SRC"
MYHOST=$(echo "$DBN_TEST_MYSQL_URL" | sed -E 's#.*@([^:/]+):([0-9]+)/.*#\1#')
MYPORT=$(echo "$DBN_TEST_MYSQL_URL" | sed -E 's#.*@([^:/]+):([0-9]+)/.*#\2#')
MYUSER=$(echo "$DBN_TEST_MYSQL_URL" | sed -E 's#mysql://([^:]+):.*#\1#')
export MYSQL_PWD=$(echo "$DBN_TEST_MYSQL_URL" | sed -E 's#mysql://[^:]+:([^@]+)@.*#\1#')
my() { mariadb --host="$MYHOST" --port="$MYPORT" --user="$MYUSER" "$@" </dev/null; }
my_load() { mariadb --host="$MYHOST" --port="$MYPORT" --user="$MYUSER" "$@"; }
q() { "$PSQL" "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2" </dev/null; }
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

cleanup() {
  for d in $(q "$DBN_TEST_PG_URL" "SELECT datname FROM pg_database WHERE datname LIKE 'bench\_%\_$TAG%'" 2>/dev/null); do
    q "$DBN_TEST_PG_URL" "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
  done
  for d in $(my -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'bench\\_%\\_$TAG%'" 2>/dev/null); do
    my -e "DROP DATABASE IF EXISTS \`$d\`" >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "# $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $ROWS rows, $RUNS runs"
echo "# dbn: $DBN ($("$DBN" --version 2>/dev/null || echo '?'))"

# --- sources -----------------------------------------------------------------
if part pg; then
  q "$DBN_TEST_PG_URL" "CREATE DATABASE $SRC"
  q "$src_url" "CREATE TABLE items (id bigint PRIMARY KEY, customer int NOT NULL, amount numeric(12,2), created timestamptz NOT NULL, note text)"
  q "$src_url" "INSERT INTO items SELECT i, i % 5000, (i % 100000) / 100.0, timestamptz '2026-01-01' + i * interval '1 second', CASE WHEN i % 7 = 0 THEN NULL ELSE md5(i::text) END FROM generate_series(1, $ROWS) i"
  q "$src_url" "CREATE INDEX items_customer ON items (customer)"
  q "$src_url" "VACUUM ANALYZE items"
fi
my -e "CREATE DATABASE $SRC"
my "$SRC" -e "CREATE TABLE items (id BIGINT PRIMARY KEY, customer INT NOT NULL, amount DECIMAL(12,2), created DATETIME NOT NULL, note VARCHAR(64), KEY items_customer (customer))"
my "$SRC" -e "INSERT INTO items SELECT seq, seq % 5000, (seq % 100000) / 100.0, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND, IF(seq % 7 = 0, NULL, MD5(seq)) FROM seq_1_to_$ROWS"

export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/data" XDG_CONFIG_HOME="$WORK/home/config"
export DBN_SECRETS_BACKEND=file DBN_MASTER_PASSWORD=bench NO_COLOR=1
mkdir -p "$WORK/ws" "$HOME" && cd "$WORK/ws"
"$DBN" init >/dev/null
"$DBN" connect add my --url "$my_src_url" >/dev/null
if part pg; then
  "$DBN" connect add pg --url "$src_url" --no-password >/dev/null
  pg_id=$("$DBN" backup create --conn pg --json -q | sed -E 's/.*"id":"([^"]+)".*/\1/')
  "$BIN/pg_dump" -Fc -f "$WORK/dump.fc" "$src_url"
fi
if part my; then
  my_id=$("$DBN" backup create --conn my --json -q | sed -E 's/.*"id":"([^"]+)".*/\1/')
  mariadb-dump --host="$MYHOST" --port="$MYPORT" --user="$MYUSER" "$SRC" >"$WORK/dump.sql"
fi

pg_check="SELECT count(*), sum(amount), md5(string_agg(coalesce(note, '-'), ',' ORDER BY id)) FROM items"
my_check="SELECT COUNT(*), SUM(amount), MD5(GROUP_CONCAT(COALESCE(note, '-') ORDER BY id SEPARATOR ',')) FROM items"
my -e "SET GLOBAL group_concat_max_len = 1073741824" 2>/dev/null || true
if part pg; then want_pg=$(q "$src_url" "$pg_check"); fi
if part my; then want_my=$(my -N "$SRC" -e "$my_check"); fi

# --- 1. Postgres restore -----------------------------------------------------
if part pg; then
  for i in $(seq 1 "$RUNS"); do
    d="bench_pgr_${TAG}_$i"
    t=$(now); q "$DBN_TEST_PG_URL" "CREATE DATABASE $d"; "$BIN/pg_restore" -d "$base/$d" "$WORK/dump.fc" </dev/null; echo "$(since "$t")" >>"$WORK/pgr"
    [ "$(q "$base/$d" "$pg_check")" = "$want_pg" ] || { echo "pg_restore copy differs" >&2; exit 1; }
    q "$DBN_TEST_PG_URL" "DROP DATABASE $d"
    d="bench_dbr_${TAG}_$i"
    t=$(now); "$DBN" backup restore "$pg_id" --into pg --new-database "$d" -q --json >/dev/null </dev/null; echo "$(since "$t")" >>"$WORK/dbr"
    [ "$(q "$base/$d" "$pg_check")" = "$want_pg" ] || { echo "dbn restore copy differs" >&2; exit 1; }
    q "$DBN_TEST_PG_URL" "DROP DATABASE $d"
  done
  pgr=$(median <"$WORK/pgr"); dbr=$(median <"$WORK/dbr")
  printf "postgres restore, %s rows, new database: pg_restore %.2f s, dbn %.2f s, ratio %.2f (runs: pg_restore %s; dbn %s)\n" \
    "$ROWS" "$pgr" "$dbr" "$(echo "$dbr / $pgr" | bc -l)" "$(paste -sd' ' "$WORK/pgr")" "$(paste -sd' ' "$WORK/dbr")"
fi

# --- 2. MariaDB restore ------------------------------------------------------
if part my; then
  for i in $(seq 1 "$RUNS"); do
    d="bench_myr_${TAG}_$i"
    t=$(now); my -e "CREATE DATABASE $d"; my_load "$d" <"$WORK/dump.sql"; echo "$(since "$t")" >>"$WORK/myr"
    [ "$(my -N "$d" -e "$my_check")" = "$want_my" ] || { echo "mariadb copy differs" >&2; exit 1; }
    my -e "DROP DATABASE $d"
    d="bench_dmr_${TAG}_$i"
    t=$(now); "$DBN" backup restore "$my_id" --into my --new-database "$d" -q --json >/dev/null </dev/null; echo "$(since "$t")" >>"$WORK/dmr"
    [ "$(my -N "$d" -e "$my_check")" = "$want_my" ] || { echo "dbn MariaDB copy differs" >&2; exit 1; }
    my -e "DROP DATABASE $d"
  done
  myr=$(median <"$WORK/myr"); dmr=$(median <"$WORK/dmr")
  printf "mariadb restore, %s rows, new database: mariadb < dump %.2f s, dbn %.2f s, ratio %.2f (runs: mariadb %s; dbn %s)\n" \
    "$ROWS" "$myr" "$dmr" "$(echo "$dmr / $myr" | bc -l)" "$(paste -sd' ' "$WORK/myr")" "$(paste -sd' ' "$WORK/dmr")"
fi

# --- 3. MariaDB read ---------------------------------------------------------
# Wall time, and CPU time (user + sys of the client process, from
# /usr/bin/time) beside it: the server's share is the same for both. dbn is
# measured twice: with the password in its encrypted file store (each start
# pays the Argon2id key derivation), and with the password from MYSQL_PWD,
# where the mariadb client takes it from.
cpu() { /usr/bin/time -f '%U %S' -o "$WORK/cpu" "$@"; awk '{printf "%.2f\n", $1 + $2}' "$WORK/cpu" >>"$CPU_OUT"; }
if part read; then
  READ=$((ROWS / 2))
  sql="SELECT id, customer, amount, created, note FROM items WHERE id <= $READ ORDER BY id"
  "$DBN" connect add myenv --url "mysql://$MYUSER@$MYHOST:$MYPORT/$SRC" --no-password >/dev/null
  # The mariadb client writes NULL as the word NULL, dbn's TSV as \N: mapped
  # before the bytes are compared (no value of the table is the text 'NULL').
  my -B --quick "$SRC" -e "$sql" | sed -e 's/\tNULL\t/\t\\N\t/g' -e 's/\tNULL$/\t\\N/' -e 's/^NULL\t/\\N\t/' >"$WORK/mariadb.tsv"
  same="identical bytes"
  for c in my myenv; do
    "$DBN" query --conn "$c" --sql "$sql" --format tsv >"$WORK/dbn.tsv" </dev/null
    cmp -s "$WORK/mariadb.tsv" "$WORK/dbn.tsv" || same="OUTPUT DIFFERS ($c)"
  done
  for i in $(seq 1 "$RUNS"); do
    t=$(now); CPU_OUT="$WORK/myc" cpu mariadb --host="$MYHOST" --port="$MYPORT" --user="$MYUSER" -B --quick "$SRC" -e "$sql" >/dev/null </dev/null; echo "$(since "$t")" >>"$WORK/myq"
    t=$(now); CPU_OUT="$WORK/dbc" cpu "$DBN" query --conn my --sql "$sql" --format tsv >/dev/null </dev/null; echo "$(since "$t")" >>"$WORK/dbq"
    t=$(now); CPU_OUT="$WORK/dec" cpu "$DBN" query --conn myenv --sql "$sql" --format tsv >/dev/null </dev/null; echo "$(since "$t")" >>"$WORK/deq"
  done
  myq=$(median <"$WORK/myq"); dbq=$(median <"$WORK/dbq"); deq=$(median <"$WORK/deq")
  printf "mariadb read, %s rows to TSV, %s: mariadb -B --quick %.2f s; dbn query, password from MYSQL_PWD %.2f s (ratio %.2f); dbn query, password in the file store %.2f s (ratio %.2f)\n" \
    "$READ" "$same" "$myq" "$deq" "$(echo "$deq / $myq" | bc -l)" "$dbq" "$(echo "$dbq / $myq" | bc -l)"
  printf "  runs: mariadb %s; dbn MYSQL_PWD %s; dbn file store %s\n" \
    "$(paste -sd' ' "$WORK/myq")" "$(paste -sd' ' "$WORK/deq")" "$(paste -sd' ' "$WORK/dbq")"
  printf "mariadb read, client CPU (user+sys): mariadb %.2f s, dbn MYSQL_PWD %.2f s, dbn file store %.2f s\n" \
    "$(median <"$WORK/myc")" "$(median <"$WORK/dec")" "$(median <"$WORK/dbc")"
fi
