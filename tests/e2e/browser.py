"""What every browser test shares: Debian's chromium and its flags, the marks, where screenshots go.

The `browser` fixture is in conftest.py; each test module sets `pytestmark = MARKS`.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
SHOTS = Path("/tmp")
NEEDS_CHROMIUM = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="/usr/bin/chromium is missing (scripts/setup-system.sh installs it)")
MARKS = [pytest.mark.browser, pytest.mark.django_db(transaction=True), NEEDS_CHROMIUM]
