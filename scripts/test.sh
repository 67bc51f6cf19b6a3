#!/usr/bin/env bash
# Run the whole test suite: SQLite by default, PostgreSQL when DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-system.sh
./scripts/venv.sh
# The two OFD readers of tests/ofd: ofd.js (npm ci) and easyofd (a virtualenv of its own).
./scripts/ofdjs.sh
./scripts/easyofd.sh
# One worker per CPU (pytest-xdist); PYTEST_WORKERS=0 runs everything in this process.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" "$@"
