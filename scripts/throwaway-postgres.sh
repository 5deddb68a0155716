#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks: initdb in a new temporary folder, the
# server on 127.0.0.1:PORT (trust authentication, no fsync), its URL and data folder printed on one
# line once it accepts connections — then it runs until this script's standard input closes, and is
# stopped and removed. Used by .ci/run (HPS_TEST_POSTGRES) and by the tests when that is not set.
#
#   scripts/throwaway-postgres.sh PORT     → prints "postgres://postgres@127.0.0.1:PORT/postgres DATADIR"
#
# PostgreSQL refuses to run as root: as root, the script runs itself as the `postgres` user.
set -euo pipefail
port=${1:?usage: throwaway-postgres.sh PORT}
if [ "$(id -u)" = 0 ]; then
  exec runuser -u postgres -- "$0" "$@"
fi
bin=$(pg_config --bindir 2>/dev/null || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "throwaway-postgres: no PostgreSQL server here; install it (apt-get install postgresql)" >&2
  exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/hps-postgres.XXXXXX")
stop() {
  "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
echo "postgres://postgres@127.0.0.1:$port/postgres $dir/data"
# Until whoever started us closes our standard input (or exits).
cat >/dev/null || true
