"""Issued issues are frozen in the model layer, and the database refuses what the code assumes never happens."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from articles import services
from articles.models import Article, Award, Distribution, Issue, IssuedIssueError, Meeting, Role
from tests.factories import RecipientFactory, SeriesFactory, draft_issue, editor, issue_in, leader

pytestmark = pytest.mark.django_db
Status = Issue.Status


@pytest.fixture
def issued(fake_pdf):
    """An issued issue with a meeting report, an award notice and one recipient."""
    issue = draft_issue(articles=0)
    meeting_article = Article.objects.create(issue=issue, position=1, kind="meeting", title="学习会", body="<p>甲</p>")
    Meeting.objects.create(article=meeting_article, date=datetime.date(2025, 1, 12), organiser="党组", name="学习会")
    award_article = Article.objects.create(issue=issue, position=2, kind="award", title="获奖", body="<p>乙</p>")
    Award.objects.create(article=award_article, awarding_body="团工委", award_name="组织奖", awardee="团支部")
    Distribution.objects.create(issue=issue, recipient=RecipientFactory(), role=Role.SEND)
    services.issue_submit(issue=issue, actor=issue.created_by)
    return services.issue_approve(issue=issue, actor=leader())


@pytest.fixture
def draft():
    return draft_issue(articles=1)


def snapshot(issue):
    """Everything stored about an issue and its content, to compare before and after a refused write."""
    return {
        "issue": Issue.objects.values().get(pk=issue.pk),
        "articles": list(Article.objects.filter(issue=issue).values().order_by("pk")),
        "meetings": list(Meeting.objects.filter(article__issue=issue).values().order_by("pk")),
        "awards": list(Award.objects.filter(article__issue=issue).values().order_by("pk")),
        "distributions": list(Distribution.objects.filter(issue=issue).values().order_by("pk")),
    }


def _save_issue(issued, draft):
    issued.print_run = 99
    issued.save()


def _save_issue_update_fields(issued, draft):
    issued.disclosure = Issue.Disclosure.NOT_PUBLIC
    issued.save(update_fields=["disclosure"])


def _article(issued):
    return Article.objects.filter(issue=issued).first()


def _save_article(issued, draft):
    article = _article(issued)
    article.body = "<p>改过的正文</p>"
    article.save()


def _create_article(issued, draft):
    Article.objects.create(issue=issued, title="补一篇", body="<p>丙</p>")


def _create_article_through_the_issue(issued, draft):
    issued.articles.create(title="补一篇", body="<p>丙</p>")


def _move_article_in(issued, draft):
    article = draft.articles.get()
    article.issue = issued
    article.save()


def _move_article_out(issued, draft):
    article = _article(issued)
    article.issue = draft
    article.save()


def _move_article_in_by_update(issued, draft):
    Article.objects.filter(issue=draft).update(issue=issued)


def _move_article_in_by_update_of_the_id(issued, draft):
    Article.objects.filter(issue=draft).update(issue_id=issued.pk)


def _add_article_to_the_issue(issued, draft):
    issued.articles.add(draft.articles.get())


def _bulk_update_articles(issued, draft):
    article = _article(issued)
    article.title = "新标题"
    Article.objects.bulk_update([article], ["title"])


def _meeting(issued):
    return Meeting.objects.get(article__issue=issued)


def _save_meeting(issued, draft):
    meeting = _meeting(issued)
    meeting.chair = "别人"
    meeting.save()


def _create_meeting(issued, draft):
    Meeting.objects.create(article=Article.objects.get(issue=issued, kind="award"), date=datetime.date(2025, 1, 1),
                           organiser="党组", name="另一个会")


def _move_meeting_out(issued, draft):
    meeting = _meeting(issued)
    meeting.article = draft.articles.get()
    meeting.save()


def _save_award(issued, draft):
    award = Award.objects.get(article__issue=issued)
    award.awardee = "别人"
    award.save()


def _create_award(issued, draft):
    Award.objects.create(article=Article.objects.get(issue=issued, kind="meeting"), awarding_body="甲",
                         award_name="乙", awardee="丙")


def _move_award_in(issued, draft):
    Award.objects.create(article=draft.articles.get(), awarding_body="甲", award_name="乙", awardee="丙")
    award = Award.objects.get(article__issue=draft)
    award.article = Article.objects.get(issue=issued, kind="meeting")
    award.save()


def _save_distribution(issued, draft):
    line = Distribution.objects.get(issue=issued)
    line.role = Role.REPORT
    line.save()


def _create_distribution(issued, draft):
    Distribution.objects.create(issue=issued, recipient=RecipientFactory(), role=Role.COPY)


def _move_distribution_in(issued, draft):
    line = Distribution.objects.create(issue=draft, recipient=RecipientFactory(), role=Role.COPY)
    line.issue = issued
    line.save()


def _move_distribution_in_by_update(issued, draft):
    Distribution.objects.create(issue=draft, recipient=RecipientFactory(), role=Role.COPY)
    Distribution.objects.filter(issue=draft).update(issue=issued)


def _add_distribution_to_the_issue(issued, draft):
    line = Distribution.objects.create(issue=draft, recipient=RecipientFactory(), role=Role.COPY)
    issued.distributions.add(line)


WRITES = {
    "Issue.save": _save_issue,
    "Issue.save(update_fields)": _save_issue_update_fields,
    "Issue.delete": lambda issued, draft: issued.delete(),
    "Issue queryset update": lambda issued, draft: Issue.objects.filter(pk=issued.pk).update(print_run=1),
    "Issue queryset update with a draft": lambda issued, draft: Issue.objects.all().update(print_run=1),
    "Issue queryset delete": lambda issued, draft: Issue.objects.all().delete(),
    "Issue bulk_update": lambda issued, draft: Issue.objects.bulk_update([issued], ["print_run"]),
    "Article.save": _save_article,
    "Article.delete": lambda issued, draft: _article(issued).delete(),
    "Article create": _create_article,
    "Article create through the issue": _create_article_through_the_issue,
    "Article moved into the issue": _move_article_in,
    "Article moved out of the issue": _move_article_out,
    "Article moved in by queryset update": _move_article_in_by_update,
    "Article moved in by queryset update of issue_id": _move_article_in_by_update_of_the_id,
    "Article added through the issue": _add_article_to_the_issue,
    "Article queryset update": lambda issued, draft: Article.objects.filter(issue=issued).update(title="新"),
    "Article queryset delete": lambda issued, draft: Article.objects.all().delete(),
    "Article queryset delete through the issue": lambda issued, draft: issued.articles.all().delete(),
    "Article bulk_update": _bulk_update_articles,
    "Meeting.save": _save_meeting,
    "Meeting.delete": lambda issued, draft: _meeting(issued).delete(),
    "Meeting create": _create_meeting,
    "Meeting moved out of the issue": _move_meeting_out,
    "Meeting queryset update": lambda issued, draft: Meeting.objects.all().update(chair="别人"),
    "Meeting queryset delete": lambda issued, draft: Meeting.objects.all().delete(),
    "Award.save": _save_award,
    "Award.delete": lambda issued, draft: Award.objects.get(article__issue=issued).delete(),
    "Award create": _create_award,
    "Award moved into the issue": _move_award_in,
    "Award queryset update": lambda issued, draft: Award.objects.all().update(awardee="别人"),
    "Award queryset delete": lambda issued, draft: Award.objects.all().delete(),
    "Distribution.save": _save_distribution,
    "Distribution.delete": lambda issued, draft: Distribution.objects.get(issue=issued).delete(),
    "Distribution create": _create_distribution,
    "Distribution moved into the issue": _move_distribution_in,
    "Distribution moved in by queryset update": _move_distribution_in_by_update,
    "Distribution added through the issue": _add_distribution_to_the_issue,
    "Distribution queryset update": lambda issued, draft: Distribution.objects.all().update(role=Role.REPORT),
    "Distribution queryset delete": lambda issued, draft: Distribution.objects.all().delete(),
}


def write_cases():
    for name in WRITES:
        yield pytest.param(name, id=f"an issued issue refuses {name}")


@pytest.mark.parametrize("write", list(write_cases()))
def test_an_issued_issue_and_its_content_cannot_be_changed_through_the_model_layer(write, issued, draft):
    before, draft_before = snapshot(issued), snapshot(draft)

    # A real caller's transaction rolls back with the refusal; so does this one.
    with pytest.raises(IssuedIssueError), transaction.atomic():
        WRITES[write](issued, draft)

    assert snapshot(issued) == before
    assert snapshot(draft) == draft_before


def test_the_refusal_says_the_issue_has_been_issued(issued):
    with pytest.raises(IssuedIssueError) as refused:
        issued.delete()

    assert refused.value.code == "issued"


def test_a_draft_and_its_content_can_still_be_changed(draft):
    article = draft.articles.get()
    article.title = "新标题"
    article.save()
    Meeting.objects.create(article=article, date=datetime.date(2025, 1, 1), organiser="党组", name="会")
    Distribution.objects.create(issue=draft, recipient=RecipientFactory(), role=Role.REPORT)
    draft.print_run = 30
    draft.save()
    Article.objects.filter(issue=draft).update(position=5)
    Meeting.objects.filter(article__issue=draft).update(chair="主任")

    other = draft_issue(articles=0)
    other.articles.add(article)
    Distribution.objects.filter(issue=draft).update(issue=other)

    assert list(other.articles.values_list("title", "position")) == [("新标题", 5)]
    assert other.distributions.count() == 1
    draft.refresh_from_db()
    draft.delete()
    assert not Issue.objects.filter(pk=draft.pk).exists()


def test_an_issue_under_review_can_still_be_changed_by_the_workflow(fake_pdf):
    issue = issue_in(Status.REVIEW)
    Article.objects.create(issue=issue, title="补充", body="")

    assert issue.articles.count() == 2


# --- database constraints -------------------------------------------------------------------------------


def issued_row(template, **overrides):
    """An Issue row like `template` (an issued issue) but new, for bulk_create past the Python guard."""
    fields = {
        "series": template.series, "year": template.year, "number": template.number + 1,
        "total_number": template.total_number + 1, "issue_date": template.issue_date,
        "print_date": template.print_date, "status": Status.ISSUED, "created_by": template.created_by,
        "submitted_by": template.submitted_by, "submitted_at": template.submitted_at,
        "issued_by": template.issued_by, "issued_at": template.issued_at,
        "pdf_file": "issues/x.pdf", "pdf_size": 10, "pdf_pages": 1, "pdf_sha256": "0" * 64,
    }
    fields.update(overrides)
    return Issue(**fields)


def test_a_well_formed_issued_row_passes_the_constraints(issued):
    Issue.objects.bulk_create([issued_row(issued), issued_row(issued, year=issued.year + 1, number=1,
                                                                  total_number=issued.total_number + 2)])

    assert Issue.objects.issued().count() == 3


CONSTRAINT_VIOLATIONS_ON_A_DRAFT = {
    "an unknown status": {"status": "published"},
    "a number on a draft": {"number": 3},
    "a running total on a draft": {"total_number": 3},
    "issued without a number or a PDF": {"status": Status.ISSUED},
    "under review without a submitter": {"status": Status.REVIEW},
}


@pytest.mark.parametrize("change", list(CONSTRAINT_VIOLATIONS_ON_A_DRAFT),
                         ids=[f"the database refuses {name}" for name in CONSTRAINT_VIOLATIONS_ON_A_DRAFT])
def test_the_database_refuses_an_inconsistent_draft(change, draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.filter(pk=draft.pk).update(**CONSTRAINT_VIOLATIONS_ON_A_DRAFT[change])

    draft.refresh_from_db()
    assert (draft.status, draft.number) == (Status.DRAFT, None)


ISSUED_ROW_VIOLATIONS = {
    "a number taken in the same series and year": {"number": 1},
    "a running total taken in the same series": {"total_number": 1},
    "an issued issue without a number": {"number": None},
    "an issued issue without a running total": {"total_number": None},
    "an issued issue without an approver": {"issued_by": None},
    "an issued issue without an approval time": {"issued_at": None},
    "an issued issue without a stored PDF": {"pdf_file": ""},
    "an issued issue without a checksum": {"pdf_sha256": ""},
    "an issued issue without a page count": {"pdf_pages": None},
    "an issued issue without a submitter": {"submitted_by": None, "submitted_at": None},
}


@pytest.mark.parametrize("change", list(ISSUED_ROW_VIOLATIONS),
                         ids=[f"the database refuses {name}" for name in ISSUED_ROW_VIOLATIONS])
def test_the_database_refuses_an_inconsistent_issued_row(change, issued):
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.bulk_create([issued_row(issued, **ISSUED_ROW_VIOLATIONS[change])])

    assert Issue.objects.count() == 1


def test_the_database_refuses_a_second_number_one_written_in_raw_sql(issued, fake_pdf):
    second = issue_in(Status.ISSUED, series=issued.series, issue_date=issued.issue_date)
    table = connection.ops.quote_name(Issue._meta.db_table)

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET number = %s WHERE id = %s", [issued.number, second.pk])

    second.refresh_from_db()
    assert second.number == 2


def test_the_same_number_is_fine_in_another_series_or_year(issued, fake_pdf):
    other_series = SeriesFactory(name="另一个工作信息")

    elsewhere = issue_in(Status.ISSUED, series=other_series, issue_date=issued.issue_date)
    next_year = issue_in(Status.ISSUED, series=issued.series, issue_date=datetime.date(issued.year + 1, 1, 5))

    assert (elsewhere.number, next_year.number, issued.number) == (1, 1, 1)


def test_a_created_draft_has_no_number_and_is_not_submitted():
    issue = Issue.objects.create(series=SeriesFactory(), year=2025, issue_date=timezone.localdate(),
                                 print_date=timezone.localdate(), created_by=editor())

    assert (issue.status, issue.number, issue.total_number, issue.submitted_by) == (Status.DRAFT, None, None, None)


@pytest.mark.parametrize("write", ["bulk_create", "bulk_update"])
def test_bulk_writes_cannot_put_content_into_an_issued_issue(write, fake_pdf):
    issued, draft = issue_in(Issue.Status.ISSUED), draft_issue()
    if write == "bulk_create":
        attempt = lambda: Article.objects.bulk_create([Article(issue=issued, title="追加", body="<p>x</p>")])  # noqa: E731
    else:
        article = draft.articles.get()
        article.issue = issued
        attempt = lambda: Article.objects.bulk_update([article], ["issue"])  # noqa: E731
    with pytest.raises(IssuedIssueError):
        attempt()
    assert issued.articles.count() == 1


def test_bulk_created_article_bodies_are_sanitised():
    issue = draft_issue(articles=0)
    Article.objects.bulk_create([Article(issue=issue, title="标题", body='<img src=x onerror="alert(1)"><p>正文</p>')])
    assert issue.articles.get().body == "<p>正文</p>"


@pytest.mark.parametrize("name", ["地方志工作信息\r\nBcc: x@example.com", "刊物\t名", "刊物\u2028名", "刊物\x00"])
def test_a_name_that_reaches_mail_headers_cannot_hold_control_characters(name):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from articles.models import Recipient, Series

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        Series(name=name, compiling_office=name, issuing_office="综合处").full_clean()
    assert set(refused.value.message_dict) >= {"name", "compiling_office"}
    assert "控制字符" in refused.value.message_dict["name"][0]
    with pytest.raises(ValidationError):
        Recipient(name=name).full_clean()
