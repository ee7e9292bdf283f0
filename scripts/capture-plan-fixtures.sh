#!/usr/bin/env bash
# Capture the query-plan fixtures in fixtures/plans/ from real servers: the
# same small shop schema on PostgreSQL, MariaDB and SQLite, then EXPLAIN and
# ANALYZE of a few statements as each server answers them.
#
#   source "$(scripts/test-services.sh start)"   # or the env file it wrote
#   scripts/capture-plan-fixtures.sh
#
# Needs DBN_TEST_PG_URL, DBN_TEST_MYSQL_ROOT_SOCKET (scripts/test-services.sh),
# psql, the mariadb client and python3. Writes only under fixtures/plans/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=fixtures/plans
PSQL="${DBN_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}/psql"
PG="$DBN_TEST_PG_URL"
MY=(mariadb -S "$DBN_TEST_MYSQL_ROOT_SOCKET" -uroot)
mkdir -p "$OUT"

"$PSQL" "$PG" -qAtX -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS shop CASCADE;
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL, country text NOT NULL);
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers(id),
  status text NOT NULL, region int NOT NULL, bucket int NOT NULL, total numeric(10,2) NOT NULL, created_at timestamp NOT NULL);
CREATE INDEX orders_customer_idx ON shop.orders(customer_id);
INSERT INTO shop.customers SELECT g, 'customer ' || g, (ARRAY['DE','FR','US','JP'])[1 + g % 4] FROM generate_series(1, 2000) g;
INSERT INTO shop.orders SELECT g, 1 + g % 2000, (ARRAY['new','paid','shipped','void'])[1 + g % 4], g % 100, g % 100,
  (g % 500) + 0.99, timestamp '2026-01-01' + (g || ' minutes')::interval FROM generate_series(1, 50000) g;
ANALYZE shop.customers; ANALYZE shop.orders;
SQL

JOIN="SELECT c.country, count(*) AS n, sum(o.total) AS revenue FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE o.status = 'paid' GROUP BY c.country ORDER BY revenue DESC"
# region and bucket are equal, so the planner multiplies two selectivities: 100x too few rows.
MISEST="SELECT * FROM shop.orders WHERE region = 7 AND bucket = 7"
INDEX="SELECT o.id, o.total FROM shop.orders o WHERE o.customer_id = 42 ORDER BY o.created_at LIMIT 5"
UPDATE="UPDATE shop.orders SET status = 'void' WHERE customer_id = 42"
BIG="WITH recent AS (SELECT * FROM shop.orders WHERE created_at > timestamp '2026-01-20'), top AS (SELECT customer_id, sum(total) s FROM recent GROUP BY customer_id ORDER BY s DESC LIMIT 50) SELECT c.name, t.s, (SELECT count(*) FROM shop.orders o2 WHERE o2.customer_id = c.id) AS all_orders FROM top t JOIN shop.customers c ON c.id = t.customer_id UNION ALL SELECT c.name, 0, 0 FROM shop.customers c WHERE c.country = 'JP' AND NOT EXISTS (SELECT 1 FROM shop.orders o WHERE o.customer_id = c.id AND o.status = 'void') UNION ALL SELECT 'x', count(*), max(region) FROM shop.orders WHERE bucket IN (SELECT region FROM shop.orders WHERE id < 100)"

pg() { "$PSQL" "$PG" -qAtX -v ON_ERROR_STOP=1 -c "$1" > "$OUT/$2"; }
pg "EXPLAIN (FORMAT JSON) $JOIN" pg_join.json
pg "EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) $JOIN" pg_join_analyze.json
pg "EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) $MISEST" pg_misestimate_analyze.json
pg "EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) $INDEX" pg_index_analyze.json
pg "EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) $BIG" pg_big_analyze.json
"$PSQL" "$PG" -qAtX -v ON_ERROR_STOP=1 -c "BEGIN" -c "EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) $UPDATE" -c "ROLLBACK" \
  | sed '/^BEGIN$/d;/^ROLLBACK$/d' > "$OUT/pg_update_analyze.json"

"${MY[@]}" >/dev/null <<'SQL'
CREATE DATABASE IF NOT EXISTS dbn_plan_fixtures;
USE dbn_plan_fixtures;
DROP TABLE IF EXISTS orders, customers;
CREATE TABLE customers (id int PRIMARY KEY, name varchar(50) NOT NULL, country char(2) NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status varchar(10) NOT NULL, region int NOT NULL,
  bucket int NOT NULL, total decimal(10,2) NOT NULL, created_at datetime NOT NULL, KEY orders_customer_idx (customer_id));
INSERT INTO customers SELECT seq, concat('customer ', seq), elt(1 + seq % 4, 'DE','FR','US','JP') FROM seq_1_to_2000;
INSERT INTO orders SELECT seq, 1 + seq % 2000, elt(1 + seq % 4, 'new','paid','shipped','void'), seq % 100, seq % 100,
  (seq % 500) + 0.99, timestamp('2026-01-01') + interval seq minute FROM seq_1_to_50000;
ANALYZE TABLE customers, orders PERSISTENT FOR ALL;
SQL
my() { "${MY[@]}" -N -r dbn_plan_fixtures -e "$1" > "$OUT/$2"; }
strip() { echo "${1//shop./}"; }
my "EXPLAIN FORMAT=JSON $(strip "$JOIN")" my_join.json
my "ANALYZE FORMAT=JSON $(strip "$JOIN")" my_join_analyze.json
my "ANALYZE FORMAT=JSON $(strip "$MISEST")" my_misestimate_analyze.json
my "ANALYZE FORMAT=JSON $(strip "$INDEX")" my_index_analyze.json
my "BEGIN; ANALYZE FORMAT=JSON $(strip "$UPDATE"); ROLLBACK" my_update_analyze.json
my "ANALYZE FORMAT=JSON SELECT c.name, (SELECT count(*) FROM orders o2 WHERE o2.customer_id = c.id) AS n FROM customers c WHERE c.country = 'JP' UNION ALL SELECT 'x', count(*) FROM orders WHERE bucket IN (SELECT region FROM orders WHERE id < 100)" my_big_analyze.json
"${MY[@]}" -e "DROP DATABASE dbn_plan_fixtures"
"$PSQL" "$PG" -qAtX -c "SET client_min_messages = warning" -c "DROP SCHEMA shop CASCADE" >/dev/null

python3 - "$OUT" "$(strip "$JOIN")" "$(strip "$INDEX")" <<'PY'
import json, sqlite3, sys
out, join, index = sys.argv[1:4]
db = sqlite3.connect(":memory:")
db.executescript("""
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INT NOT NULL REFERENCES customers(id), status TEXT NOT NULL,
  region INT NOT NULL, bucket INT NOT NULL, total NUMERIC NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX orders_customer_idx ON orders(customer_id);
""")
big = ("SELECT c.name, (SELECT count(*) FROM orders o2 WHERE o2.customer_id = c.id) AS n FROM customers c "
       "WHERE c.country = 'JP' UNION ALL SELECT 'x', count(*) FROM orders WHERE bucket IN (SELECT region FROM orders WHERE id < 100) "
       "ORDER BY 1")
for name, sql in [("sqlite_join.json", join), ("sqlite_index.json", index), ("sqlite_big.json", big)]:
    rows = db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    with open(f"{out}/{name}", "w") as f:
        json.dump({"sqlite_version": sqlite3.sqlite_version, "sql": sql, "rows": rows}, f, indent=1)
        f.write("\n")
PY
echo "captured plan fixtures in $OUT" >&2
