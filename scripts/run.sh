#!/usr/bin/env bash
# Set everything up and serve the demo on http://127.0.0.1:8000 (SQLite, files under var/).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-system.sh
./scripts/venv.sh
mkdir -p var
# Served as users see it: DEBUG off (Chinese 404/500 pages, not Django's technical ones), over plain
# http on loopback (HTTPS=0), static files by WhiteNoise, uploaded images by Django (SERVE_MEDIA=1).
# DEBUG=1 ./scripts/run.sh gives the developer's pages back.
if [ ! -s var/secret_key ]; then
  .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
fi
export DEBUG="${DEBUG:-0}" HTTPS="${HTTPS:-0}" SERVE_MEDIA="${SERVE_MEDIA:-1}"
export SECRET_KEY="${SECRET_KEY:-$(cat var/secret_key)}"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py load_demo
# The task queue's worker (mail about issued issues) runs beside the web server and stops with it:
# the database queue's by default; with TASKS_REDIS_URL, RQ's worker with its scheduler (deferred tasks:
# mail retries and the periodic mail sweep) and the job class django-tasks-rq requires (docs/mail.md).
if [ -n "${TASKS_REDIS_URL:-}" ]; then
  .venv/bin/python manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job &
else
  .venv/bin/python manage.py db_worker --no-reload &
fi
worker=$!
trap 'kill "$worker" 2>/dev/null' EXIT INT TERM
# Served by gunicorn, as a small office can run it for real (not Django's development server):
# two workers, the render budget within gunicorn's timeout (BULLETIN_RENDER_TIMEOUT < 60 s); DEBUG=1 reloads on
# code changes.
reload=()
[ "$DEBUG" = "1" ] && reload=(--reload)
.venv/bin/gunicorn bulletin_cms.wsgi --bind "${ADDR:-127.0.0.1:8000}" --workers "${WEB_WORKERS:-2}" --timeout 60 \
  --access-logfile - "${reload[@]}"
