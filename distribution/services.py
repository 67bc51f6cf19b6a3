"""Writes on distribution: receipts (viewed, downloaded, 签收) and the emails that announce an issue."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.selectors import recipient_units
from distribution.models import Notification, Receipt

logger = logging.getLogger(__name__)

# Messages per SMTP connection; a claim older than this was left by a worker that died mid-send.
BATCH = 200
ABANDONED_AFTER = timedelta(minutes=10)
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
    """On issuing (articles.signals.issue_issued): prepare its receipts and mail; the mail goes on the task queue
    once the issue is committed, so the leader's request never waits for a mail server."""
    from distribution.tasks import deliver_issue_notifications

    issue_prepare_distribution(issue=issue)
    transaction.on_commit(lambda: deliver_issue_notifications.enqueue(issue.pk))


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
        .update(status=Notification.Status.PENDING, attempts=F("attempts") + 1, claimed_at=timezone.now(),
                next_attempt_at=None)
    )


def _is_temporary(exc):
    """A failure worth trying again later: a 4xx reply, or no (working) connection to the relay."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError))


def notification_send(*, notification_pk, connection=None, unreachable=None):
    """Send one notification unless it went out already; record the outcome. Returns True when sent.

    `unreachable`: the error the batch got connecting to the relay; the message then fails with it at
    once (and is retried later) instead of waiting for the relay's timeout again.
    """
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
        if unreachable is not None:
            raise unreachable
        with translation.override(settings.LANGUAGE_CODE):
            send_mail(
                subject=_("%(issue)s has been issued") % {"issue": issue},
                message=_("%(unit)s:\n\n%(issue)s has been issued. Read it and acknowledge receipt here:\n"
                          "%(link)s\n") % {"unit": notification.recipient.name, "issue": issue, "link": link},
                from_email=None,
                recipient_list=[notification.email],
                connection=connection,  # the batch's one SMTP connection
            )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded for a retry
        logger.warning("could not notify %s of issue %s: %s", notification.recipient, issue.pk, exc)
        retry_at = None
        if _is_temporary(exc) and attempt < settings.BULLETIN_MAIL_ATTEMPTS:
            # 1, 2, 4, 8… times the base delay.
            retry_at = timezone.now() + timedelta(seconds=settings.BULLETIN_MAIL_RETRY_SECONDS * 2 ** (attempt - 1))
        # Only this attempt's own failure is recorded: never over a success or a later attempt.
        Notification.objects.filter(pk=notification.pk, attempts=attempt).exclude(
            status=Notification.Status.SENT
        ).update(status=Notification.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000],
                 next_attempt_at=retry_at)
        if connection is not None and unreachable is None:
            # The relay may have dropped the connection: the next message of the batch opens a new one and
            # keeps it for the rest of the batch.
            connection.close()
            try:
                connection.open()
            except Exception:  # noqa: BLE001 - the next message records its own failure
                pass
        return False
    Notification.objects.filter(pk=notification.pk).exclude(status=Notification.Status.SENT).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def notifications_send(*, notifications):
    """Send every notification in `notifications` that has not gone out, over one SMTP connection per batch of
    BATCH; return (sent, failed)."""
    pks = list(notifications.exclude(status=Notification.Status.SENT).values_list("pk", flat=True))
    sent = 0
    for start in range(0, len(pks), BATCH):
        connection, unreachable = get_connection(), None
        try:
            connection.open()  # held open for the batch (else every message opens and closes its own)
        except Exception as exc:  # noqa: BLE001 - every message of the batch records it and is retried later
            logger.warning("could not connect to the mail server: %s", exc)
            unreachable = exc
        try:
            sent += sum(notification_send(notification_pk=pk, connection=connection, unreachable=unreachable)
                        for pk in pks[start:start + BATCH])
        finally:
            connection.close()
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


def notifications_due():
    """What the queue's retry task sends: temporary failures whose time has come, and claims left by a worker
    that died between claiming a message and recording its outcome."""
    now = timezone.now()
    return Notification.objects.filter(
        Q(status=Notification.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=Notification.Status.PENDING, attempts__gt=0, claimed_at__lt=now - ABANDONED_AFTER)
    )


def next_retry_at():
    """When the next temporary failure is due (None when none waits)."""
    return (Notification.objects.filter(status=Notification.Status.FAILED, next_attempt_at__isnull=False)
            .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())


# --- 催签: reminding units that have not acknowledged --------------------------------------------------------


def receipts_to_remind(*, now=None):
    """Receipts of issued issues not acknowledged within their series' reminder_days, and not reminded since."""
    now = now or timezone.now()
    due = []
    receipts = (Receipt.objects.filter(acknowledged_at__isnull=True, issue__series__reminder_days__gt=0)
                .select_related("issue__series"))
    for receipt in receipts:
        days = timedelta(days=receipt.issue.series.reminder_days)
        if receipt.issue.issued_at <= now - days and (
                receipt.last_reminded_at is None or receipt.last_reminded_at <= now - days):
            due.append(receipt)
    return due


