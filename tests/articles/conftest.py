"""Hypothesis profiles for the property tests of this folder (docs/pdf.md, "Every body renders"); a fresh cache.

HYPOTHESIS_PROFILE=ci (the default) keeps the property tests under a minute on two cores;
HYPOTHESIS_PROFILE=long explores many more bodies (tens of minutes). Rendering takes 0.3–1 s an issue,
so no deadline applies, and the fixtures that give an example its media folder and users are shared by
the examples of one test on purpose.
"""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                              HealthCheck.data_too_large, HealthCheck.large_base_example],
    # Failing examples are kept under var/ (ignored by git) and tried first on the next run.
    "database": DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[2] / "var" / "hypothesis"),
    "print_blob": True,
}
settings.register_profile("ci", max_examples=6, **_COMMON)
settings.register_profile("long", max_examples=300, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))



@pytest.fixture(autouse=True)
def _fresh_cache():
    """The portal caches issued issues by primary key, and a rolled-back test's keys come back in the next test."""
    cache.clear()
    yield
    cache.clear()
