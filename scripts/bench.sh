#!/usr/bin/env bash
# Benchmarks run in a database of their own, never the one `make run` uses: a separate
# PostgreSQL database on the server of DATABASE_URL when it is set, else a temporary SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
bench_db=${BENCH_DB:-relief_bench}
if [ -n "${DATABASE_URL:-}" ]; then
  base=${DATABASE_URL%/*}
  export DATABASE_URL="$base/$bench_db"
  # BENCH_KEEP=1 reuses a database an earlier run seeded (seeding then skips what is there).
  if [ "${BENCH_KEEP:-0}" != 1 ] || ! psql "$base/$bench_db" -qc "SELECT 1" >/dev/null 2>&1; then
    psql "$base/postgres" -qc "DROP DATABASE IF EXISTS $bench_db" >/dev/null
    psql "$base/postgres" -qc "CREATE DATABASE $bench_db" >/dev/null
  fi
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  export DATABASE_URL="sqlite:///$tmp/bench.sqlite3"
fi
export AXES_ENABLED=0
# Jobs run in-process (no broker); the cache stays in Redis when there is one, as in a deployment.
if [ -n "${REDIS_URL:-}" ]; then export RELIEF_CACHE_URL=${RELIEF_CACHE_URL:-$REDIS_URL}; fi
unset REDIS_URL
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py bench "$@"
