#!/usr/bin/env bash
# Run the whole test suite against real servers: starts throwaway PostgreSQL
# and MariaDB instances (installing them with apt when missing), exports
# their URLs, then runs cargo test. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

services="$(scripts/test-services.sh start)"
eval "$services"
if [ "${CI:-}" = "true" ] || [ -n "${DBN_STOP_SERVICES:-}" ]; then
  trap 'scripts/test-services.sh stop' EXIT
fi

cargo test --locked --no-fail-fast "$@"
