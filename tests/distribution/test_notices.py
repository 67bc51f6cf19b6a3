"""Workflow notices, each a task: an issue reaching a step tells that step's group; returned or issued tells
the drafter. The one who acted is not told of their own act."""

import pytest

from articles import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {"editor": factories.editor(email="editor@example.org"),
            "chief": factories.chief(email="chief@example.org"),
            "other_chief": factories.chief(email="chief2@example.org"),
            "leader": factories.leader(email="leader@example.org")}


def sent(mailoutbox):
    return sorted((m.to[0], m.subject) for m in mailoutbox)


def test_each_step_tells_its_group_and_the_end_tells_the_drafter(people, mailoutbox, fake_pdf,
                                                                   django_capture_on_commit_callbacks):
    issue = factories.draft_issue(author=people["editor"], series=factories.two_step_series())
    with django_capture_on_commit_callbacks(execute=True):
        issue = services.issue_submit(issue=issue, actor=people["editor"])
    assert [to for to, _subject in sent(mailoutbox)] == ["chief2@example.org", "chief@example.org"]
    assert all("核稿" in subject for _to, subject in sent(mailoutbox))

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        issue = services.issue_approve(issue=issue, actor=people["chief"])
    assert [to for to, _subject in sent(mailoutbox)] == ["leader@example.org"]
    assert "签发" in mailoutbox[0].subject

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_approve(issue=issue, actor=people["leader"])
    issue.refresh_from_db()
    assert [to for to, _subject in sent(mailoutbox)] == ["editor@example.org"]
    assert str(issue) in mailoutbox[0].subject and "主任" not in mailoutbox[0].to[0]


def test_a_return_tells_the_drafter_why(people, mailoutbox, django_capture_on_commit_callbacks):
    issue = factories.draft_issue(author=people["editor"], series=factories.two_step_series())
    issue = services.issue_submit(issue=issue, actor=people["editor"])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_return(issue=issue, actor=people["chief"], comment="第二段数据请核实")
    assert [m.to for m in mailoutbox] == [["editor@example.org"]]
    assert "第二段数据请核实" in mailoutbox[0].body and "退回" in mailoutbox[0].subject
