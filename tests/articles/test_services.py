"""The draft → review → issued workflow: who may do what, in which state, and what it leaves behind."""

import datetime
import hashlib
from pathlib import Path

import pdfplumber
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import storages
from django.db import DatabaseError
from django.utils.translation import gettext

from articles import services
from articles.models import Issue, IssueLog
from articles.printing import renderer
from tests.factories import (
    RecipientFactory,
    SeriesFactory,
    draft_issue,
    editor,
    editor_leader,
    issue_in,
    leader,
    nobody,
    superuser,
)

pytestmark = pytest.mark.django_db
Status = Issue.Status

ROLES = {"nobody": nobody, "editor": editor, "leader": leader, "superuser": superuser}
TRANSITIONS = {
    "submit": services.issue_submit,
    "return": services.issue_return,
    "approve": services.issue_approve,
}
COMMENT = "请补充第二季度数据。"


def run(transition, issue, actor, comment=COMMENT):
    return TRANSITIONS[transition](issue=issue, actor=actor, comment=comment)


def stored_files():
    location = storages["private"].location
    return sorted(str(p.relative_to(location)) for p in Path(location).rglob("*") if p.is_file())


# The matrix of who may do what, in which state and at which step, is in test_workflow.py.


@pytest.mark.parametrize(("transition", "state"), [("submit", Status.DRAFT), ("return", Status.REVIEW),
                                                   ("approve", Status.REVIEW)])
def test_an_anonymous_user_cannot_move_an_issue(transition, state, fake_pdf):
    issue = issue_in(state)

    with pytest.raises(services.WorkflowError) as refused:
        run(transition, issue, AnonymousUser())

    assert refused.value.code == "permission"
    issue.refresh_from_db()
    assert issue.status == state


@pytest.mark.parametrize(("role", "allowed"), [("nobody", False), ("editor", True), ("leader", False),
                                               ("superuser", True)])
def test_only_drafters_can_create_a_draft(role, allowed):
    actor = ROLES[role]()
    fields = {"year": 2025, "issue_date": datetime.date(2025, 3, 1), "print_date": datetime.date(2025, 3, 2)}
    if not allowed:
        with pytest.raises(services.WorkflowError) as refused:
            services.issue_create(series=SeriesFactory(), actor=actor, **fields)
        assert refused.value.messages == [gettext("You are not allowed to draft issues.")]
        assert not Issue.objects.exists()
        return
    issue = services.issue_create(series=SeriesFactory(), actor=actor, **fields)
    assert (issue.status, issue.created_by, issue.number) == (Status.DRAFT, actor, None)
    entry = issue.log.get()
    assert (entry.action, entry.actor, entry.from_status, entry.to_status) == ("issue.create", actor, "", Status.DRAFT)


def test_an_editor_cannot_submit_an_issue_without_articles():
    author = editor()
    issue = draft_issue(author=author, articles=0)

    with pytest.raises(services.WorkflowError) as refused:
        services.issue_submit(issue=issue, actor=author)

    assert refused.value.code == "empty"
    assert refused.value.messages == [gettext("An issue needs at least one article before it can be submitted.")]
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT and issue.submitted_by is None
    assert issue.log.count() == 1


@pytest.mark.parametrize("comment", ["", "   \n ", None], ids=["empty", "blank", "missing"])
def test_a_leader_cannot_return_an_issue_without_saying_why(comment):
    issue = issue_in(Status.REVIEW)

    with pytest.raises(services.WorkflowError) as refused:
        services.issue_return(issue=issue, actor=leader(), comment=comment)

    assert refused.value.code == "comment"
    assert refused.value.messages == [gettext("Say why the issue is returned: the comment is required.")]
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    assert not issue.log.filter(action="issue.return").exists()


def test_a_returned_issue_keeps_the_comment_and_can_be_submitted_again():
    author = editor()
    issue = issue_in(Status.REVIEW, author=author)
    boss = leader()

    services.issue_return(issue=issue, actor=boss, comment="  标题请改为两行。 ")
    issue = services.issue_submit(issue=issue, actor=author)

    assert issue.status == Status.REVIEW
    assert list(issue.log.values_list("action", "from_status", "to_status", "comment")) == [
        ("issue.create", "", Status.DRAFT, ""),
        ("issue.submit", Status.DRAFT, Status.REVIEW, ""),
        ("issue.return", Status.REVIEW, Status.DRAFT, "标题请改为两行。"),
        ("issue.submit", Status.DRAFT, Status.REVIEW, ""),
    ]


