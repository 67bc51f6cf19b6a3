"""What the units do with an issued issue (receipts), the emails announcing it, and the portal's login limits."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Issue, Recipient


class Receipt(models.Model):
    """What one recipient unit has done with an issued issue: first view, first download, 签收."""

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="receipts", verbose_name=_("issue"))
    recipient = models.ForeignKey(Recipient, models.CASCADE, related_name="receipts", verbose_name=_("unit"))
    first_viewed_at = models.DateTimeField(_("first viewed at"), null=True, blank=True)
    first_viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("first viewed by"),
    )
    first_downloaded_at = models.DateTimeField(_("first downloaded at"), null=True, blank=True)
    first_downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("first downloaded by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("acknowledged by"),
    )
    # 催签: reminders sent to a unit that has not acknowledged.
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts (viewed, downloaded, acknowledged)")
        ordering = ["issue", "recipient__sort_order", "recipient__name"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "recipient"], name="receipt_once_per_issue_unit"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{event}_at__isnull": True, f"{event}_by__isnull": True})
                    | Q(**{f"{event}_at__isnull": False, f"{event}_by__isnull": False}),
                    name=f"receipt_{event}_at_and_by",
                )
                for event in ("first_viewed", "first_downloaded", "acknowledged")
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.issue}"


class Notification(models.Model):
    """The email telling one recipient unit that an issue is out; failed sends can be retried."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="notifications", verbose_name=_("issue"))
    recipient = models.ForeignKey(Recipient, models.CASCADE, related_name="notifications", verbose_name=_("unit"))
    email = models.EmailField(_("email"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When a sender took it; a claim older than a few minutes was left by a worker that died.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # After a temporary failure (a 4xx reply, a relay that is down): when it is tried again. None on a
    # failed row means the failure is final (a 5xx reply, or the attempts are used up).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email notification")
        verbose_name_plural = _("email notifications")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "recipient"], name="notification_once_per_issue_unit"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]), name="notification_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="notification_sent_iff_sent_at",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.issue}"


class MailSweep(models.Model):
    """The one mail sweep scheduled on the task queue: its generation, and when it is due (a single row)."""

    # Each sweep carries the generation it was scheduled with; only the current one schedules the next.
    generation = models.PositiveBigIntegerField(_("generation"), default=0)
    next_run_at = models.DateTimeField(_("next run at"))

    class Meta:
        verbose_name = _("mail sweep")
        verbose_name_plural = _("mail sweeps")

    def __str__(self):
        return f"{self.generation} · {self.next_run_at:%Y-%m-%d %H:%M:%S}"


class AuthThrottle(models.Model):
    """Attempts at an account action (login, password reset) per hashed key within a time window."""

    # sha256 of scope, canonical username or email, and client address: no personal data is stored in clear.
    key = models.CharField(_("key"), max_length=64, primary_key=True)
    count = models.PositiveIntegerField(_("attempts"), default=0)
    window_start = models.DateTimeField(_("window start"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("account action limit")
        verbose_name_plural = _("account action limits")

    def __str__(self):
        return f"{self.key[:12]}… × {self.count}"
