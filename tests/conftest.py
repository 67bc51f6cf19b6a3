"""Shared fixtures: users in each role, issues in each state, and the fontTools guard."""

import logging

import pytest

FONTTOOLS_FALLBACK = "Using fontTools instead of HarfBuzz-Subset"


class _FallbackDetector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.seen = []

    def emit(self, record):
        if FONTTOOLS_FALLBACK in record.getMessage():
            self.seen.append(record.getMessage())


@pytest.fixture(autouse=True)
def fail_on_fonttools_fallback():
    """WeasyPrint subsetting CJK fonts with fontTools is ~40x slower: treat it as an error."""
    detector = _FallbackDetector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(detector)
    yield
    logger.removeHandler(detector)
    assert not detector.seen, f"WeasyPrint fell back to fontTools (install libharfbuzz-subset0): {detector.seen[0]}"


@pytest.fixture(autouse=True)
def _media_in_tmp(tmp_path):
    """Every test writes its files (issued PDFs, uploads) under its own temporary folder."""
    from tests.factories import files_in

    with files_in(tmp_path):
        yield


FAKE_PDF = b"%PDF-1.7\n% fake for tests\n%%EOF\n"


@pytest.fixture
def fake_pdf(monkeypatch):
    """Issue without rendering: render_issue returns a tiny fixed PDF (for tests about the workflow, not the PDF)."""
    from articles.printing import renderer

    calls = []

    def render_issue(issue, *, preview, **kwargs):
        calls.append((issue.pk, preview))
        return renderer.RenderedPdf(content=FAKE_PDF, pages=1)

    monkeypatch.setattr(renderer, "render_issue", render_issue)
    # The fake bytes are no PDF/A: the validators run on real renders only.
    from articles import services

    monkeypatch.setattr(services, "_pdfa_check", lambda issue, content: [])
    return calls


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Tasks run when enqueued, unless a test asks for the database queue and its worker (test_tasks.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every factory user gets a password; PBKDF2 would make that the slowest part of the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Hypothesis: one set of profiles for every property test (docs/pdf.md, "Every body renders") -------------
# HYPOTHESIS_PROFILE=ci (the default) keeps the property tests under a minute on two cores;
# HYPOTHESIS_PROFILE=long explores many more inputs (tens of minutes). Rendering takes 0.3–1 s an issue, so no
# deadline applies, and fixtures shared by the examples of one test are shared on purpose.
import os  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                              HealthCheck.data_too_large, HealthCheck.large_base_example],
    "print_blob": True,
}
# ci: the same examples on every run (a CI result never depends on luck); long: new ones each time, and the
# failing ones kept under var/ (ignored by git) to be tried first on the next run.
settings.register_profile("ci", max_examples=6, derandomize=True, **_COMMON)
_FAILED_EXAMPLES = DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[1] / "var" / "hypothesis")
settings.register_profile("long", max_examples=300, database=_FAILED_EXAMPLES, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The portal caches issued issues by primary key, and a rolled-back test's keys come back in the next test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
