"""Receipts and the emails sent when an issue is issued: once per unit, after commit, failures retried."""

import smtplib

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from articles import services as workflow
from articles.models import Issue
from distribution import services
from distribution.models import Notification, Receipt, Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def under_review():
    """An issue under review addressed to a unit with email, once directly and once through a group,
    to a second unit with email through the group, and to a unit without email."""
    direct = factories.RecipientFactory(name="直发单位", email="direct@example.org")
    grouped = factories.RecipientFactory(name="组内单位", email="grouped@example.org")
    silent = factories.RecipientFactory(name="无邮箱单位")
    group = factories.RecipientGroupFactory(units=[direct, grouped])
    issue = factories.issue_to(Issue.Status.REVIEW, units=[(direct, Role.SEND), (silent, Role.COPY)],
                               groups=[(group, Role.REPORT)])
    return issue, (direct, grouped, silent)


def test_issuing_emails_each_unit_with_an_address_once_after_commit(under_review, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    issue, (direct, grouped, silent) = under_review
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workflow.issue_publish(issue=issue, actor=factories.leader())
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["direct@example.org", "grouped@example.org"]
    assert all(issue.get_absolute_url() in m.body for m in mailoutbox)
    assert set(Notification.objects.filter(issue=issue).values_list("status", flat=True)) == {"sent"}
    assert set(Receipt.objects.filter(issue=issue).values_list("recipient", flat=True)) == {
        direct.pk, grouped.pk, silent.pk}


def test_no_email_when_the_issuing_transaction_rolls_back(under_review, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    issue, _units = under_review
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            workflow.issue_publish(issue=issue, actor=factories.leader())
            raise RuntimeError("something later in the same transaction fails")
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW


def test_a_failed_send_is_recorded_never_undoes_the_issue_and_can_be_retried(under_review, mailoutbox, monkeypatch,
                                                                              django_capture_on_commit_callbacks):
    issue, _units = under_review

    def refuse(**kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(services, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.issue_publish(issue=issue, actor=factories.leader())
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED
    failed = Notification.objects.filter(issue=issue)
    assert [(n.status, n.attempts) for n in failed] == [("failed", 1), ("failed", 1)]
    assert "mail server went away" in failed[0].last_error

    monkeypatch.undo()
    call_command("retry_notifications")
    assert len(mailoutbox) == 2
    assert [(n.status, n.attempts, n.last_error) for n in failed.all()] == [("sent", 2, ""), ("sent", 2, "")]
    call_command("retry_notifications")
    assert len(mailoutbox) == 2  # what went out is never sent twice


def test_the_after_commit_hook_never_raises(under_review, monkeypatch, caplog):
    issue, _units = under_review

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "issue_prepare_distribution", broken)
    services.issue_notify_recipients(issue_pk=issue.pk)
    assert "could not prepare the distribution" in caplog.text


def test_editors_retry_failed_emails_from_the_admin(client, mailoutbox, world):
    issue = world.issues["to_a"]
    notification = Notification.objects.create(issue=issue, recipient=world.unit_a, email="a@example.org",
                                               status="failed", attempts=1, last_error="timeout")
    client.force_login(world.users["editor"])
    response = client.post(reverse("admin:distribution_notification_changelist"),
                           {"action": "retry", "_selected_action": [notification.pk]}, follow=True)
    assert response.status_code == 200
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 2)
    assert len(mailoutbox) == 1


def test_leaders_cannot_retry(client, world):
    client.force_login(world.users["leader"])
    response = client.get(reverse("admin:distribution_notification_changelist"))
    assert response.status_code == 200
    assert response.context["action_form"] is None  # retrying is the only action, and it is not theirs


def test_only_the_first_view_download_and_acknowledgement_count(world):
    issue, unit = world.issues["to_a"], world.unit_a
    first, second = world.users["reader_a"], factories.reader(unit)
    for event in ["view", "download", "acknowledge"]:
        assert services.receipt_record(issue=issue, actor=first, event=event, units=[unit]) == 1
        assert services.receipt_record(issue=issue, actor=second, event=event, units=[unit]) == 0
    receipt = Receipt.objects.get(issue=issue, recipient=unit)
    assert receipt.first_viewed_by == receipt.first_downloaded_by == receipt.acknowledged_by == first
    assert receipt.first_viewed_at <= receipt.first_downloaded_at <= receipt.acknowledged_at


def test_portal_views_and_downloads_are_recorded_for_the_unit_and_not_for_staff(client_as, world):
    issue = world.issues["public"]
    client = client_as("reader_b")
    client.get(issue.get_absolute_url())
    receipt = Receipt.objects.get(issue=issue, recipient=world.unit_b)
    assert receipt.first_viewed_by == world.users["reader_b"]
    assert receipt.first_downloaded_at is None
    client.get(reverse("distribution:issue_pdf", args=[issue.pk]) + "?download=1")
    receipt.refresh_from_db()
    assert receipt.first_downloaded_by == world.users["reader_b"]
    client_as("editor").get(issue.get_absolute_url())
    assert Receipt.objects.filter(issue=issue).count() == 1
