"""The benchmark data set: issued rows that satisfy the constraints, built in bulk, loaded once."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import translation

from articles.models import Article, Distribution, Issue, Recipient
from distribution.models import Receipt
from distribution.selectors import issues_visible_to

pytestmark = pytest.mark.django_db


def test_generate_bench_data_builds_valid_issued_issues_once(capsys):
    with translation.override("en"):
        call_command("generate_bench_data", "--years", "2", "--per-year", "5", "--units", "30",
                     "--distributions", "40")
    assert "10 issues" in capsys.readouterr().out
    issues = Issue.objects.filter(series__name="基准测试工作信息")
    assert issues.count() == issues.issued().count() == 10
    assert Article.objects.filter(issue__in=issues).count() == 20
    assert Recipient.objects.filter(name__startswith="基准单位").count() == 30
    assert Distribution.objects.filter(issue__in=issues).count() == 40
    assert Receipt.objects.filter(issue__in=issues).count() == 40  # as issuing would have made them
    issue = issues.first()
    with issue.pdf_file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    # 依申请公开 ones are hidden from the public.
    assert issues_visible_to(AnonymousUser()).filter(series__name="基准测试工作信息").count() == 8

    with translation.override("en"):
        call_command("generate_bench_data")
    assert "already present" in capsys.readouterr().out
    assert Issue.objects.filter(series__name="基准测试工作信息").count() == 10
