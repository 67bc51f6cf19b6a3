"""Work that leaves the request, on Django's task framework (django-tasks): the mail about issued issues.

The worker (`manage.py db_worker`, started by scripts/run.sh and by the compose file's `worker`
service) runs these. Each message is claimed on its Notification row before it is sent and marked
right after, so a retry never sends a unit the same message twice, and a message left claimed by a
worker that died is picked up again (distribution.services.notifications_due).
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from distribution import services
from distribution.models import Notification


@task()
def deliver_issue_notifications(issue_pk):
    """Send the notifications made when the issue was issued, then schedule the retries of what failed."""
    sent, failed = services.notifications_send(
        notifications=Notification.objects.filter(issue_id=issue_pk, status=Notification.Status.PENDING, attempts=0))
    schedule_retries()
    return {"sent": sent, "failed": failed}


@task()
def retry_notifications():
    """Send what is due again (temporary failures, abandoned claims), then schedule the next round."""
    sent, failed = services.notifications_send(notifications=services.notifications_due())
    schedule_retries()
    return {"sent": sent, "failed": failed}


def schedule_retries():
    """Enqueue one retry task at the time the next temporary failure is due, if any is."""
    due = services.next_retry_at()
    if due is None:
        return
    if not retry_notifications.get_backend().supports_defer:
        # A backend that runs tasks at once (the tests' default) cannot wait: `retry_notifications` the command
        # (cron) sends what is due instead.
        return
    retry_notifications.using(run_after=max(due, timezone.now() + timedelta(seconds=1))).enqueue()


@task()
def remind_units(receipt_pks):
    """催签: remind the units of these receipts that have not acknowledged (logged on each receipt)."""
    reminded, without_email, failed = services.receipts_remind(receipt_pks=receipt_pks)
    return {"reminded": reminded, "without_email": without_email, "failed": failed}


@task()
def notify_people(user_ids, subject, body):
    """A workflow notice to staff (a step's group, the drafter), over one SMTP connection."""
    return {"sent": services.people_notify(user_ids=user_ids, subject=subject, body=body)}
