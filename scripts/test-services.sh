#!/usr/bin/env bash
# Start throwaway PostgreSQL 15 and MariaDB servers on 127.0.0.1 for tests,
# plus TLS-enabled copies of both and an sshd (issue 17), with throwaway keys,
# and an S3-compatible server (moto, issue 13).
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
    "-c listen_addresses=127.0.0.1 -p $port -k $DIR/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=256MB -c min_wal_size=64MB -c max_connections=${DBN_PG_MAX_CONNECTIONS:-200}$(pg_preload)" \
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

# An S3-compatible server (moto, from PyPI, in a venv under $DIR/s3) with a
# bucket `dbn-test`; any credentials are accepted, addressing is path-style.
s3_running() {
  [ -f "$DIR/s3/pid" ] && kill -0 "$(cat "$DIR/s3/pid")" 2>/dev/null &&
    python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$(cat "$DIR/s3/port")/dbn-test', timeout=2)" >/dev/null 2>&1
}

start_s3() {
  if s3_running; then return; fi
  mkdir -p "$DIR/s3"
  if [ ! -x "$DIR/s3/venv/bin/moto_server" ]; then
    if ! python3 -m venv "$DIR/s3/venv" >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq </dev/null >&2
      apt-get install -y -qq python3-venv </dev/null >&2
      python3 -m venv "$DIR/s3/venv" >&2
    fi
    log "installing moto (S3-compatible test server) from PyPI"
    "$DIR/s3/venv/bin/pip" install -q "moto[server]" </dev/null >&2
  fi
  local port; port="$(free_port)"
  echo "$port" >"$DIR/s3/port"
  setsid "$DIR/s3/venv/bin/moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$DIR/s3/log" 2>&1 &
  echo $! >"$DIR/s3/pid"
  for _ in $(seq 1 120); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/', timeout=1)" >/dev/null 2>&1; then break; fi
    sleep 0.25
  done
  python3 - "$port" <<'PY'
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/dbn-test", method="PUT")
urllib.request.urlopen(req, timeout=5)
PY
  s3_running || { log "the S3 test server did not start; see $DIR/s3/log"; tail -20 "$DIR/s3/log" >&2; exit 1; }
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
export DBN_TEST_S3_REPO='s3://dbn-test?endpoint=http://127.0.0.1:$(cat "$DIR/s3/port")'
ENV
}

# ---- TLS and SSH services (issue 17): separate servers so the plain ones stay as they are.

