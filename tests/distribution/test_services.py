"""Receipts and the emails sent when an issue is issued: once per unit, after commit, failures retried."""

import datetime
import io
import smtplib

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from articles import services as workflow
from articles.models import Issue, Role
from distribution import services
from distribution.models import Notification, Receipt
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
        workflow.issue_approve(issue=issue, actor=factories.leader())
        assert mailoutbox == []  # nothing leaves before the commit
    assert len([c for c in callbacks if c.__qualname__.startswith("issue_mail_enqueue")]) == 1
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
            workflow.issue_approve(issue=issue, actor=factories.leader())
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
        workflow.issue_approve(issue=issue, actor=factories.leader())
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED
    failed = Notification.objects.filter(issue=issue)
    assert [(n.status, n.attempts) for n in failed] == [("failed", 1), ("failed", 1)]
    assert "mail server went away" in failed[0].last_error

    monkeypatch.undo()
    failed.update(next_attempt_at=timezone.now())  # the backoff has passed: the timer's sweep finds them due
    out = io.StringIO()
    with translation.override("en"):
        call_command("retry_notifications", stdout=out)
    assert out.getvalue() == "Sent: 2, failed: 0.\n"
    assert len(mailoutbox) == 2
    assert [(n.status, n.attempts, n.last_error) for n in failed.all()] == [("sent", 2, ""), ("sent", 2, "")]
    call_command("retry_notifications")
    assert len(mailoutbox) == 2  # what went out is never sent twice


def test_receipts_and_pending_emails_are_made_in_the_issuing_transaction(under_review,
                                                                         django_capture_on_commit_callbacks):
    issue, (direct, grouped, silent) = under_review
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.issue_approve(issue=issue, actor=factories.leader())
    # Only the sending waits for the commit (and forgetting a cached "not issued" for the portal; the OFD, docs/ofd.md).
    assert [c.__qualname__.split(".")[0] for c in callbacks] == [
        "issue_mail_enqueue_after_commit", "issue_distribute", "issue_approve"]
    assert set(Receipt.objects.filter(issue=issue).values_list("recipient", flat=True)) == {
        direct.pk, grouped.pk, silent.pk}
    assert sorted(Notification.objects.filter(issue=issue).values_list("email", "status")) == [
        ("direct@example.org", "pending"), ("grouped@example.org", "pending")]