def test_a_leader_cannot_issue_what_they_submitted_themselves(fake_pdf):
    both = editor_leader()
    issue = issue_in(Status.REVIEW, author=both)

    with pytest.raises(services.WorkflowError) as refused:
        services.issue_approve(issue=issue, actor=both)

    assert refused.value.code == "self_approval"
    assert refused.value.messages == [gettext(
        "You submitted this issue yourself; another member of %(group)s must approve the step %(step)s.")
        % {"group": "领导", "step": "签发"}]
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW and issue.number is None
    assert stored_files() == []


def test_another_leader_can_issue_what_a_leader_submitted(fake_pdf):
    issue = issue_in(Status.REVIEW, author=editor_leader())

    issue = services.issue_approve(issue=issue, actor=leader())

    assert issue.status == Status.ISSUED


def test_a_leader_can_issue_what_they_submitted_when_self_approval_is_allowed(settings, fake_pdf):
    settings.BULLETIN_ALLOW_SELF_APPROVAL = True
    both = editor_leader()
    issue = issue_in(Status.REVIEW, author=both)

    issue = services.issue_approve(issue=issue, actor=both)

    assert issue.status == Status.ISSUED
    assert issue.submitted_by == issue.issued_by == both


def test_the_leader_who_returned_and_resubmitted_cannot_issue_it_either(fake_pdf):
    both = editor_leader()
    issue = issue_in(Status.REVIEW)
    services.issue_return(issue=issue, actor=both, comment="改一下。")
    services.issue_submit(issue=issue, actor=both)

    with pytest.raises(services.WorkflowError) as refused:
        services.issue_approve(issue=issue, actor=both)

    assert refused.value.code == "self_approval"


def test_issuing_stores_the_rendered_pdf_with_its_size_pages_and_checksum():
    issue = issue_in(Status.REVIEW)

    issue = services.issue_approve(issue=issue, actor=leader())

    issue.refresh_from_db()
    with issue.pdf_file.open("rb") as fh:
        content = fh.read()
    assert content.startswith(b"%PDF-")
    assert issue.pdf_size == len(content)
    assert issue.pdf_pages >= 1
    assert issue.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert issue.pdf_file.name == f"issues/{issue.series_id}/{issue.year}/001.pdf"
    assert stored_files() == [issue.pdf_file.name]
    assert list(services.verify_stored_pdfs()) == [(issue, None)]


def test_issuing_stores_the_official_pdf_numbered_and_without_a_preview_watermark():
    issue = issue_in(Status.REVIEW)

    issue = services.issue_approve(issue=issue, actor=leader())

    with issue.pdf_file.open("rb") as fh, pdfplumber.open(fh) as document:
        text = "".join(page.extract_text() or "" for page in document.pages).replace(" ", "")
    assert "第1期（总第1期）" in text
    assert not any(mark in text for mark in renderer.WATERMARKS.values())


def test_recipients_are_told_only_after_the_issue_is_committed(fake_pdf, django_capture_on_commit_callbacks):
    issue = issue_in(Status.REVIEW)

    with django_capture_on_commit_callbacks() as callbacks:
        services.issue_approve(issue=issue, actor=leader())
    assert len([c for c in callbacks if c.__qualname__.startswith("issue_mail_enqueue")]) == 1

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(services.WorkflowError):
        services.issue_approve(issue=issue, actor=leader())
    assert callbacks == []


# --- numbering ------------------------------------------------------------------------------------------


def reviewed(series, year, month=3):
    return issue_in(Status.REVIEW, series=series, issue_date=datetime.date(year, month, 1))


def publish(issue):
    return services.issue_approve(issue=issue, actor=leader())


def test_numbers_are_gapless_in_the_order_issues_are_issued(fake_pdf):
    series = SeriesFactory()
    first, second, third = (reviewed(series, 2025, month) for month in (5, 3, 4))
    returned = reviewed(series, 2025)
    services.issue_return(issue=returned, actor=leader(), comment="暂缓。")

    numbers = [(publish(i).number, Issue.objects.get(pk=i.pk).total_number) for i in (first, second, third)]

    assert numbers == [(1, 1), (2, 2), (3, 3)]
    returned.refresh_from_db()
    assert returned.number is None


