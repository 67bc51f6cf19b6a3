"""Factories for test data; workflow state is reached through the real services."""

import contextlib
import datetime
from pathlib import Path

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles import roles, services
from articles.models import Article, Distribution, Issue, IssueOfd, Recipient, RecipientGroup, ReviewStep, Series


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.is_staff = True
            self.save(update_fields=["is_staff", "password"])
            self.groups.add(Group.objects.get(name=extracted))
        else:
            self.save(update_fields=["password"])


def editor(**kwargs):
    return UserFactory(role=roles.EDITORS, **kwargs)


def leader(**kwargs):
    return UserFactory(role=roles.LEADERS, **kwargs)


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series
        django_get_or_create = ["name"]

    name = "测试工作信息"
    compiling_office = "测试办公室"
    issuing_office = "测试办公室综合处"


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    name = factory.Sequence(lambda n: f"测试单位{n}")


def draft_issue(*, author=None, series=None, articles=1, body="<p>正文。</p>", **fields):
    """A draft with `articles` articles, created by `author` (an editor) through the service."""
    author = author or editor()
    fields.setdefault("issue_date", datetime.date(2025, 3, 1))
    fields.setdefault("print_date", fields["issue_date"])
    fields.setdefault("year", fields["issue_date"].year)
    issue = services.issue_create(series=series or SeriesFactory(), actor=author, **fields)
    for i in range(articles):
        Article.objects.create(issue=issue, position=i + 1, title=f"测试文章{i + 1}", body=body)
    return issue


def issue_in(status, *, author=None, approver=None, recipients=(), **fields):
    """An issue brought to `status` through the real transitions."""
    author = author or editor()
    issue = draft_issue(author=author, **fields)
    for unit, role in recipients:
        Distribution.objects.create(issue=issue, recipient=unit, role=role)
    if status in (Issue.Status.REVIEW, Issue.Status.ISSUED):
        issue = services.issue_submit(issue=issue, actor=author)
    if status == Issue.Status.ISSUED:
        issue = services.issue_approve(issue=issue, actor=approver or leader())
    return issue


CHIEFS = "综合处处长"


def chief(**kwargs):
    """A member of 综合处处长, the group of the 核稿 step of two_step_series()."""
    group, created = Group.objects.get_or_create(name=CHIEFS)
    if created:
        roles.grant_reviewer_permissions(group)
    return UserFactory(role=CHIEFS, **kwargs)


def two_step_series(name="两级审核工作信息"):
    """A series whose chain is 核稿 by 综合处处长, then 签发 by 领导 (as in the demo)."""
    series = SeriesFactory(name=name)
    chief()  # makes the group
    for position, (step, group) in enumerate([("核稿", CHIEFS), ("签发", roles.LEADERS)], start=1):
        ReviewStep.objects.get_or_create(series=series, position=position,
                                         defaults={"name": step, "group": Group.objects.get(name=group)})
    return series


def nobody(**kwargs):
    """A logged-in account with no role and no permissions."""
    return UserFactory(**kwargs)


def editor_leader(**kwargs):
    """Someone in both roles: may submit and may issue (but not what they submitted themselves)."""
    user = leader(**kwargs)
    user.groups.add(Group.objects.get(name=roles.EDITORS))
    return user


def superuser(**kwargs):
    user = UserFactory(**kwargs)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


# --- distribution (portal) helpers -------------------------------------------



class RecipientGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecipientGroup
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试单位组{n}")

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if extracted:
            self.members.add(*extracted)


def reader(unit, **kwargs):
    """A non-staff account of the recipient unit `unit`."""
    user = UserFactory(**kwargs)
    unit.members.add(user)
    return user


def issue_to(status, *, units=(), groups=(), **fields):
    """Like issue_in, addressed to [(unit, role)] and [(group, role)]."""
    author = editor()
    issue = draft_issue(author=author, **fields)
    for unit, role in units:
        Distribution.objects.create(issue=issue, recipient=unit, role=role)
    for group, role in groups:
        Distribution.objects.create(issue=issue, group=group, role=role)
    if status in (Issue.Status.REVIEW, Issue.Status.ISSUED):
        issue = services.issue_submit(issue=issue, actor=author)
    if status == Issue.Status.ISSUED:
        issue = services.issue_approve(issue=issue, actor=leader())
    return issue


# --- PDF rendering helpers (issue 3) -----------------------------------------------------------


@contextlib.contextmanager
def files_in(folder):
    """Media, the private storage and the issued-PDF field all point under `folder` for the duration."""
    from django.conf import settings
    from django.core.files.storage import storages
    from django.test import override_settings

    folder = Path(folder)
    private = {**settings.STORAGES["private"], "OPTIONS": {"location": folder / "private", "base_url": None}}
    fields = [Issue._meta.get_field("pdf_file"), IssueOfd._meta.get_field("ofd_file")]
    originals = [field.storage for field in fields]
    with override_settings(MEDIA_ROOT=folder / "media", PRIVATE_MEDIA_ROOT=folder / "private",
                           STORAGES={**settings.STORAGES, "private": private}):
        storages._storages = {}
        # FileField evaluates its callable storage once, at import: point the fields themselves here too.
        for field in fields:
            field.storage = storages["private"]
        try:
            yield
        finally:
            for field, original in zip(fields, originals, strict=True):
                field.storage = original
            storages._storages = {}


@contextlib.contextmanager
def rolled_back(django_db_blocker, media_dir):
    """Context for module-scoped fixtures: DB writes are rolled back, files go under media_dir."""
    from django.db import connection, transaction

    # pytest-django only sets the test database up if a collected test is marked django_db.
    name = str(connection.settings_dict["NAME"])
    assert "test" in name or "memory" in name, f"refusing to write to a non-test database: {name}"
    with django_db_blocker.unblock(), files_in(media_dir), transaction.atomic():
        yield
        transaction.set_rollback(True)


def demo_issued_pdf():
    """Load the demo bulletin through the real workflow; return (issue, stored PDF bytes)."""
    from articles.demo import load_demo

    issue = next(i for i in load_demo() if i.status == Issue.Status.ISSUED)
    with issue.pdf_file.open("rb") as fh:
        return issue, fh.read()


def one_line_paragraphs(count, *, start=0):
    """`count` paragraphs of 26 characters: each fills exactly one indented line of the 28-cell grid."""
    hanzi = "地方志工作信息编写单位出版日期学习贯彻全会精神推动事业转型发展服务大局"
    paragraphs = []
    for i in range(start, start + count):
        text = "".join(hanzi[(i + j) % len(hanzi)] for j in range(25)) + "。"
        paragraphs.append(f"<p>{text}</p>")
    return "".join(paragraphs)