def test_the_delivery_task_sends_only_pending_emails(under_review, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    issue, (direct, _grouped, _silent) = under_review
    with django_capture_on_commit_callbacks(execute=False):
        workflow.issue_approve(issue=issue, actor=factories.leader())
    Notification.objects.filter(issue=issue, recipient=direct).update(status="failed", attempts=1)
    services.deliver_issue_notifications.call(issue.pk)
    assert [m.to for m in mailoutbox] == [["grouped@example.org"]]  # failed ones wait for a retry


def test_a_queue_that_refuses_the_mail_never_undoes_the_issuing_and_the_sweep_sends_it(
        under_review, mailoutbox, redis_down, caplog, django_capture_on_commit_callbacks):
    issue, _units = under_review
    with django_capture_on_commit_callbacks(execute=True):
        workflow.issue_approve(issue=issue, actor=factories.leader())
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED
    assert "could not queue the mail about issue" in caplog.text
    assert services.issue_mail_delayed(issue)
    assert mailoutbox == []

    services.notifications_sweep()
    assert mailoutbox == []  # younger than a minute: left to a delivery task that may still come
    Notification.objects.update(created_at=timezone.now() - services.UNCLAIMED_GRACE)
    assert services.notifications_sweep() == (2, 0)
    assert not services.issue_mail_delayed(issue)
    assert services.notifications_sweep() == (0, 0)
    assert len(mailoutbox) == 2


def test_the_sweep_sends_claims_left_by_a_dead_worker_and_not_those_in_flight(under_review, mailoutbox, settings,
                                                                             django_capture_on_commit_callbacks):
    issue, (direct, grouped, _silent) = under_review
    with django_capture_on_commit_callbacks(execute=False):
        workflow.issue_approve(issue=issue, actor=factories.leader())
    stale = timezone.now() - datetime.timedelta(seconds=settings.BULLETIN_MAIL_CLAIM_SECONDS + 1)
    Notification.objects.filter(recipient=direct).update(attempts=1, claimed_at=stale)
    Notification.objects.filter(recipient=grouped).update(attempts=1, claimed_at=timezone.now())

    call_command("retry_notifications", stdout=io.StringIO())

    assert [m.to for m in mailoutbox] == [["direct@example.org"]]
    assert Notification.objects.get(recipient=direct).status == "sent"
    assert Notification.objects.get(recipient=grouped).status == "pending"  # another worker is sending it


def test_final_failures_are_sent_again_only_when_asked(under_review, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    issue, _units = under_review
    with django_capture_on_commit_callbacks(execute=False):
        workflow.issue_approve(issue=issue, actor=factories.leader())
    Notification.objects.update(status="failed", attempts=1, last_error="550 No such mailbox")

    call_command("retry_notifications", stdout=io.StringIO())
    assert mailoutbox == []
    call_command("retry_notifications", "--failed", stdout=io.StringIO())
    assert len(mailoutbox) == 2


def test_editors_retry_failed_emails_from_the_admin(client, mailoutbox, world):
    # Issuing made the notification; here its first send failed.
    notification = Notification.objects.get(issue=world.issues["to_a"], recipient=world.unit_a)
    Notification.objects.filter(pk=notification.pk).update(status="failed", attempts=1, last_error="timeout")
    client.force_login(world.users["editor"])
    response = client.post(reverse("admin:distribution_notification_changelist"),
                           {"action": "retry", "_selected_action": [notification.pk]}, follow=True)
    assert response.status_code == 200
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
    assert [m.to for m in mailoutbox] == [["a@example.org"]]


def test_no_transaction_is_held_while_the_mail_server_is_talked_to(world, monkeypatch, mailoutbox):
    notification = Notification.objects.get(issue=world.issues["to_a"], recipient=world.unit_a)
    outside = len(connection.atomic_blocks)
    during = []

    def send(**kwargs):
        during.append(len(connection.atomic_blocks))
        Notification.objects.filter(pk=notification.pk).update(email="changed@example.org")  # not locked

    monkeypatch.setattr(services, "send_mail", send)
    assert services.notification_send(notification_pk=notification.pk)
    assert during == [outside]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)


def test_an_email_being_sent_is_not_sent_again_by_a_retry(world, monkeypatch, mailoutbox):
    notification = Notification.objects.get(issue=world.issues["to_a"], recipient=world.unit_a)
    send_mail = services.send_mail

    def slow_send(**kwargs):
        if not mailoutbox:  # while the first email is on its way, cron runs retry_notifications
            Notification.objects.update(created_at=timezone.now() - services.UNCLAIMED_GRACE)
            services.notifications_sweep(failed=True)
        send_mail(**kwargs)

    monkeypatch.setattr(services, "send_mail", slow_send)
    assert services.notification_send(notification_pk=notification.pk)
    assert sum(m.to == ["a@example.org"] for m in mailoutbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)


def test_of_two_senders_that_read_the_same_row_only_one_claims_it(world):
    notification = Notification.objects.get(issue=world.issues["to_a"], recipient=world.unit_a)
    assert services._notification_claim(notification)
    assert not services._notification_claim(notification)  # the same stale read, in another process
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 1)


def test_a_failure_is_not_recorded_over_a_success(world, monkeypatch):
    notification = Notification.objects.get(issue=world.issues["to_a"], recipient=world.unit_a)

    def fail_after_another_sender_succeeded(**kwargs):
        Notification.objects.filter(pk=notification.pk).update(status="sent", sent_at=timezone.now())
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(services, "send_mail", fail_after_another_sender_succeeded)
    assert not services.notification_send(notification_pk=notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.last_error) == ("sent", "")


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


def test_a_message_another_sender_is_sending_is_not_taken_over_by_a_resend(world, mailoutbox):
    notification = Notification.objects.get(issue=world.issues["to_a"], recipient=world.unit_a)
    Notification.objects.filter(pk=notification.pk).update(status="pending", attempts=1, claimed_at=timezone.now())

    assert services.notifications_send(notifications=Notification.objects.filter(pk=notification.pk)) == (0, 1)
    assert mailoutbox == []
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 1)
