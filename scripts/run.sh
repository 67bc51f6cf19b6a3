#!/usr/bin/env bash
# Set everything up and serve the demo on http://127.0.0.1:8000 (SQLite, files under var/).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-system.sh
./scripts/venv.sh
mkdir -p var
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_demo
exec .venv/bin/python manage.py runserver "${ADDR:-127.0.0.1:8000}"
