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
