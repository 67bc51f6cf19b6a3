#!/usr/bin/env bash
# Install ofd.js, the second OFD reader of tests/ofd/test_ofdjs.py, into tests/ofd/ofdjs/node_modules with npm ci
# when its package-lock.json changed (called by test.sh; npm comes from setup-system.sh).
set -euo pipefail
cd "$(dirname "$0")/../tests/ofd/ofdjs"
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if ! command -v npm >/dev/null; then
    # Like chromium, npm is optional in setup-system.sh; the ofd.js test then fails and says so (skips without chromium).
    echo "ofdjs: npm is missing (scripts/setup-system.sh installs it); ofd.js is not installed" >&2
    exit 0
  fi
  # .npmrc beside package.json: no install scripts run, no audit.
  npm ci --loglevel=error
  echo "$want" > "$stamp"
fi
