#!/usr/bin/env bash
# Start throwaway PostgreSQL 15 and MariaDB servers on 127.0.0.1 for tests.
#
#   eval "$(scripts/test-services.sh start)"   # prints export lines
#   scripts/test-services.sh stop
#
# Idempotent: a second `start` reuses running servers. State lives in
# $DBN_SERVICES_DIR (default /tmp/dbn-test-services). Installs mariadb-server
# with apt when mariadbd is missing. Reads no stdin.
set -euo pipefail

DIR="${DBN_SERVICES_DIR:-/tmp/dbn-test-services}"
ENV_FILE="$DIR/env"
PG_PASSWORD="dbn_test_pw"
MY_PASSWORD="dbn_test_pw"

log() { echo "test-services: $*" >&2; }

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

as_user() {
  local user="$1"; shift
  if [ "$(id -u)" = "0" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

pg_bin() {
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
  return 1
}

ensure_postgres_installed() {
  if pg_bin >/dev/null 2>&1; then return; fi
  log "installing postgresql-15"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null >&2
  apt-get install -y -qq postgresql-15 </dev/null >&2 || apt-get install -y -qq postgresql </dev/null >&2
}

ensure_mariadb_installed() {
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then return; fi
  log "installing mariadb-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null >&2
  apt-get install -y -qq mariadb-server </dev/null >&2
}

# The activity view's top statements read pg_stat_statements; preload it
# when the contrib module is installed (tests create the extension per database).
pg_preload() {
  if [ -f "$("$(pg_bin)/pg_config" --pkglibdir 2>/dev/null || echo /nonexistent)/pg_stat_statements.so" ] \
    || [ -f "$(dirname "$(pg_bin)")/lib/pg_stat_statements.so" ]; then
    echo " -c shared_preload_libraries=pg_stat_statements"
  fi
}

pg_running() {
  [ -f "$DIR/pg/data/postmaster.pid" ] && as_user postgres "$(pg_bin)/pg_ctl" -D "$DIR/pg/data" status >/dev/null 2>&1
}

start_postgres() {
  local bin; bin="$(pg_bin)"
  if pg_running; then return; fi
  rm -rf "$DIR/pg"; mkdir -p "$DIR/pg"
  if [ "$(id -u)" = "0" ]; then chown postgres "$DIR/pg"; fi
  as_user postgres "$bin/initdb" -D "$DIR/pg/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$DIR/pg/initdb.log" 2>&1
  # The superuser is trusted on loopback; every other role needs its password,
  # so wrong-password tests are real.
  cat >"$DIR/pg/data/pg_hba.conf" <<HBA
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
  local port; port="$(free_port)"
  echo "$port" >"$DIR/pg/port"
  as_user postgres "$bin/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $DIR/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200$(pg_preload)" \
    start >/dev/null
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 <<SQL >/dev/null
CREATE ROLE dbn_user LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
CREATE DATABASE dbn_test;
SQL
}

my_running() {
  [ -S "$DIR/my/sock" ] && mariadb-admin --socket="$DIR/my/sock" -uroot ping >/dev/null 2>&1
}

start_mariadb() {
  if my_running; then return; fi
  rm -rf "$DIR/my"; mkdir -p "$DIR/my"
  if [ "$(id -u)" = "0" ]; then chown mysql "$DIR/my"; fi
  mariadb-install-db --no-defaults --user=mysql --datadir="$DIR/my/data" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >"$DIR/my/install.log" 2>&1
  local port; port="$(free_port)"
  echo "$port" >"$DIR/my/port"
  setsid mariadbd --no-defaults --user=mysql --datadir="$DIR/my/data" --socket="$DIR/my/sock" \
    --port="$port" --bind-address=127.0.0.1 --skip-log-bin --innodb-buffer-pool-size=128M \
    --innodb-flush-log-at-trx-commit=0 --max-connections=300 --pid-file="$DIR/my/pid" \
    </dev/null >"$DIR/my/log" 2>&1 &
  for _ in $(seq 1 120); do
    if my_running; then break; fi
    sleep 0.25
  done
  my_running || { log "MariaDB did not start; see $DIR/my/log"; tail -20 "$DIR/my/log" >&2; exit 1; }
  mariadb --socket="$DIR/my/sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'dbn'@'%' IDENTIFIED BY '$MY_PASSWORD';
GRANT ALL ON *.* TO 'dbn'@'%' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS dbn_test;
SQL
}

write_env() {
  local pg_port my_port
  pg_port="$(cat "$DIR/pg/port")"; my_port="$(cat "$DIR/my/port")"
  cat >"$ENV_FILE" <<ENV
export DBN_TEST_PG_URL='postgres://postgres@127.0.0.1:$pg_port/dbn_test?sslmode=disable'
export DBN_TEST_PG_PW_URL='postgres://dbn_user:$PG_PASSWORD@127.0.0.1:$pg_port/dbn_test?sslmode=disable'
export DBN_TEST_PG_ADMIN_URL='postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable'
export DBN_TEST_MYSQL_URL='mysql://dbn:$MY_PASSWORD@127.0.0.1:$my_port/dbn_test'
export DBN_TEST_MYSQL_ROOT_SOCKET='$DIR/my/sock'
export DBN_TEST_PG_BIN='$(pg_bin)'
ENV
}

case "${1:-start}" in
  start)
    mkdir -p "$DIR"; chmod 755 "$DIR"
    ensure_postgres_installed
    ensure_mariadb_installed
    start_postgres
    start_mariadb
    write_env
    cat "$ENV_FILE"
    ;;
  stop)
    if [ -d "$DIR/pg/data" ]; then as_user postgres "$(pg_bin)/pg_ctl" -D "$DIR/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
    if [ -f "$DIR/my/pid" ]; then kill "$(cat "$DIR/my/pid")" 2>/dev/null || true; fi
    ;;
  env)
    cat "$ENV_FILE"
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
