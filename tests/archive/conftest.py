"""Archive fixtures: issued issues with meeting and award facts."""

import datetime

import pytest

from articles import services
from articles.models import Article, Award, Issue, Meeting
from tests.factories import SeriesFactory, draft_issue, leader


@pytest.fixture
def series():
    return SeriesFactory(name="地方志工作信息", compiling_office="四川省地方志工作办公室")


def issued(*, series, issue_date, meetings=(), awards=(), titles=(), **fields):
    """An issue of `series` issued through the real workflow, with a meeting report per dict in `meetings`
    (Meeting fields), an award notice per dict in `awards` (Award fields) and a general article per title."""
    issue = draft_issue(series=series, articles=0, issue_date=issue_date, **fields)
    position = 0
    for kind, model, facts in [*((Article.Kind.MEETING, Meeting, dict(f)) for f in meetings),
                               *((Article.Kind.AWARD, Award, dict(f)) for f in awards),
                               *((Article.Kind.GENERAL, None, {"title": t}) for t in titles)]:
        position += 1
        title = facts.pop("title", None) or f"第{position}篇"
        article = Article.objects.create(issue=issue, position=position, kind=kind, title=title, body="<p>正文。</p>")
        if model is not None:
            model.objects.create(article=article, **facts)
    issue = services.issue_submit(issue=issue, actor=issue.created_by)
    issue = services.issue_approve(issue=issue, actor=leader())
    assert issue.status == Issue.Status.ISSUED
    return issue


def day(month, dom, year=2021):
    return datetime.date(year, month, dom)
