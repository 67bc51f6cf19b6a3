"""The two forms of the access rule agree: the list (issues_visible_to) and the single check (can_view_issue)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from distribution import selectors
from tests.distribution.test_views import MATRIX, READ_TABLE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("user", "issue"), MATRIX)
def test_list_and_single_check_agree_with_the_matrix(world, user, issue):
    who = type(world.users[user]).objects.get(pk=world.users[user].pk) if world.users[user] else AnonymousUser()
    target = world.issues[issue]
    expected = READ_TABLE[user, issue] == "200"
    assert selectors.issues_visible_to(who).filter(pk=target.pk).exists() == expected
    assert selectors.can_view_issue(who, target) == expected


def test_an_inactive_unit_loses_its_non_public_issues(world):
    world.unit_a.is_active = False
    world.unit_a.save()
    reader = type(world.users["reader_a"]).objects.get(pk=world.users["reader_a"].pk)  # unit ids are cached per object
    assert not selectors.can_view_issue(reader, world.issues["to_a"])
    assert not selectors.issues_visible_to(reader).filter(pk=world.issues["to_a"].pk).exists()
