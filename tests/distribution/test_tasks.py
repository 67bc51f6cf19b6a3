"""Mail on the task queue (the tasks in distribution/services.py): the issuing request only enqueues; the database
worker sends in batches over one SMTP connection, to a real SMTP server on loopback (aiosmtpd); temporary failures are
retried with backoff, permanent ones are final with their reason, and nothing goes to a unit twice."""

import datetime
import socket
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import services as workflow
from articles.models import Issue, Role
from distribution import services
from distribution.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def issue_to_units(count):
    units = [factories.RecipientFactory(name=f"单位{i}", email=f"unit{i}@example.org") for i in range(count)]
    return factories.issue_to(Issue.Status.REVIEW, units=[(unit, Role.SEND) for unit in units])


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_issuing_only_enqueues_and_the_worker_sends_over_one_connection(relay, database_queue, fake_pdf):
    issue = issue_to_units(30)

    workflow.issue_approve(issue=issue, actor=factories.leader())

    assert relay.messages == []  # nothing was sent inside the leader's request
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_issue_notifications").count() == 1
    run_worker()
    assert sorted(m[0] for m in relay.messages) == sorted(f"unit{i}@example.org" for i in range(30))
    assert relay.sessions == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    run_worker()
    services.notifications_send(notifications=Notification.objects.all())
    assert len(relay.messages) == 30  # nothing twice


def test_a_temporary_failure_is_retried_later_with_backoff(relay, database_queue, fake_pdf):
    issue = issue_to_units(3)
    relay.answer = "421 Try again later"
    workflow.issue_approve(issue=issue, actor=factories.leader())
    run_worker()

    failed = list(Notification.objects.all())
    assert {(n.status, n.attempts) for n in failed} == {("failed", 1)}
    assert all(n.next_attempt_at and "421" in n.last_error for n in failed)
    retry = DBTaskResult.objects.get(task_path__endswith="retry_notifications")
    assert retry.run_after >= timezone.now()

    relay.answer = None
    Notification.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    assert {(n.status, n.attempts) for n in Notification.objects.all()} == {("sent", 2)}
    assert len(relay.messages) == 3


def test_a_permanent_failure_is_final_with_its_reason_and_can_be_resent(relay, database_queue, fake_pdf):
    issue = issue_to_units(2)
    relay.answer = "550 No such mailbox"
    workflow.issue_approve(issue=issue, actor=factories.leader())
    run_worker()

    assert {(n.status, n.next_attempt_at) for n in Notification.objects.all()} == {("failed", None)}
    assert "550" in Notification.objects.first().last_error
    assert not DBTaskResult.objects.filter(task_path__endswith="retry_notifications").exists()
    relay.answer = None
    assert services.notifications_send(notifications=Notification.objects.all()) == (2, 0)  # the admin's resend


def test_a_message_left_claimed_by_a_dead_worker_is_sent_once_by_the_retry(relay, fake_pdf):
    issue = issue_to_units(2)
    with factories_no_mail():
        workflow.issue_approve(issue=issue, actor=factories.leader())
    stuck, done = Notification.objects.order_by("pk")
    # One was claimed by a worker that died before sending; the other was sent before it died.
    Notification.objects.filter(pk=stuck.pk).update(status="pending", attempts=1,
                                                    claimed_at=timezone.now() - datetime.timedelta(hours=1))
    Notification.objects.filter(pk=done.pk).update(status="sent", attempts=1, sent_at=timezone.now())

    services.retry_notifications.call()
    services.retry_notifications.call()

    assert relay.messages == [[stuck.email]]


class factories_no_mail:
    """Issue without sending: the immediate task backend is swapped for one that keeps tasks."""

    def __enter__(self):
        from django.test import override_settings

        self.override = override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                                            "QUEUES": ["default"]}})
        self.override.enable()

    def __exit__(self, *exc):
        self.override.disable()


def test_the_request_does_not_wait_for_a_stalled_relay(settings, database_queue, fake_pdf):
    # A relay that accepts connections and never answers: the issuing still returns at once.
    stalled = socket.socket()
    stalled.bind(("127.0.0.1", 0))
    stalled.listen()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", stalled.getsockname()[1], 1
    issue = issue_to_units(5)
    done = threading.Event()

    def issue_it():
        workflow.issue_approve(issue=Issue(pk=issue.pk), actor=factories.leader())
        done.set()

    thread = threading.Thread(target=issue_it)
    thread.start()
    thread.join(30)
    stalled.close()
    assert done.is_set()
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.ISSUED
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
