"""Issued issues never change: conditional GETs answer 304, and each portal view runs a fixed number of queries."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from articles.models import Article, Distribution, Issue, Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def big(world):
    """A public issue with many articles and addressees, to show the counts do not grow with the data."""
    units = [factories.RecipientFactory() for _ in range(6)]
    issue = factories.issue_to(
        Issue.Status.ISSUED, units=[(unit, Role.SEND) for unit in units[:4]],
        groups=[(factories.RecipientGroupFactory(units=units[4:]), Role.REPORT)], articles=5,
    )
    return issue


def test_issue_page_answers_304_to_its_etag(client_as, world):
    client = client_as("reader_a")
    url = world.issues["to_a"].get_absolute_url()
    client.get(url)  # sets the CSRF cookie, which is part of the page (its forms)
    first = client.get(url)
    assert first["Cache-Control"] == "private, no-cache"
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_the_etag_changes_when_the_unit_acknowledges(client_as, world):
    client = client_as("reader_a")
    issue = world.issues["to_a"]
    before = client.get(issue.get_absolute_url())["ETag"]
    client.post(reverse("distribution:issue_acknowledge", args=[issue.pk]))
    after = client.get(issue.get_absolute_url(), HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before
    assert "甲收文员 于" in after.content.decode()


def test_another_user_does_not_get_a_304_for_someone_elses_page(client, world):
    issue = world.issues["public"]
    client.force_login(world.users["reader_b"])
    etag = client.get(issue.get_absolute_url())["ETag"]
    client.force_login(world.users["editor"])
    assert client.get(issue.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_anonymous_pages_revalidate_by_date_too(client, world):
    url = world.issues["public"].get_absolute_url()
    first = client.get(url)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_signed_in_pages_do_not_revalidate_by_date_alone(client_as, world):
    client = client_as("reader_b")
    url = world.issues["public"].get_absolute_url()
    assert not client.get(url).has_header("Last-Modified")
    assert client.get(url, HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT").status_code == 200


def test_pdf_answers_304_to_its_sha256(client_as, world):
    issue = world.issues["to_a"]
    response = client_as("reader_a").get(reverse("distribution:issue_pdf", args=[issue.pk]),
                                         HTTP_IF_NONE_MATCH=f'"{issue.pdf_sha256}"')
    assert response.status_code == 304


# A signed-in user costs 2 queries (session, user) and one for their units; staff 2 more (permissions)
# where being staff matters (the archive, a non-public issue).
# Cold: nothing cached. Warm: the issue's rendered text, the archive (keyed by the latest issuing and the
# reader's units) and what anonymous visitors may see are cached: issued issues never change.
@pytest.mark.parametrize(("user", "cold", "warm", "searched"), [
    # searched: the search page (the archive's search box leads there): count, the page, facets
    ("anonymous", 5, 1, 3), ("reader_a", 9, 5, 6), ("editor", 10, 6, 7),
])
def test_archive_runs_a_fixed_number_of_queries(client_as, world, big, django_assert_num_queries,
                                                user, cold, warm, searched):
    client = client_as(user)
    with django_assert_num_queries(cold):
        client.get(reverse("distribution:home"))
    with django_assert_num_queries(warm):
        client.get(reverse("distribution:home"))
    with django_assert_num_queries(searched):
        client.get(reverse("distribution:search"), {"q": "测试 文章", "year": "2025", "page": "1"})


@pytest.mark.parametrize(("user", "issue", "cold", "warm"), [
    # Cold counts include no query for the 报 / 送 / 发 lines: they are frozen on the issue when it is issued.
    ("anonymous", "public", 2, 0), ("anonymous", "big", 2, 0),
    ("reader_b", "public", 6, 4), ("reader_b", "big", 6, 4),
    ("editor", "public", 5, 3), ("editor", "big", 5, 3), ("editor", "to_a", 7, 5),
])
def test_issue_page_runs_a_fixed_number_of_queries(client_as, world, big, django_assert_num_queries,
                                                   user, issue, cold, warm):
    client = client_as(user)
    url = (big if issue == "big" else world.issues[issue]).get_absolute_url()
    client.get(url)  # the first view of a unit writes its receipt
    cache.clear()
    with django_assert_num_queries(cold):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(warm):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(("user", "cold", "warm"), [("anonymous", 1, 0), ("reader_b", 5, 4), ("editor", 4, 3)])
def test_pdf_download_runs_a_fixed_number_of_queries(client_as, world, big, django_assert_num_queries,
                                                     user, cold, warm):
    client = client_as(user)
    url = reverse("distribution:issue_pdf", args=[world.issues["public"].pk]) + "?download=1"
    client.get(url)
    cache.clear()
    with django_assert_num_queries(cold):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(warm):
        assert client.get(url).status_code == 200


def test_more_articles_and_addressees_do_not_change_the_counts(world, big):
    assert Article.objects.filter(issue=big).count() == 5
    assert Distribution.objects.filter(issue=big).count() == 5


def test_the_cached_public_archive_shows_a_newly_issued_issue_at_once(client, world):
    before = client.get(reverse("distribution:home")).content.decode()
    new = factories.issue_to(Issue.Status.ISSUED, disclosure=Issue.Disclosure.PUBLIC, articles=1,
                             issue_date=datetime.date(2025, 6, 1))
    after = client.get(reverse("distribution:home")).content.decode()
    assert new.get_absolute_url() not in before
    assert f'href="{new.get_absolute_url()}"' in after


def test_the_cached_archive_follows_the_readers_units_not_later_group_changes(client_as, world):
    """A unit added to a group later does not see what went to the group before; a new account of a unit
    sees the unit's issues at once (the cache key includes the units)."""
    client = client_as("reader_a")
    hidden = world.issues["to_other"]

    def archive():
        return client.get(reverse("distribution:home")).content.decode().split('id="archive"')[1]

    assert f'href="{hidden.get_absolute_url()}"' not in archive()
    world.group_b.members.add(world.unit_a)
    assert f'href="{hidden.get_absolute_url()}"' not in archive()
    world.unit_b.members.add(world.users["reader_a"])
    assert f'href="{hidden.get_absolute_url()}"' in archive()
