"""信息报送: units submit 稿件 on the portal, editors adopt, merge, decline or return them."""

import types

import pdfplumber
import pikepdf
import pytest
from django.core import mail
from django.urls import reverse

from articles.content.limits import LIMITS
from articles.models import Article, Column, Issue
from distribution import services
from distribution.models import Submission, SubmissionLog
from distribution.services import SubmissionError
from tests import factories

pytestmark = pytest.mark.django_db
Status = Submission.Status


@pytest.fixture
def w(db):
    unit_a = factories.RecipientFactory(name="成都市地方志工作办公室", email="a@example.org")
    unit_b = factories.RecipientFactory(name="自贡市地方志办公室", email="b@example.org")
    editor = factories.editor()
    issue = factories.draft_issue(author=editor, articles=0)
    return types.SimpleNamespace(
        unit_a=unit_a, unit_b=unit_b, editor=editor, issue=issue,
        reader_a=factories.reader(unit_a), reader_b=factories.reader(unit_b), nobody=factories.nobody(),
        column=Column.objects.create(series=issue.series, name="市州动态", position=1),
        focus=Column.objects.create(series=issue.series, name="特别关注", position=0),
    )


def submit(w, unit=None, actor=None, **fields):
    fields = {"title": "成都市召开年鉴编纂工作会", "text": "第一段。\n第二段<b>加粗</b>。", "contact_name": "张三",
              "contact_phone": "028-12345678", **fields}
    return services.submission_create(actor=actor or w.reader_a, unit=unit or w.unit_a, **fields)


