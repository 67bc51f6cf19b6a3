"""The editors' inbox of submissions, their decisions in the admin, and the 采用统计."""

import io
import json
from datetime import datetime

import docx
import lxml.html
import openpyxl
import pytest
from django.contrib.admin import helpers
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from distribution.models import Submission
from distribution.selectors import submission_stats
from tests import factories
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
        {"unit": "成都市地方志工作办公室", "submitted": 1, "adopted": 0, "by_column": {}, "score": 0.0}]


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


@pytest.mark.parametrize("quarter", [None, 1, 2, 3, 4])
def test_the_page_the_xlsx_and_the_command_give_the_same_figures_per_unit_year_and_quarter(w, client, capsys,
                                                                                             quarter):
    from distribution import services

    third = w.unit_a.__class__.objects.create(name="德阳市地方志办公室")
    reader_c = factories.reader(third)
    made = {
        (w.unit_a, w.reader_a): [datetime(2026, 1, 5), datetime(2026, 2, 9), datetime(2026, 5, 3),
                                 datetime(2026, 11, 1)],
        (w.unit_b, w.reader_b): [datetime(2026, 2, 10), datetime(2026, 8, 8)],
        (third, reader_c): [datetime(2026, 5, 20), datetime(2025, 12, 30)],
    }
    items = {}
    for (unit, reader), dates in made.items():
        for when in dates:
            submission = submit(w, unit=unit, actor=reader)
            _on(submission, when)
            items[(unit.name, when.month, when.year)] = submission
    a_jan, b_feb = items[("成都市地方志工作办公室", 1, 2026)], items[("自贡市地方志办公室", 2, 2026)]
    services.submission_adopt(submission=a_jan, actor=w.editor, issue=w.issue, column=w.focus)
    services.submission_merge(submissions=[items[("成都市地方志工作办公室", 2, 2026)], b_feb], actor=w.editor,
                              issue=w.issue, column=w.column)
    services.submission_adopt(submission=items[("德阳市地方志办公室", 5, 2026)], actor=w.editor, issue=w.issue)
    services.submission_adopt(submission=items[("自贡市地方志办公室", 8, 2026)], actor=w.editor, issue=w.issue,
                              column=w.column)
    services.submission_decline(submission=items[("成都市地方志工作办公室", 5, 2026)], actor=w.editor, reason="重复")
    period = {"year": 2026, **({"quarter": quarter} if quarter else {})}
    client.force_login(w.editor)
    url = reverse("admin:distribution_submission_stats")

    page = client.get(url, period)
    shown = [[cell.text_content().strip() for cell in row] for row in
             lxml.html.fromstring(page.content.decode()).xpath("//table[@id='submission-stats']//tr")]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url, {**period, "format": "xlsx"}).content)).active
    in_file = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    call_command("submission_stats", "--year", "2026", *(["--quarter", str(quarter)] if quarter else []),
                 "--format", "json")
    printed = json.loads(capsys.readouterr().out)

    rows = submission_stats(year=2026, quarter=quarter)
    assert len(shown) == len(in_file) == len(printed) + 1 == len(rows) + 1
    assert shown[0] == in_file[0]  # the same header: rank, unit, submitted, adopted, per 栏目, score
    for on_page, in_xlsx, from_command in zip(shown[1:], in_file[1:], printed, strict=True):
        assert on_page[:4] == in_xlsx[:4] and on_page[1] == from_command["unit"]
        assert [int(n) for n in on_page[2:4]] == [from_command["submitted"], from_command["adopted"]]
        assert [int(n) for n in on_page[4:-1]] == [int(n) for n in in_xlsx[4:-1]]
        assert sorted(int(n) for n in on_page[4:-1] if n != "0") == sorted(from_command["by_column"].values())
        assert float(on_page[-1]) == float(in_xlsx[-1]) == from_command["score"]
    expected = {None: {"成都市地方志工作办公室": (4, 2, 2.5), "自贡市地方志办公室": (2, 2, 1.5),
                       "德阳市地方志办公室": (1, 1, 1.0)},
                1: {"成都市地方志工作办公室": (2, 2, 2.5), "自贡市地方志办公室": (1, 1, 0.5)},
                2: {"成都市地方志工作办公室": (1, 0, 0.0), "德阳市地方志办公室": (1, 1, 1.0)},
                3: {"自贡市地方志办公室": (1, 1, 1.0)},
                4: {"成都市地方志工作办公室": (1, 0, 0.0)}}[quarter]
    assert {r["unit"]: (r["submitted"], r["adopted"], r["score"]) for r in printed} == expected
