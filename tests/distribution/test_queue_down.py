"""Redis down (the RQ queue unreachable): 签发 and 送审 over HTTP still succeed, the mail waits in the database and
the sweep sends it to a real SMTP server on loopback once, whatever happened to the queue."""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Issue, Role
from distribution import receivers, services
from distribution.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_issuing_over_http_with_redis_down_issues_and_the_sweep_mails_each_unit_once(
        client, redis_down, relay, fake_pdf, caplog, django_capture_on_commit_callbacks):
    units = [factories.RecipientFactory(name=f"单位{i}", email=f"unit{i}@example.org") for i in range(3)]
    issue = factories.issue_to(Issue.Status.REVIEW, units=[(unit, Role.SEND) for unit in units])
    client.force_login(factories.leader(email="leader@example.org"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_issue_approve", args=[issue.pk]))

    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED
    assert "could not queue the mail about issue" in caplog.text
    assert services.issue_mail_delayed(issue)
    notice = receivers.mail_delayed_notice(sender=Issue, issue=issue)
    assert notice == "任务队列暂不可用，通知邮件将延迟发送；系统会自动补发。"
    assert relay.messages == []

    Notification.objects.update(created_at=timezone.now() - services.UNCLAIMED_GRACE)
    services.notifications_sweep()
    services.notifications_sweep()
    assert sorted(m[0] for m in relay.messages) == sorted(unit.email for unit in units)
    assert not services.issue_mail_delayed(issue)
    assert receivers.mail_delayed_notice(sender=Issue, issue=issue) is None


def test_submitting_over_http_with_redis_down_submits_and_logs_the_lost_notice(
        client, redis_down, fake_pdf, caplog, django_capture_on_commit_callbacks):
    factories.leader(email="leader@example.org")  # the review step's group has someone to tell
    drafter = factories.editor(email="drafter@example.org")
    issue = factories.issue_to(Issue.Status.DRAFT, units=[(factories.RecipientFactory(), Role.SEND)])
    issue.created_by = drafter
    issue.save(update_fields=["created_by"])
    client.force_login(drafter)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("admin:articles_issue_submit", args=[issue.pk]))

    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW
    assert callbacks and "could not queue notify_people" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_leader_is_told_in_chinese_that_the_mail_will_be_late(client, redis_down, fake_pdf):
    unit = factories.RecipientFactory(name="迟到单位", email="late@example.org")
    issue = factories.issue_to(Issue.Status.REVIEW, units=[(unit, Role.SEND)])
    client.force_login(factories.leader(email="leader@example.org"))
    page = client.post(reverse("admin:articles_issue_approve", args=[issue.pk]), follow=True).content.decode()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED
    assert "任务队列暂不可用，通知邮件将延迟发送" in page
