"""The two forms of the access rule agree: the list (issues_visible_to) and the single check the views make."""

import pytest
from django.contrib.auth.models import AnonymousUser

from distribution import selectors
from tests.distribution.test_views import MATRIX, READ_TABLE

pytestmark = pytest.mark.django_db


def _view_may_read(user, issue):
    """The check of distribution.views._issue_for: an issued issue, and reader_access says yes."""
    issued = selectors.issued_issue(issue.pk)
    return issued is not None and selectors.reader_access(user, issued)[0]


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # unit ids are cached per user object


@pytest.mark.parametrize(("user", "issue"), MATRIX)
def test_list_and_single_check_agree_with_the_matrix(world, user, issue):
    who = type(world.users[user]).objects.get(pk=world.users[user].pk) if world.users[user] else AnonymousUser()
    target = world.issues[issue]
    expected = READ_TABLE[user, issue] == "200"
    assert selectors.issues_visible_to(who).filter(pk=target.pk).exists() == expected
    assert _view_may_read(who, target) == expected


def test_an_inactive_unit_loses_its_non_public_issues(world):
    world.unit_a.is_active = False
    world.unit_a.save()
    reader = _fresh(world.users["reader_a"])
    assert not _view_may_read(reader, world.issues["to_a"])
    assert not selectors.issues_visible_to(reader).filter(pk=world.issues["to_a"].pk).exists()


def test_a_unit_added_to_a_group_after_issuing_does_not_see_its_past_non_public_issues(world):
    world.group_b.members.add(world.unit_a)
    reader = _fresh(world.users["reader_a"])
    past = world.issues["to_other"]  # addressed to the group, without unit A, before it joined
    assert not _view_may_read(reader, past)
    assert not selectors.issues_visible_to(reader).filter(pk=past.pk).exists()
    assert past not in selectors.issues_for_units_of(reader)


def test_a_unit_removed_from_a_group_after_issuing_still_sees_what_it_received(world):
    world.group_b.members.remove(world.unit_b)
    reader = _fresh(world.users["reader_b"])
    past = world.issues["to_other"]
    assert _view_may_read(reader, past)
    assert selectors.issues_visible_to(reader).filter(pk=past.pk).exists()
    assert past in selectors.issues_for_units_of(reader)
    assert [unit for unit, _receipt in selectors.reader_access(reader, past)[1]] == [world.unit_b]


def test_an_account_removed_from_its_unit_loses_the_units_issues(world):
    world.unit_a.members.remove(world.users["reader_a"])
    assert not _view_may_read(_fresh(world.users["reader_a"]), world.issues["to_a"])
