"""The editors' inbox of submissions, their decisions in the admin, and the 采用统计."""

import io
import json
from datetime import datetime

import docx
import openpyxl
import pytest
from django.contrib.admin import helpers
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from distribution.models import Submission
from distribution.selectors import submission_stats
from tests.distribution import test_submissions
from tests.distribution.test_submissions import submit

pytestmark = pytest.mark.django_db
Status = Submission.Status
w = test_submissions.w  # the same units, editor, draft issue and columns
CHANGELIST = reverse("admin:distribution_submission_changelist")


def act(client, action, submissions, **data):
    return client.post(CHANGELIST, {"action": action, helpers.ACTION_CHECKBOX_NAME: [s.pk for s in submissions],
                                    **data})


def test_the_inbox_lists_pending_first_for_editors_only(w, client, django_assert_max_num_queries):
    decided, pending = submit(w, title="已退回的"), submit(w, title="待处理的")
    client.force_login(w.editor)
    act(client, "return_for_changes", [decided], apply="1", reason="请修改")
    with django_assert_max_num_queries(20):
        response = client.get(CHANGELIST)
    listed = list(response.context["cl"].result_list)
    assert listed == [pending, decided]
    client.force_login(w.reader_a)
    assert client.get(CHANGELIST).status_code == 302  # not staff: the admin's login


def test_an_editor_adopts_into_a_chosen_draft_issue_and_column(w, client):
    submission = submit(w)
    client.force_login(w.editor)
    page = act(client, "adopt", [submission])
    assert page.status_code == 200 and w.issue in page.context["form"].fields["issue"].queryset
    act(client, "adopt", [submission], apply="1", issue=w.issue.pk, column=w.column.pk)
    submission.refresh_from_db()
    assert submission.status == Status.ADOPTED
    assert submission.adopted_article.issue == w.issue and submission.adopted_article.column == w.column


def test_merging_in_the_admin_makes_one_article(w, client):
    first, second = submit(w), submit(w, unit=w.unit_b, actor=w.reader_b)
    client.force_login(w.editor)
    act(client, "merge", [first, second], apply="1", issue=w.issue.pk, title="市州简讯")
    assert w.issue.articles.get().source == "成都市地方志工作办公室、自贡市地方志办公室"


def test_declining_without_a_reason_changes_nothing(w, client):
    submission = submit(w)
    client.force_login(w.editor)
    act(client, "decline", [submission], apply="1", reason="")
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED
    act(client, "decline", [submission], apply="1", reason="与上期重复")
    submission.refresh_from_db()
    assert (submission.status, submission.reason) == (Status.DECLINED, "与上期重复")


def _on(submission, when):
    Submission.objects.filter(pk=submission.pk).update(created_at=timezone.make_aware(when))


def test_statistics_count_per_unit_with_column_points_and_merged_shares(w):
    from distribution import services

    a1, a2, a3 = submit(w), submit(w), submit(w)
    b1 = submit(w, unit=w.unit_b, actor=w.reader_b)
    for s in (a1, a2, a3, b1):
        _on(s, datetime(2026, 2, 1))
    services.submission_adopt(submission=a1, actor=w.editor, issue=w.issue, column=w.focus)  # 2 points
    services.submission_merge(submissions=[a2, b1], actor=w.editor, issue=w.issue, column=w.column)  # 0.5 each
    old = submit(w)
    _on(old, datetime(2025, 12, 31))
    rows = submission_stats(year=2026)
    assert [(r["unit"], r["submitted"], r["adopted"], str(r["score"])) for r in rows] == [
        ("成都市地方志工作办公室", 3, 2, "2.50"), ("自贡市地方志办公室", 1, 1, "0.50")]
    assert rows[0]["by_column"] == {"特别关注": 1, "市州动态": 1}
    assert submission_stats(year=2026, quarter=2) == []


def test_the_command_prints_the_figures_as_json(w, capsys):
    _on(submit(w), datetime(2026, 3, 1))
    call_command("submission_stats", "--year", "2026", "--format", "json")
    assert json.loads(capsys.readouterr().out) == [
        {"unit": "成都市地方志工作办公室", "submitted": 1, "adopted": 0, "score": 0.0}]


def test_the_exports_keep_typed_names_from_becoming_formulas(w, client):
    w.unit_a.name = "=HYPERLINK(\"x\")"
    w.unit_a.save()
    _on(submit(w), datetime(2026, 3, 1))
    client.force_login(w.editor)
    url = reverse("admin:distribution_submission_stats")
    assert client.get(url, {"year": 2026}).status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(client.get(url, {"year": 2026, "format": "xlsx"}).content))
    assert book.active.cell(2, 2).value == "'=HYPERLINK(\"x\")"
    notice = docx.Document(io.BytesIO(client.get(url, {"year": 2026, "format": "docx"}).content))
    assert "通报" in notice.paragraphs[0].text


# --- 待我处理 ------------------------------------------------------------------------------------------------


def test_editors_see_the_submissions_waiting_on_their_page_linking_to_the_inbox(w, client):
    submit(w)
    submit(w, unit=w.unit_b, actor=w.reader_b)
    client.force_login(w.editor)
    act(client, "decline", [submit(w)], apply="1", reason="重复")
    page = client.get(reverse("admin:index")).content.decode()
    row = page.split('id="submissions-waiting"')[1].split("</tr>")[0]
    assert f'{CHANGELIST}?status__exact=submitted' in row and "信息报送待处理" in row and "2 篇" in row
    inbox = client.get(CHANGELIST, {"status__exact": "submitted"})
    assert len(inbox.context["cl"].result_list) == 2


def test_whoever_may_not_decide_sees_no_count(w, client):
    from tests import factories

    submit(w)
    client.force_login(factories.leader())
    assert 'id="submissions-waiting"' not in client.get(reverse("admin:index")).content.decode()


def test_the_waiting_page_costs_the_same_queries_for_one_submission_or_many(w, client, django_assert_num_queries):
    submit(w)
    client.force_login(w.editor)
    client.get(reverse("admin:index"))
    with django_assert_num_queries(11) as one:
        client.get(reverse("admin:index"))
    for _ in range(5):
        submit(w, unit=w.unit_b, actor=w.reader_b)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("admin:index")).content.decode()
    assert "6 篇" in page
