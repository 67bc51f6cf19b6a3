"""The justification patch touches WeasyPrint on the render path only, so a version mismatch never stops the site."""

import subprocess
import sys

import pytest
from django.core.checks import run_checks
from weasyprint.layout import inline

from articles.models import Issue
from articles.printing import justify, renderer
from tests.factories import issue_in

SETUP_ONLY = """
import weasyprint
weasyprint.__version__ = "71.0"  # a WeasyPrint this patch was not written for
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")
django.setup()
import articles.admin, distribution.admin, bulletin_cms.urls  # everything the site imports
from weasyprint.layout import inline
from articles.printing import justify
print(inline.justify_line is justify.justify_line)
"""


def test_starting_the_site_patches_nothing_even_with_another_weasyprint():
    result = subprocess.run([sys.executable, "-c", SETUP_ONLY], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.django_db
def test_with_another_weasyprint_a_render_fails_in_chinese_and_the_check_warns(monkeypatch, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    monkeypatch.setattr(inline, "justify_line", justify._original)
    monkeypatch.setattr(justify.weasyprint, "__version__", "71.0")
    issue = issue_in(Issue.Status.DRAFT)

    with pytest.raises(renderer.PdfRenderError, match="印制版式需要 WeasyPrint 70，本服务器安装的是 WeasyPrint 71.0"):
        renderer.render_issue(issue, preview=True)
    assert "articles.W003" in [message.id for message in run_checks()]


@pytest.mark.django_db
def test_the_first_render_installs_the_patch():
    renderer.render_issue(issue_in(Issue.Status.DRAFT), preview=True)
    assert inline.justify_line is justify.justify_line
    assert "articles.W003" not in [message.id for message in run_checks()]
