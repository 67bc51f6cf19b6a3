#!/usr/bin/env bash
# Create .venv-easyofd with easyofd (tests/ofd/easyofd-requirements.txt) when that file changed (called by test.sh):
# the easyofd reader checks of tests/ofd/test_readers.py run in it, apart from the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
requirements=tests/ofd/easyofd-requirements.txt
stamp=.venv-easyofd/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x .venv-easyofd/bin/python ]; then
  "$PYTHON" -m venv .venv-easyofd
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv-easyofd/bin/python -m pip install -q -r "$requirements"
  echo "$want" > "$stamp"
fi
