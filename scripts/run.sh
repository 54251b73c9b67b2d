#!/usr/bin/env bash
# Serve the app; with REDIS_URL set, also a Celery worker and beat that stop with the server.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:-127.0.0.1}; port=${2:-8000}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
if [ -n "${REDIS_URL:-}" ]; then
  # Each logs every job it runs (received, succeeded or failed; beat: each job it sends) to its own file.
  mkdir -p var/log
  .venv/bin/celery -A relief worker -l info --concurrency 2 --logfile var/log/celery-worker.log & pids+=($!)
  .venv/bin/celery -A relief beat -l info --pidfile var/celerybeat.pid --logfile var/log/celery-beat.log & pids+=($!)
  echo "Celery worker and beat started (broker: $REDIS_URL); they log what they run to var/log/celery-worker.log and var/log/celery-beat.log."
else
  echo "REDIS_URL is not set: background jobs run in-process (no worker, no schedule)."
fi
# With DEBUG off (the default) runserver serves no static files; whitenoise serves them from var/static.
.venv/bin/python manage.py collectstatic --noinput -v0
echo
.venv/bin/python manage.py load_demo | sed -n '1,40p'
echo
echo "Open http://$host:$port/ and log in with one of the accounts above."
.venv/bin/python manage.py runserver "$host:$port" --noreload