ensure_sshd_installed() {
  if [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1; then return; fi
  log "installing openssh-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null >&2
  apt-get install -y -qq openssh-server openssh-client </dev/null >&2
}

# A throwaway CA, a second CA that signed nothing we use, a server certificate for
# DNS:localhost only (so 127.0.0.1 is a wrong host name), a client certificate for
# the role/user dbn_cert (plain and passphrase-encrypted PKCS#8 key), and two CRLs:
# one empty, one revoking the server certificate.
make_pki() {
  local t="$DIR/tls"
  if [ -f "$t/done" ]; then return; fi
  rm -rf "$t"; mkdir -p "$t"
  (
    cd "$t"
    ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    ec ca.key; ec other-ca.key; ec server.key; ec client.key
    openssl req -x509 -new -key ca.key -days 3650 -subj "/CN=dbn test CA" -out ca.pem
    openssl req -x509 -new -key other-ca.key -days 3650 -subj "/CN=dbn other CA" -out other-ca.pem
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >server.ext
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
    openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 4097 -days 3650 -extfile server.ext -out server.pem 2>/dev/null
    openssl req -new -key client.key -subj "/CN=dbn_cert" -out client.csr
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -set_serial 4098 -days 3650 -extfile client.ext -out client.pem 2>/dev/null
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in client.key -passout pass:dbn-key-pass -out client-enc.key
    : >index.txt; echo 1000 >crlnumber
    printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=3650\ncertificate=ca.pem\nprivate_key=ca.key\n' >ca.cnf
    openssl ca -config ca.cnf -gencrl -out crl-empty.pem 2>/dev/null
    openssl ca -config ca.cnf -revoke server.pem 2>/dev/null
    openssl ca -config ca.cnf -gencrl -out crl-revoked.pem 2>/dev/null
    chmod 600 ./*.key
  )
  touch "$t/done"
}

pgtls_running() {
  [ -f "$DIR/pgtls/data/postmaster.pid" ] && as_user postgres "$(pg_bin)/pg_ctl" -D "$DIR/pgtls/data" status >/dev/null 2>&1
}

# Postgres with ssl=on: dbn_cert must present a client certificate (hostssl ... cert),
# tls_only only over TLS, plain_only only without TLS, postgres trusted on loopback.
start_postgres_tls() {
  local bin; bin="$(pg_bin)"
  if pgtls_running; then return; fi
  local d="$DIR/pgtls"
  rm -rf "$d"; mkdir -p "$d"
  cp "$DIR/tls/server.pem" "$DIR/tls/server.key" "$DIR/tls/ca.pem" "$d/"
  chmod 600 "$d/server.key"
  if [ "$(id -u)" = "0" ]; then chown -R postgres "$d"; fi
  as_user postgres "$bin/initdb" -D "$d/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$d/initdb.log" 2>&1
  cat >"$d/data/pg_hba.conf" <<HBA
local all all trust
hostssl all dbn_cert 127.0.0.1/32 cert
hostssl all tls_only 127.0.0.1/32 trust
hostnossl all plain_only 127.0.0.1/32 trust
host all postgres 127.0.0.1/32 trust
HBA
  local port; port="$(free_port)"
  echo "$port" >"$d/port"
  as_user postgres "$bin/pg_ctl" -D "$d/data" -l "$d/log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $d -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c ssl=on -c ssl_cert_file=$d/server.pem -c ssl_key_file=$d/server.key -c ssl_ca_file=$d/ca.pem" \
    start >/dev/null
  "$bin/psql" -h "$d" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 <<SQL >/dev/null
CREATE ROLE dbn_cert LOGIN;
CREATE ROLE tls_only LOGIN;
CREATE ROLE plain_only LOGIN;
CREATE DATABASE dbn_test;
SQL
}

mytls_running() {
  [ -S "$DIR/mytls/sock" ] && mariadb-admin --socket="$DIR/mytls/sock" -uroot ping >/dev/null 2>&1
}

# MariaDB with TLS: dbn (password) and dbn_cert (REQUIRE X509, no password).
start_mariadb_tls() {
  if mytls_running; then return; fi
  local d="$DIR/mytls"
  rm -rf "$d"; mkdir -p "$d"
  cp "$DIR/tls/server.pem" "$DIR/tls/server.key" "$DIR/tls/ca.pem" "$d/"
  if [ "$(id -u)" = "0" ]; then chown -R mysql "$d"; fi
  mariadb-install-db --no-defaults --user=mysql --datadir="$d/data" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >"$d/install.log" 2>&1
  local port; port="$(free_port)"
  echo "$port" >"$d/port"
  setsid mariadbd --no-defaults --user=mysql --datadir="$d/data" --socket="$d/sock" \
    --port="$port" --bind-address=127.0.0.1 --skip-log-bin --innodb-buffer-pool-size=32M \
    --innodb-flush-log-at-trx-commit=0 --pid-file="$d/pid" \
    --ssl-ca="$d/ca.pem" --ssl-cert="$d/server.pem" --ssl-key="$d/server.key" \
    </dev/null >"$d/log" 2>&1 &
  for _ in $(seq 1 120); do
    if mytls_running; then break; fi
    sleep 0.25
  done
  mytls_running || { log "MariaDB (TLS) did not start; see $d/log"; tail -20 "$d/log" >&2; exit 1; }
  mariadb --socket="$d/sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'dbn'@'%' IDENTIFIED BY '$MY_PASSWORD';
GRANT ALL ON *.* TO 'dbn'@'%';
CREATE USER IF NOT EXISTS 'dbn_cert'@'%' REQUIRE X509;
GRANT ALL ON *.* TO 'dbn_cert'@'%';
CREATE DATABASE IF NOT EXISTS dbn_test;
SQL
}

sshd_running() {
  [ -f "$DIR/ssh/pid" ] && kill -0 "$(cat "$DIR/ssh/pid")" 2>/dev/null
}

# sshd on 127.0.0.1 accepting one throwaway client key, forwarding allowed.
# ssh_config has a Host alias dbn-test-ssh with the key and a private known_hosts.
start_sshd() {
  if sshd_running; then return; fi
  local d="$DIR/ssh"
  rm -rf "$d"; mkdir -p "$d" /run/sshd
  chmod 700 "$d"
  ssh-keygen -q -t ed25519 -N '' -C dbn-test-host -f "$d/host"
  ssh-keygen -q -t ed25519 -N '' -C dbn-test-client -f "$d/client"
  ssh-keygen -q -t ed25519 -N '' -C dbn-test-stranger -f "$d/stranger"
  cp "$d/client.pub" "$d/authorized_keys"
  local port; port="$(free_port)"
  echo "$port" >"$d/port"
  cat >"$d/sshd_config" <<CFG
HostKey $d/host
AuthorizedKeysFile $d/authorized_keys
PidFile $d/pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
UsePAM no
CFG
  cat >"$d/ssh_config" <<CFG
Host dbn-test-ssh
  HostName 127.0.0.1
  Port $port
  User $(id -un)
  IdentityFile $d/client
  IdentitiesOnly yes
  StrictHostKeyChecking yes
  UserKnownHostsFile $d/known_hosts
  BatchMode yes
CFG
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$d/host.pub")" >"$d/known_hosts"
  /usr/sbin/sshd -f "$d/sshd_config" -p "$port" -o ListenAddress=127.0.0.1 -E "$d/log"
  for _ in $(seq 1 40); do
    if sshd_running; then break; fi
    sleep 0.1
  done
  sshd_running || { log "sshd did not start; see $d/log"; tail -20 "$d/log" >&2; exit 1; }
}

write_env_tls_ssh() {
  cat >>"$ENV_FILE" <<ENV
export DBN_TEST_TLS_DIR='$DIR/tls'
export DBN_TEST_PGTLS_PORT='$(cat "$DIR/pgtls/port")'
export DBN_TEST_MYTLS_PORT='$(cat "$DIR/mytls/port")'
export DBN_TEST_SSH_DIR='$DIR/ssh'
export DBN_TEST_SSH_PORT='$(cat "$DIR/ssh/port")'
ENV
}

stop_tls_ssh() {
  if [ -d "$DIR/pgtls/data" ]; then as_user postgres "$(pg_bin)/pg_ctl" -D "$DIR/pgtls/data" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ -f "$DIR/mytls/pid" ]; then kill "$(cat "$DIR/mytls/pid")" 2>/dev/null || true; fi
  if [ -f "$DIR/ssh/pid" ]; then kill "$(cat "$DIR/ssh/pid")" 2>/dev/null || true; fi
}

case "${1:-start}" in
  start)
    mkdir -p "$DIR"; chmod 755 "$DIR"
    ensure_postgres_installed
    ensure_mariadb_installed
    start_postgres
    start_mariadb
    ensure_sshd_installed
    make_pki
    start_postgres_tls
    start_mariadb_tls
    start_sshd
    start_s3
    write_env
    write_env_tls_ssh
    cat "$ENV_FILE"
    ;;
  stop)
    if [ -d "$DIR/pg/data" ]; then as_user postgres "$(pg_bin)/pg_ctl" -D "$DIR/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
    if [ -f "$DIR/my/pid" ]; then kill "$(cat "$DIR/my/pid")" 2>/dev/null || true; fi
    stop_tls_ssh
    if [ -f "$DIR/s3/pid" ]; then kill "$(cat "$DIR/s3/pid")" 2>/dev/null || true; rm -f "$DIR/s3/pid"; fi
    ;;
  env)
    cat "$ENV_FILE"
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
