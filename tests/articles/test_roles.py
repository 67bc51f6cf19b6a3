"""The roles that migration 0002 creates: drafters draft and submit, leaders return and issue."""

import pytest
from django.contrib.auth.models import Group

from articles import roles
from tests.factories import editor, leader

pytestmark = pytest.mark.django_db


def codenames(group_name):
    return set(Group.objects.get(name=group_name).permissions.values_list("content_type__app_label", "codename"))


def test_the_migration_creates_both_roles():
    assert set(Group.objects.filter(name__in=[roles.EDITORS, roles.LEADERS]).values_list("name", flat=True)) == {
        "编辑", "领导",
    }


def test_drafters_may_draft_and_submit_but_not_return_or_issue():
    perms = codenames(roles.EDITORS)

    assert {("articles", "add_issue"), ("articles", "change_issue"), ("articles", "submit_issue"),
            ("articles", "add_article"), ("articles", "add_meeting"), ("articles", "add_award"),
            ("articles", "add_distribution"), ("articles", "change_distribution")} <= perms


def test_leaders_read_everything_and_change_nothing_through_permissions():
    # Approving, returning and issuing belong to the group of each review step (articles.workflow).
    perms = codenames(roles.LEADERS)

    assert {("articles", "view_issue"), ("articles", "view_issuelog"), ("articles", "view_recipient")} <= perms
    assert not {codename for app, codename in perms if not codename.startswith("view_")}


def test_the_group_of_a_review_step_gets_the_leaders_view_permissions():
    group = Group.objects.create(name="分管领导")
    roles.grant_reviewer_permissions(group)
    assert codenames("分管领导") == codenames(roles.LEADERS)


def test_nobody_may_change_the_workflow_log():
    for group in (roles.EDITORS, roles.LEADERS):
        assert not {codename for app, codename in codenames(group) if codename.endswith("_issuelog")} - {
            "view_issuelog"}


@pytest.mark.parametrize(("make", "perm", "has"), [
    (editor, "articles.submit_issue", True), (editor, "articles.change_issue", True),
    (leader, "articles.view_issue", True),
    (leader, "articles.submit_issue", False), (leader, "articles.change_issue", False),
])
def test_a_member_of_a_role_has_its_permissions(make, perm, has):
    assert make().has_perm(perm) is has
