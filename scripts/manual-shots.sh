#!/usr/bin/env bash
# Copy the screenshots the browser tests took (/tmp/e2e-*.png) that docs/用户手册.md shows into docs/manual/.
# Run after ./scripts/test.sh tests/e2e, then look at them before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/manual
for name in $(grep -o 'manual/e2e-[a-z0-9-]*\.png' docs/用户手册.md | sort -u); do
  cp "/tmp/$(basename "$name")" "docs/$name"
done
ls -l docs/manual
