"""The interface speaks Chinese: the zh-hans catalogue is complete and compiled."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"

needs_msgfmt = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")


@needs_msgfmt
def test_every_project_string_has_a_chinese_translation():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(LOCALE / "django.po")],
        capture_output=True, text=True, check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@needs_msgfmt
def test_the_committed_catalogue_is_compiled_from_the_current_po(tmp_path):
    subprocess.run(["msgfmt", "-o", str(tmp_path / "django.mo"), str(LOCALE / "django.po")], check=True)
    assert (tmp_path / "django.mo").read_bytes() == (LOCALE / "django.mo").read_bytes(), (
        "run: python manage.py compilemessages -l zh_Hans --ignore=.venv"
    )


def test_the_default_language_is_simplified_chinese(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Submit for review") == "送审"


@pytest.mark.parametrize(("typed", "day"), [
    ("2026年12月3日", "2026-12-03"), ("2026年12月03日", "2026-12-03"), ("2026-12-3", "2026-12-03"),
    ("2026/12/3", "2026-12-03"), ("2026.12.3", "2026-12-03"), ("2026-12-03", "2026-12-03"),
])
def test_dates_are_accepted_as_offices_type_them(typed, day):
    from django import forms

    with translation.override("zh-hans"):
        assert forms.DateField().clean(typed).isoformat() == day


def test_a_date_that_is_not_one_is_refused_in_chinese():
    from django import forms
    from django.core.exceptions import ValidationError

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        forms.DateField().clean("2026年13月3日")
    assert "日期" in refused.value.messages[0]
