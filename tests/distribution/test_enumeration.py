"""Ids of issues one may not read cannot be told from ids that are no issue: both paths cost the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Issue, Role
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(client, pk):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("distribution:issue", args=[pk]))
    return response.status_code, len(queries)


def test_an_invisible_issue_and_a_missing_id_answer_alike_with_the_same_queries(client, fake_pdf):
    unit = factories.RecipientFactory()
    hidden = factories.issue_to(Issue.Status.ISSUED, units=[(unit, Role.SEND)],
                                disclosure=Issue.Disclosure.NOT_PUBLIC)
    assert not hidden.is_public
    client.force_login(factories.reader(factories.RecipientFactory()))  # a unit it is not addressed to
    missing = hidden.pk + 1000
    for pk in (hidden.pk, missing):  # the first look of each fills the cache
        client.get(reverse("distribution:issue", args=[pk]))
    status_hidden, queries_hidden = _queries(client, hidden.pk)
    status_missing, queries_missing = _queries(client, missing)
    assert status_hidden == status_missing == 404
    assert queries_hidden == queries_missing


def test_an_id_looked_up_before_it_was_issued_shows_once_it_is(client, fake_pdf, django_capture_on_commit_callbacks):
    issue = factories.issue_to(Issue.Status.REVIEW)
    client.force_login(factories.leader())
    assert client.get(reverse("distribution:issue", args=[issue.pk])).status_code == 404
    from articles import services

    with django_capture_on_commit_callbacks(execute=True):
        services.issue_approve(issue=issue, actor=factories.leader())
    assert client.get(reverse("distribution:issue", args=[issue.pk])).status_code == 200