def test_a_unit_account_submits_plain_text_stored_escaped(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(w)
    assert submission.status == Status.SUBMITTED
    assert submission.body == "<p>第一段。</p><p>第二段&lt;b&gt;加粗&lt;/b&gt;。</p>"
    assert list(submission.log.values_list("action", flat=True)) == ["submission.create"]
    assert [m.to for m in mail.outbox] == [["a@example.org"]]


def test_a_unit_account_cannot_submit_for_another_unit(w):
    with pytest.raises(SubmissionError):
        submit(w, unit=w.unit_b)
    with pytest.raises(SubmissionError):
        submit(w, actor=w.nobody)
    assert not Submission.objects.exists()


def test_a_submission_over_the_article_limits_is_refused_and_nothing_kept(w):
    with pytest.raises(Exception) as exc:
        submit(w, text="字" * (LIMITS.max_chars + 1))
    assert exc.value.messages
    assert not Submission.objects.exists() and not SubmissionLog.objects.exists()


def test_adopting_makes_an_article_credited_to_the_unit_with_the_text_as_a_revision(w):
    submission = submit(w)
    article = services.submission_adopt(submission=submission, actor=w.editor, issue=w.issue, column=w.column)
    submission.refresh_from_db()
    assert submission.status == Status.ADOPTED and submission.adopted_article == article
    assert article.source == "成都市地方志工作办公室" and article.column == w.column
    assert article.body == submission.body
    latest = w.issue.revisions.order_by("-number").first()
    assert "成都市地方志工作办公室" in latest.revision.comment


def test_only_editors_adopt_and_only_pending_submissions(w):
    submission = submit(w)
    for actor in (w.reader_a, w.nobody):
        with pytest.raises(SubmissionError):
            services.submission_adopt(submission=submission, actor=actor, issue=w.issue)
    services.submission_decline(submission=submission, actor=w.editor, reason="内容重复")
    with pytest.raises(SubmissionError):
        services.submission_adopt(submission=submission, actor=w.editor, issue=w.issue)
    assert not Article.objects.filter(issue=w.issue).exists()


def test_adopting_into_an_issue_that_is_not_a_draft_is_refused(w):
    submission = submit(w)
    issued = factories.issue_in(Issue.Status.REVIEW)
    with pytest.raises(SubmissionError):
        services.submission_adopt(submission=submission, actor=w.editor, issue=issued)
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_merging_credits_every_unit_and_shares_the_score(w):
    first, second = submit(w), submit(w, unit=w.unit_b, actor=w.reader_b, title="自贡市开展方志进校园")
    article = services.submission_merge(submissions=[first, second], actor=w.editor, issue=w.issue,
                                        column=w.focus, title="市州简讯")
    assert article.source == "成都市地方志工作办公室、自贡市地方志办公室"
    assert article.title == "市州简讯"
    assert set(article.submissions.values_list("adopted_share_of", flat=True)) == {2}


def test_a_returned_submission_is_resubmitted_by_its_unit_only(w):
    submission = submit(w)
    with pytest.raises(SubmissionError):
        services.submission_return(submission=submission, actor=w.editor, reason="  ")
    services.submission_return(submission=submission, actor=w.editor, reason="请补充时间地点")
    with pytest.raises(SubmissionError):
        services.submission_resubmit(submission=submission, actor=w.reader_b, title="x", text="y",
                                     contact_name="z", contact_phone="1")
    services.submission_resubmit(submission=submission, actor=w.reader_a, title="新标题", text="补充后的正文。",
                                 contact_name="张三", contact_phone="1")
    submission.refresh_from_db()
    assert (submission.status, submission.reason, submission.title) == (Status.SUBMITTED, "", "新标题")
    assert list(submission.log.values_list("action", flat=True)) == [
        "submission.create", "submission.return", "submission.resubmit"]


def test_a_mail_failure_is_logged_and_the_decision_stands(w, monkeypatch, caplog,
                                                          django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise OSError("relay down")
    monkeypatch.setattr(services, "send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(w)
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert "could not mail the unit" in caplog.text


# --- the portal ------------------------------------------------------------------------------------------------


def test_the_unit_submits_on_the_portal_and_sees_its_list(w, client):
    client.force_login(w.reader_a)
    response = client.post(reverse("distribution:submission_new"), {
        "unit": w.unit_a.pk, "title": "标题", "text": "正文。", "column": w.column.pk, "contact_name": "张三",
        "contact_phone": "123"})
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()
    assert "标题" in client.get(reverse("distribution:submissions")).content.decode()


def test_the_portal_refuses_another_units_id_in_the_form(w, client):
    client.force_login(w.reader_a)
    response = client.post(reverse("distribution:submission_new"), {
        "unit": w.unit_b.pk, "title": "标题", "text": "正文。", "contact_name": "张三", "contact_phone": "123"})
    assert response.status_code == 200 and not Submission.objects.exists()


def test_the_portal_shows_the_reason_for_text_over_the_limits(w, client):
    client.force_login(w.reader_a)
    response = client.post(reverse("distribution:submission_new"), {
        "unit": w.unit_a.pk, "title": "标题", "text": "字" * (LIMITS.max_chars + 1), "contact_name": "张三",
        "contact_phone": "123"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "reader_a", "reader_b", "editor", "nobody"])
@pytest.mark.parametrize("url", ["submission", "submission_resubmit"])
def test_access_matrix_only_the_units_account_sees_its_submission(w, client, who, url):
    submission = submit(w)
    services.submission_return(submission=submission, actor=w.editor, reason="请修改")
    if who != "anonymous":
        client.force_login(getattr(w, who))
    response = client.get(reverse(f"distribution:{url}", args=[submission.pk]))
    expected = {"anonymous": 302, "reader_a": 200}.get(who, 404)
    assert response.status_code == expected
    if who != "reader_a":
        listing = client.get(reverse("distribution:submissions"))
        assert submission.title not in listing.content.decode()


def test_a_missing_id_answers_like_another_units_submission(w, client):
    client.force_login(w.reader_b)
    assert client.get(reverse("distribution:submission", args=[999999])).status_code == 404


def test_the_unit_sees_the_issue_and_column_once_the_issue_is_issued(w, client):
    from articles import services as article_services

    submission = submit(w)
    services.submission_adopt(submission=submission, actor=w.editor, issue=w.issue, column=w.column)
    client.force_login(w.reader_a)
    assert "第" not in client.get(reverse("distribution:submissions")).content.decode().split("submission-adopted")[1]
    issue = article_services.issue_submit(issue=w.issue, actor=w.editor)
    article_services.issue_approve(issue=issue, actor=factories.leader())
    page = client.get(reverse("distribution:submissions")).content.decode()
    issue.refresh_from_db()
    assert issue.label in page and "市州动态" in page


def _issue(w):
    from articles import services as article_services

    issue = article_services.issue_submit(issue=w.issue, actor=w.editor)
    return article_services.issue_approve(issue=issue, actor=factories.leader())


def test_each_adopted_item_shows_the_issue_and_the_page_of_the_pdf_its_article_begins_on(w, client):
    Article.objects.create(issue=w.issue, position=1, title="省地方志办召开党组会", body="<p>会议内容。</p>" * 120)
    merged = [submit(w, title="成都市召开年鉴编纂工作会"), submit(w, unit=w.unit_b, actor=w.reader_b)]
    services.submission_merge(submissions=merged, actor=w.editor, issue=w.issue, column=w.column, title="市州简讯")
    alone = submit(w, title="成都市开展方志进校园")
    services.submission_adopt(submission=alone, actor=w.editor, issue=w.issue)
    issue = _issue(w)

    pages = [page.extract_text() for page in pdfplumber.open(issue.pdf_file.path).pages]
    for submission in (*merged, alone):
        submission.refresh_from_db()
        title = submission.adopted_article.title
        first = next(number for number, text in enumerate(pages, start=1) if title in text.replace("\n", ""))
        assert submission.adopted_page == first > 1
    client.force_login(w.reader_a)
    listing = client.get(reverse("distribution:submissions")).content.decode()
    page = merged[0].adopted_page
    assert f"{issue.label}</a> 第{page}页，栏目 市州动态）" in listing
    assert f"{issue.label}</a> 第{alone.adopted_page}页）" in listing


def test_a_pdf_whose_bookmarks_cannot_be_read_issues_all_the_same_without_a_page(w, monkeypatch, caplog):
    def unreadable(pdf):
        raise pikepdf.PdfError("no outline")

    monkeypatch.setattr(services, "article_start_pages", unreadable)
    submission = submit(w)
    services.submission_adopt(submission=submission, actor=w.editor, issue=w.issue)
    issue = _issue(w)
    submission.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED and submission.adopted_page is None
    assert "could not read the bookmarks" in caplog.text


def test_the_list_costs_the_same_queries_for_one_submission_or_many(w, client, django_assert_num_queries):
    submit(w)
    client.force_login(w.reader_a)
    client.get(reverse("distribution:submissions"))  # session, user and units warmed the same way each time
    with django_assert_num_queries(4) as one:
        client.get(reverse("distribution:submissions"))
    for _ in range(5):
        submit(w)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("distribution:submissions"))


def test_items_adopted_before_pages_were_recorded_get_theirs_from_the_migration(w):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("distribution.migrations.0012_submission_page_backfill").backfill
    submission = submit(w)
    services.submission_adopt(submission=submission, actor=w.editor, issue=w.issue)
    _issue(w)
    Submission.objects.filter(pk=submission.pk).update(adopted_page=None)  # as before 0010

    backfill(apps, None)

    submission.refresh_from_db()
    assert submission.adopted_page == 1
