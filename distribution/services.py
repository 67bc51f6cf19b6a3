"""Writes on distribution: receipts (viewed, downloaded, 签收) and the emails that announce an issue."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from articles.selectors import recipient_units
from distribution.models import Notification, Receipt

logger = logging.getLogger(__name__)

RECEIPT_EVENTS = {"view": "first_viewed", "download": "first_downloaded", "acknowledge": "acknowledged"}


def receipt_record(*, issue, actor, event, units):
    """Record the first view, first download or the 签收 of `issue` by `actor` for each of `units`."""
    field = RECEIPT_EVENTS[event]
    # The receipts exist since the issuing (they are what lets the units read it), so this only fills them in.
    # Only the first time counts; the filter makes a concurrent second request a no-op.
    return Receipt.objects.filter(issue=issue, recipient__in=units, **{f"{field}_at__isnull": True}).update(
        **{f"{field}_at": timezone.now(), f"{field}_by": actor}
    )


def issue_distribute(sender, *, issue, **kwargs):
    """On issuing (articles.signals.issue_issued): prepare its receipts and mail, and send the mail after commit."""
    issue_prepare_distribution(issue=issue)
    transaction.on_commit(lambda: issue_notify_recipients(issue_pk=issue.pk))


def issue_prepare_distribution(*, issue):
    """Create a receipt for every addressed unit and a pending notification for each one with an email.

    Runs inside the issuing transaction: the receipts are also who may read the issue.
    """
    units = list(recipient_units(issue).filter(is_active=True))
    with transaction.atomic():
        Receipt.objects.bulk_create([Receipt(issue=issue, recipient=unit) for unit in units], ignore_conflicts=True)
        Notification.objects.bulk_create(
            [Notification(issue=issue, recipient=unit, email=unit.email) for unit in units if unit.email],
            ignore_conflicts=True,
        )


def _notification_claim(notification):
    """Mark `notification` (as read) pending with one more attempt; False if another sender got there first."""
    # Of two senders that read the same row, only the first moves `attempts` on; the other one stops.
    # Pending with attempts > 0 means "being sent": the retry command leaves such rows alone.
    return bool(
        Notification.objects.filter(pk=notification.pk, attempts=notification.attempts)
        .exclude(status=Notification.Status.SENT)
        .update(status=Notification.Status.PENDING, attempts=F("attempts") + 1)
    )


def notification_send(*, notification_pk):
    """Send one notification unless it went out already; record the outcome. Returns True when sent."""
    # No transaction is held across the SMTP call: on SQLite that would hold the database's one write lock.
    notification = (
        Notification.objects.select_related("issue__series", "recipient")
        .exclude(status=Notification.Status.SENT).filter(pk=notification_pk).first()
    )
    if notification is None or not _notification_claim(notification):
        return False
    attempt = notification.attempts + 1
    issue = notification.issue
    link = settings.SITE_URL + issue.get_absolute_url()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            send_mail(
                subject=_("%(issue)s has been issued") % {"issue": issue},
                message=_("%(unit)s:\n\n%(issue)s has been issued. Read it and acknowledge receipt here:\n"
                          "%(link)s\n") % {"unit": notification.recipient.name, "issue": issue, "link": link},
                from_email=None,
                recipient_list=[notification.email],
            )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded for a retry
        logger.warning("could not notify %s of issue %s: %s", notification.recipient, issue.pk, exc)
        # Only this attempt's own failure is recorded: never over a success or a later attempt.
        Notification.objects.filter(pk=notification.pk, attempts=attempt).exclude(
            status=Notification.Status.SENT
        ).update(status=Notification.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        return False
    Notification.objects.filter(pk=notification.pk).exclude(status=Notification.Status.SENT).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def notifications_send(*, notifications):
    """Send every notification in `notifications` that has not gone out; return (sent, failed)."""
    pks = list(notifications.exclude(status=Notification.Status.SENT).values_list("pk", flat=True))
    sent = sum(notification_send(notification_pk=pk) for pk in pks)
    return sent, len(pks) - sent


def issue_notify_recipients(*, issue_pk):
    """After the issue is committed: send the notifications made while issuing it; never raises."""
    try:
        notifications_send(
            notifications=Notification.objects.filter(issue_id=issue_pk, status=Notification.Status.PENDING, attempts=0)
        )
    except Exception:  # noqa: BLE001 - the issue is out; a failure here is logged and the emails retried
        logger.exception("could not notify the recipients of issue %s", issue_pk)


def notifications_retry():
    """Send again every notification that failed or never went out (not those being sent); return (sent, failed)."""
    return notifications_send(
        notifications=Notification.objects.exclude(status=Notification.Status.PENDING, attempts__gt=0)
    )
