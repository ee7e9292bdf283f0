#!/usr/bin/env bash
# Benchmark: `dbn query --format csv` of a 1,000,000-row x 5-column Postgres
# table against `psql --csv` and `psql -c '\copy ... to stdout csv'`, in the
# same run, output to /dev/null. Reports median wall time of N runs and peak
# RSS (from /usr/bin/time -v). Needs a release build and the test services:
#   cargo build --release && eval "$(scripts/test-services.sh start)" && benches/query_csv.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS="${ROWS:-1000000}"
RUNS="${RUNS:-5}"
DBN="${DBN:-target/release/dbn}"
: "${DBN_TEST_PG_URL:?start servers with: eval \"\$(scripts/test-services.sh start)\"}"
PSQL="${DBN_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}/psql"
URL="${DBN_TEST_PG_URL%%\?*}"
URL="${URL%/*}/dbn_bench"

if ! command -v /usr/bin/time >/dev/null; then apt-get install -y -qq time </dev/null >/dev/null; fi

"$PSQL" "${DBN_TEST_PG_URL%%\?*}" -qAtX -c "SELECT 1 FROM pg_database WHERE datname = 'dbn_bench'" | grep -q 1 \
  || "$PSQL" "${DBN_TEST_PG_URL%%\?*}" -qX -c "CREATE DATABASE dbn_bench"
have="$("$PSQL" "$URL" -qAtX -c "SELECT count(*) FROM bench_rows" 2>/dev/null || echo 0)"
if [ "$have" != "$ROWS" ]; then
  "$PSQL" "$URL" -qX -v ON_ERROR_STOP=1 <<SQL
DROP TABLE IF EXISTS bench_rows;
CREATE TABLE bench_rows (id bigint PRIMARY KEY, name text, amount numeric(12,2), created timestamptz, flag boolean);
INSERT INTO bench_rows SELECT g, 'name-' || g, (g % 100000) / 100.0, timestamptz '2024-01-01' + g * interval '1 second', g % 2 = 0
FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE bench_rows;
SQL
fi

SQL="SELECT * FROM bench_rows"
measure() { # label, command...
  local label="$1"; shift
  local times=() rss=0
  for _ in $(seq 1 "$RUNS"); do
    local out tf
    tf="$(mktemp)"
    /usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>/dev/null
    out="$(tail -1 "$tf")"; rm -f "$tf"
    times+=("${out%% *}")
    local r="${out##* }"; [ "$r" -gt "$rss" ] && rss="$r"
  done
  local median
  median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  printf '%-34s median %6.2f s   peak RSS %7.1f MB   runs: %s\n' "$label" "$median" "$(echo "$rss / 1024" | bc -l)" "${times[*]}"
}

echo "rows: $ROWS, runs: $RUNS, $(nproc) cores, $(date -u +%F)"
measure "dbn query --format csv" "$DBN" query --url "$URL" --format csv --no-history --sql "$SQL"
measure "psql --csv" "$PSQL" "$URL" -X --csv -c "$SQL"
measure "psql \\copy to stdout csv" "$PSQL" "$URL" -X -c "\\copy ($SQL) to stdout csv"