def receipts_remind(*, receipt_pks):
    """Remind each unit of these receipts that has not acknowledged, over one SMTP connection; log it on the
    receipt. Returns (reminded, without email, failed)."""
    receipts = list(Receipt.objects.filter(pk__in=receipt_pks, acknowledged_at__isnull=True)
                    .select_related("issue__series", "recipient"))
    reminded = without_email = failed = 0
    connection = get_connection()
    try:
        connection.open()
    except Exception:  # noqa: BLE001 - each message records its own failure below
        logger.warning("could not connect to the mail server for reminders", exc_info=True)
    try:
        for receipt in receipts:
            if not receipt.recipient.email:
                without_email += 1
                continue
            issue = receipt.issue
            try:
                with translation.override(settings.LANGUAGE_CODE):
                    send_mail(
                        subject=_("Reminder: please acknowledge %(issue)s") % {"issue": issue},
                        message=_("%(unit)s:\n\n%(issue)s was issued on %(date)s and your unit has not acknowledged "
                                  "it yet. Please read it and acknowledge receipt here:\n%(link)s\n") % {
                            "unit": receipt.recipient.name, "issue": issue,
                            "date": timezone.localtime(issue.issued_at).strftime("%Y-%m-%d"),
                            "link": settings.SITE_URL + issue.get_absolute_url()},
                        from_email=None, recipient_list=[receipt.recipient.email], connection=connection,
                    )
            except Exception:  # noqa: BLE001 - a failed reminder is counted and logged; the next round tries again
                logger.warning("could not remind %s of issue %s", receipt.recipient, issue.pk, exc_info=True)
                failed += 1
                continue
            Receipt.objects.filter(pk=receipt.pk).update(reminders=F("reminders") + 1,
                                                         last_reminded_at=timezone.now())
            reminded += 1
    finally:
        connection.close()
    return reminded, without_email, failed


RECEIPT_COLUMNS = [
    ("recipient", gettext_lazy("unit")), ("first_viewed_at", gettext_lazy("first viewed at")),
    ("first_viewed_by", gettext_lazy("first viewed by")), ("first_downloaded_at", gettext_lazy("first downloaded at")),
    ("first_downloaded_by", gettext_lazy("first downloaded by")), ("acknowledged_at", gettext_lazy("acknowledged at")),
    ("acknowledged_by", gettext_lazy("acknowledged by")), ("reminders", gettext_lazy("reminders sent")),
    ("last_reminded_at", gettext_lazy("last reminded at")),
]


def receipt_rows(issue):
    """The issue's 签收情况 as rows of plain values (header first), for the .csv and .xlsx exports."""
    def plain(value):
        if value is None:
            return ""
        if hasattr(value, "astimezone"):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        if hasattr(value, "get_username"):
            return value.get_full_name() or value.get_username()
        return value if isinstance(value, int) else str(value)

    with translation.override(settings.LANGUAGE_CODE):
        header = [str(label) for _name, label in RECEIPT_COLUMNS]
    rows = [header]
    receipts = (Receipt.objects.filter(issue=issue)
                .select_related("recipient", "first_viewed_by", "first_downloaded_by", "acknowledged_by")
                .order_by("recipient__sort_order", "recipient__name"))
    for receipt in receipts:
        rows.append([plain(getattr(receipt, name)) for name, _label in RECEIPT_COLUMNS])
    return rows


# --- workflow notices to staff: an issue waits at your step, was returned to you, was issued -------------


def people_notify(*, user_ids, subject, body):
    """Mail `subject`/`body` to the active users among `user_ids` that have an address; return how many."""
    from django.contrib.auth import get_user_model

    addresses = sorted({email for email in get_user_model().objects.filter(pk__in=user_ids, is_active=True)
                        .exclude(email="").values_list("email", flat=True)})
    if not addresses:
        return 0
    with get_connection() as connection:
        messages = [EmailMessage(subject=subject, body=body, to=[address], connection=connection)
                    for address in addresses]
        return connection.send_messages(messages) or 0


def _admin_link(issue):
    return settings.SITE_URL + reverse("admin:articles_issue_change", args=[issue.pk])


def _notice(issue, user_ids, subject, body):
    from django.contrib.auth import get_user_model

    from distribution.tasks import notify_people

    # Only people with an address: no task for a notice nobody can receive.
    user_ids = list(get_user_model().objects.filter(pk__in=[pk for pk in user_ids if pk], is_active=True)
                    .exclude(email="").values_list("pk", flat=True))
    if user_ids:
        transaction.on_commit(lambda: notify_people.enqueue(user_ids, subject, body))


def on_step_reached(sender, *, issue, actor, **kwargs):
    """An issue reached a step: its group's members are told (not the one who moved it there)."""
    from django.contrib.auth import get_user_model

    step = issue.current_step
    members = get_user_model().objects.filter(groups=step["group"]).exclude(pk=actor.pk).values_list("pk", flat=True)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(issue)s waits for you: %(step)s") % {"issue": issue, "step": step["name"]}
        body = _("%(issue)s has reached the step %(step)s, which your group %(group)s does.\n%(link)s\n") % {
            "issue": issue, "step": step["name"], "group": step["group_name"], "link": _admin_link(issue)}
    _notice(issue, list(members), subject, body)


def on_returned(sender, *, issue, actor, comment, **kwargs):
    """An issue was returned: its drafter and its submitter are told why."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(issue)s was returned") % {"issue": issue}
        body = _("%(who)s returned %(issue)s: %(comment)s\n%(link)s\n") % {
            "who": actor.get_full_name() or actor.get_username(), "issue": issue, "comment": comment,
            "link": _admin_link(issue)}
    _notice(issue, {issue.created_by_id, issue.submitted_by_id} - {actor.pk}, subject, body)


def on_issued_tell_drafter(sender, *, issue, actor, **kwargs):
    """An issue was issued: its drafter and its submitter are told."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(issue)s has been issued") % {"issue": issue}
        body = _("%(who)s issued %(issue)s.\n%(link)s\n") % {
            "who": actor.get_full_name() or actor.get_username(), "issue": issue, "link": _admin_link(issue)}
    _notice(issue, {issue.created_by_id, issue.submitted_by_id} - {actor.pk}, subject, body)
