"""Load the demo bulletin through the real workflow actions (idempotent)."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from articles import demo_data as data
from articles import roles, services
from articles.models import (
    Article,
    Award,
    Distribution,
    Issue,
    Meeting,
    Recipient,
    RecipientGroup,
    ReviewStep,
    Series,
)


def _users():
    User = get_user_model()
    users = {}
    for username, name, role, staff in data.USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": name, "is_staff": staff})
        if created:
            # Only new accounts get the public demo password; a changed one is never reset.
            user.set_password(data.PASSWORD)
            user.save(update_fields=["password"])
        if role:
            group, created_group = Group.objects.get_or_create(name=role)
            if created_group:  # a reviewers' group of the demo chain, beside the two roles
                roles.grant_reviewer_permissions(group)
            user.groups.add(group)
        users[username] = user
    return users


def _recipients(reader):
    units = {}
    for name, role, order in data.RECIPIENTS:
        units[name], _ = Recipient.objects.get_or_create(
            name=name, defaults={"default_role": role, "sort_order": order}
        )
    units[data.READER_UNIT].members.add(reader)
    for name, members in data.GROUPS:
        group, _ = RecipientGroup.objects.get_or_create(name=name)
        group.members.add(*(units[m] for m in members))
    return units


def _draft(series, editor, article, *, issue_date, facts=()):
    issue = services.issue_create(
        series=series, actor=editor, year=issue_date.year, issue_date=issue_date, print_date=issue_date,
        print_run=12, disclosure=Issue.Disclosure.PUBLIC,
    )
    created = Article.objects.create(issue=issue, position=1, **article)
    for model, values in facts:
        model.objects.create(article=created, **values)
    return issue


@transaction.atomic
def load_demo():
    """Create the demo series, units, accounts and the three demo issues; return what was created."""
    users = _users()
    units = _recipients(users["reader"])
    series, _ = Series.objects.get_or_create(name=data.SERIES["name"], defaults=data.SERIES)
    for position, (name, group) in enumerate(data.CHAIN, start=1):
        ReviewStep.objects.get_or_create(series=series, position=position,
                                         defaults={"name": name, "group": Group.objects.get(name=group)})
    created = []

    if not Issue.objects.filter(series=series, year=data.ISSUED["year"], number=1).exists():
        issue = services.issue_create(series=series, actor=users["editor"], **data.ISSUED)
        meeting = Article.objects.create(issue=issue, position=1, **data.MEETING_ARTICLE)
        Meeting.objects.create(article=meeting, **data.MEETING)
        award = Article.objects.create(issue=issue, position=2, **data.AWARD_ARTICLE)
        Award.objects.create(article=award, **data.AWARD)
        for name, role, _order in data.RECIPIENTS:
            Distribution.objects.create(issue=issue, role=role, recipient=units[name])
        issue = services.issue_submit(issue=issue, actor=users["editor"])
        issue = services.issue_approve(issue=issue, actor=users["chief"])  # 核稿
        issue = services.issue_approve(issue=issue, actor=users["leader"])  # 签发
        created.append(issue)

    for article, status in ((data.REVIEW_ARTICLE, Issue.Status.REVIEW), (data.DRAFT_ARTICLE, Issue.Status.DRAFT)):
        if Article.objects.filter(title=article["title"]).exists():
            continue
        day = datetime.date(2021, 1, 20) if status == Issue.Status.REVIEW else datetime.date(2021, 1, 27)
        issue = _draft(series, users["editor"], article, issue_date=day)
        group = RecipientGroup.objects.get(name=data.GROUPS[0][0])
        Distribution.objects.create(issue=issue, role="report", group=group)
        Distribution.objects.create(issue=issue, role="send", recipient=units[data.READER_UNIT])
        if status == Issue.Status.REVIEW:
            issue = services.issue_submit(issue=issue, actor=users["editor"])
        created.append(issue)
    return created