def test_numbering_restarts_each_year_and_the_running_total_continues(fake_pdf):
    series = SeriesFactory()
    issues = [reviewed(series, 2025), reviewed(series, 2025), reviewed(series, 2026), reviewed(series, 2026)]

    for issue in issues:
        publish(issue)

    assert list(Issue.objects.filter(series=series).order_by("total_number").values_list(
        "year", "number", "total_number")) == [(2025, 1, 1), (2025, 2, 2), (2026, 1, 3), (2026, 2, 4)]


def test_a_late_issue_of_last_year_takes_the_next_number_of_that_year(fake_pdf):
    series = SeriesFactory()
    publish(reviewed(series, 2025))
    publish(reviewed(series, 2026))

    late = publish(reviewed(series, 2025, month=12))

    assert (late.year, late.number, late.total_number) == (2025, 2, 3)


def test_the_running_total_continues_from_the_issues_before_this_system(fake_pdf):
    series = SeriesFactory(total_number_offset=120)

    first = publish(reviewed(series, 2025))
    second = publish(reviewed(series, 2025))

    assert [(first.number, first.total_number), (second.number, second.total_number)] == [(1, 121), (2, 122)]


def test_a_supplement_series_is_numbered_apart_from_the_main_series(fake_pdf):
    main = SeriesFactory(total_number_offset=40)
    supplement = SeriesFactory(name="测试工作信息（增刊）", is_supplement=True)
    publish(reviewed(main, 2025))
    publish(reviewed(main, 2025))

    extra = publish(reviewed(supplement, 2025))
    third = publish(reviewed(main, 2025))

    assert (extra.number, extra.total_number) == (1, 1)
    assert (third.number, third.total_number) == (3, 43)


# --- failures while issuing ------------------------------------------------------------------------------


def test_a_pdf_that_cannot_be_rendered_leaves_the_issue_under_review_and_burns_no_number(monkeypatch, fake_pdf):
    series = SeriesFactory()
    issue = reviewed(series, 2025)
    good_render = renderer.render_issue

    def broken(issue, *, preview, **kwargs):
        raise renderer.PdfRenderError("找不到字体")

    monkeypatch.setattr(renderer, "render_issue", broken)
    with pytest.raises(services.WorkflowError) as refused:
        publish(issue)

    assert refused.value.code == "render"
    assert "找不到字体" in refused.value.messages[0]
    issue.refresh_from_db()
    assert (issue.status, issue.number, issue.total_number, issue.issued_by, issue.pdf_file.name) == (
        Status.REVIEW, None, None, None, "",
    )
    assert not issue.log.filter(action="issue.issue").exists()
    assert stored_files() == []

    monkeypatch.setattr(renderer, "render_issue", good_render)
    assert (publish(issue).number, publish(reviewed(series, 2025)).number) == (1, 2)


def test_a_failing_log_write_leaves_the_issue_under_review_and_no_stored_file(monkeypatch, fake_pdf):
    issue = reviewed(SeriesFactory(), 2025)

    def disk_full(*args, **kwargs):
        raise DatabaseError("could not extend file")

    with monkeypatch.context() as patch:
        patch.setattr(IssueLog, "save", disk_full)
        with pytest.raises(DatabaseError):
            publish(issue)

    issue.refresh_from_db()
    assert (issue.status, issue.number, issue.pdf_file.name, issue.pdf_sha256) == (Status.REVIEW, None, "", "")
    assert stored_files() == []

    issued = publish(issue)
    assert issued.number == 1
    assert stored_files() == [f"issues/{issue.series_id}/2025/001.pdf"]


def test_the_address_lines_are_frozen_when_the_issue_is_issued(fake_pdf):
    from articles.models import Distribution, Role
    from articles.selectors import address_lines

    unit = RecipientFactory(name="省直机关工委")
    issue = draft_issue()
    Distribution.objects.create(issue=issue, recipient=unit, role=Role.REPORT)
    issue = services.issue_submit(issue=issue, actor=issue.created_by)
    issue = services.issue_approve(issue=issue, actor=leader())

    unit.name = "改名后的单位"
    unit.save()

    assert address_lines(Issue.objects.get(pk=issue.pk)) == [("报", "省直机关工委。")]
