#!/usr/bin/env bash
# With DATABASE_URL pointing at PostgreSQL, create the database on first run (SQLite needs nothing).
set -euo pipefail
url=${DATABASE_URL:-}
case "$url" in
  postgres://*|postgresql://*) ;;
  *) exit 0 ;;
esac
name=${url##*/}; name=${name%%\?*}
base=${url%/*}
if ! psql "$base/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1; then
  psql "$base/postgres" -qc "CREATE DATABASE \"$name\""
  echo "Created PostgreSQL database $name."
fi
