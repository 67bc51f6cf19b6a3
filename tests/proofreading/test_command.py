"""manage.py proofread ISSUE_ID [--format json]."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_json_lists_each_finding_with_exactly_the_agreed_keys():
    issue = factories.draft_issue(body="<p>截止目前，全市已完成任务。</p>")
    out = StringIO()
    call_command("proofread", str(issue.pk), "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert list(data) == ["findings"]
    assert data["findings"] == [{"article": issue.articles.get().pk, "quote": "截止目前", "kind": "wording",
                                 "message": data["findings"][0]["message"], "suggestion": "截至目前"}]
    assert "截至" in data["findings"][0]["message"]


def test_the_text_format_says_how_many():
    issue = factories.draft_issue(body="<p>正文。</p>")
    out = StringIO()
    call_command("proofread", str(issue.pk), stdout=out)
    assert "0" in out.getvalue()


def test_an_unknown_issue_is_an_error():
    with pytest.raises(CommandError):
        call_command("proofread", "999999")
