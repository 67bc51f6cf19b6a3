"""A large data set for the portal benchmark, written with bulk_create (seconds, not minutes)."""

import datetime
import hashlib
import random

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles import search
from articles.models import ROLE_ORDER, Article, Award, Distribution, Issue, Meeting, Recipient, Series, private_storage
from distribution.models import Receipt

SERIES_NAME = "基准测试工作信息"
PDF_NAME = "bench/bench.pdf"
READER = "bench-reader"
BODY = "<p>" + "为做好地方志工作，各单位要认真贯彻落实有关要求，切实加强组织领导，确保各项任务落到实处。" * 12 + "</p>"


def _shared_pdf():
    """One small real PDF shared by every benchmark issue: (name, size, sha256)."""
    from weasyprint import HTML

    storage = private_storage()
    if not storage.exists(PDF_NAME):
        content = HTML(string=f"<h1>{SERIES_NAME}</h1><p>基准测试</p>").write_pdf()
        storage.save(PDF_NAME, ContentFile(content))
    with storage.open(PDF_NAME, "rb") as fh:
        content = fh.read()
    return PDF_NAME, len(content), hashlib.sha256(content).hexdigest()


def generate(*, years=20, per_year=50, units=2000, distributions=50000, password="bench-only-password", facts=False):
    """Create the benchmark series, issued issues (2 articles each), units and addressees; returns the counts.

    With `facts`, each issue's first article reports a meeting and its second an award (for bench/yearbook.py).
    """
    if Series.objects.filter(name=SERIES_NAME).exists():
        return None
    User = get_user_model()
    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    reader, created = User.objects.get_or_create(username=READER, defaults={"first_name": "基准收文员"})
    if created:
        reader.set_password(password)
        reader.save(update_fields=["password"])
    pdf_name, pdf_size, pdf_sha256 = _shared_pdf()
    rng = random.Random(2021)
    per_issue = max(1, distributions // (years * per_year))
    first_year = timezone.now().year - years

    with transaction.atomic():
        series = Series.objects.create(name=SERIES_NAME, compiling_office="基准测试办公室",
                                       issuing_office="基准测试办公室综合处")
        Recipient.objects.bulk_create(
            [Recipient(name=f"基准单位{i:04d}", sort_order=i, email=f"unit{i}@bench.invalid") for i in range(units)],
            batch_size=1000,
        )
        unit_ids = list(Recipient.objects.filter(name__startswith="基准单位").order_by("sort_order")
                        .values_list("pk", flat=True))
        Recipient.objects.get(pk=unit_ids[0]).members.add(reader)
        now = timezone.now()
        issues = []
        for y in range(years):
            for n in range(1, per_year + 1):
                day = datetime.date(first_year + y, 1, 1) + datetime.timedelta(days=(n - 1) * 7)
                issues.append(Issue(
                    series=series, year=first_year + y, number=n, total_number=y * per_year + n,
                    issue_date=day, print_date=day, print_run=10,
                    # One in five is 依申请公开: visible to its addressees only.
                    disclosure=Issue.Disclosure.ON_REQUEST if n % 5 == 0 else Issue.Disclosure.PUBLIC,
                    created_by=staff,
                ))
        # Drafts first: their content can only be written before they are issued (articles.freeze).
        numbers = [(issue.number, issue.total_number) for issue in issues]
        for issue in issues:
            issue.number = issue.total_number = None
        Issue.objects.bulk_create(issues, batch_size=500)
        issue_ids = [issue.pk for issue in issues]
        # These rows stand for issues issued long ago, so they skip the workflow (a plain QuerySet):
        # for the benchmark's generator only.
        kinds = {1: Article.Kind.MEETING, 2: Article.Kind.AWARD} if facts else {}
        QuerySet(Article).bulk_create(
            [Article(issue_id=pk, position=p, title=f"关于第{pk}期第{p}项工作的\n情况通报", body=BODY,
                     kind=kinds.get(p, Article.Kind.GENERAL))
             for pk in issue_ids for p in (1, 2)],
            batch_size=1000,
        )
        if facts:
            _facts(issues, numbers)
        rows = [
            Distribution(issue_id=pk, recipient_id=unit, role=ROLE_ORDER[i % len(ROLE_ORDER)])
            for pk in issue_ids
            for i, unit in enumerate(rng.sample(unit_ids, min(per_issue, len(unit_ids))))
        ]
        QuerySet(Distribution).bulk_create(rows, batch_size=2000)
        for issue, (number, total) in zip(issues, numbers, strict=True):
            issue.number, issue.total_number, issue.status = number, total, Issue.Status.ISSUED
            issue.submitted_by, issue.submitted_at, issue.issued_by, issue.issued_at = staff, now, staff, now
            issue.pdf_file, issue.pdf_size, issue.pdf_pages, issue.pdf_sha256 = pdf_name, pdf_size, 1, pdf_sha256
        QuerySet(Issue).bulk_update(issues, [
            "number", "total_number", "status", "submitted_by", "submitted_at", "issued_by", "issued_at",
            "pdf_file", "pdf_size", "pdf_pages", "pdf_sha256"], batch_size=500)
        # Issuing makes one receipt per addressed unit; readers' access follows from them.
        Receipt.objects.bulk_create([Receipt(issue_id=row.issue_id, recipient_id=row.recipient_id) for row in rows],
                                    batch_size=2000)
    # Rows made with bulk_create have no search index yet (articles.search writes it on save).
    search.reindex(Article.objects.filter(issue__series=series))
    return {"issues": len(issue_ids), "articles": 2 * len(issue_ids), "units": len(unit_ids),
            "distributions": len(rows)}


def _facts(issues, numbers):
    """A meeting the day before each issue and an award (in odd-numbered issues without a date of its own)."""
    facts_of = {issue.pk: (issue.issue_date, number) for issue, (number, _total) in zip(issues, numbers, strict=True)}
    meetings, awards = [], []
    articles = Article.objects.filter(issue__series_id=issues[0].series_id)
    for pk, issue_id, position in articles.values_list("pk", "issue_id", "position"):
        day, number = facts_of[issue_id]
        if position == 1:
            meetings.append(Meeting(
                article_id=pk, date=day - datetime.timedelta(days=1), organiser="基准测试办公室",
                name=f"{day.year}年第{number}次主任办公会", chair="主任基准",
                topics=f"{day.year}年地方志工作要点，听取了各处室工作汇报，议定了下一阶段重点工作"))
        else:
            awards.append(Award(
                article_id=pk, date=None if number % 2 else day - datetime.timedelta(days=3),
                awarding_body="基准测试表彰单位", award_name="先进集体", awardee=f"基准单位{number:02d}",
                notice="《关于表彰先进集体的通报》"))
    QuerySet(Meeting).bulk_create(meetings, batch_size=1000)
    QuerySet(Award).bulk_create(awards, batch_size=1000)
