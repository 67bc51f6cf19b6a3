"""Writes on distribution: receipts (viewed, downloaded, 签收) and the emails that announce an issue."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from articles.models import Issue
from distribution.models import Notification, Receipt
from distribution.selectors import recipient_units

logger = logging.getLogger(__name__)

RECEIPT_EVENTS = {"view": "first_viewed", "download": "first_downloaded", "acknowledge": "acknowledged"}


def receipt_record(*, issue, actor, event, units):
    """Record the first view, first download or the 签收 of `issue` by `actor` for each of `units`."""
    field = RECEIPT_EVENTS[event]
    with transaction.atomic():
        Receipt.objects.bulk_create([Receipt(issue=issue, recipient=unit) for unit in units], ignore_conflicts=True)
        # Only the first time counts; the filter makes a concurrent second request a no-op.
        return Receipt.objects.filter(issue=issue, recipient__in=units, **{f"{field}_at__isnull": True}).update(
            **{f"{field}_at": timezone.now(), f"{field}_by": actor}
        )


def issue_prepare_distribution(*, issue):
    """Create a receipt for every addressed unit and a pending notification for each one with an email."""
    units = list(recipient_units(issue).filter(is_active=True))
    with transaction.atomic():
        Receipt.objects.bulk_create([Receipt(issue=issue, recipient=unit) for unit in units], ignore_conflicts=True)
        Notification.objects.bulk_create(
            [Notification(issue=issue, recipient=unit, email=unit.email) for unit in units if unit.email],
            ignore_conflicts=True,
        )


def notification_send(*, notification_pk):
    """Send one notification unless it went out already; record the outcome. Returns True when sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("issue__series", "recipient")
            .exclude(status=Notification.Status.SENT).filter(pk=notification_pk).first()
        )
        if notification is None:
            return False
        issue = notification.issue
        link = settings.SITE_URL + issue.get_absolute_url()
        notification.attempts += 1
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
            notification.status = Notification.Status.FAILED
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
        notification.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    return notification.status == Notification.Status.SENT


def notifications_send(*, notifications):
    """Send every notification in `notifications` that has not gone out; return (sent, failed)."""
    pks = list(notifications.exclude(status=Notification.Status.SENT).values_list("pk", flat=True))
    sent = sum(notification_send(notification_pk=pk) for pk in pks)
    return sent, len(pks) - sent


def issue_notify_recipients(*, issue_pk):
    """After the issue is committed: prepare receipts and email each addressed unit once; never raises."""
    try:
        issue = Issue.objects.issued().get(pk=issue_pk)
        issue_prepare_distribution(issue=issue)
        notifications_send(notifications=Notification.objects.filter(issue=issue))
    except Exception:  # noqa: BLE001 - the issue is out; a failure here is logged, recorded and retried
        logger.exception("could not prepare the distribution of issue %s", issue_pk)


def notifications_retry():
    """Send again every notification that failed or never went out; return (sent, failed)."""
    return notifications_send(notifications=Notification.objects.all())
