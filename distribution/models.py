"""What the units do with an issued issue (receipts), the emails announcing it, the portal's login limits, and the
稿件 units submit (信息报送)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Column, Issue, Recipient, no_control_characters


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


class Submission(models.Model):
    """A 稿件 a unit sent in on the portal (信息报送), and what the editors made of it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ADOPTED = "adopted", _("adopted")
        DECLINED = "declined", _("not adopted")
        RETURNED = "returned", _("returned for changes")

    unit = models.ForeignKey(Recipient, models.PROTECT, related_name="submissions", verbose_name=_("unit"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("submitted by"))
    title = models.CharField(_("title"), max_length=200, validators=[no_control_characters])
    # Sanitised and within the article limits (articles.models.stored_body) by the services that write it.
    body = models.TextField(_("text"))
    column = models.ForeignKey(
        Column, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("suggested column (栏目)"))
    contact_name = models.CharField(_("contact person"), max_length=50, validators=[no_control_characters])
    contact_phone = models.CharField(_("contact phone"), max_length=30, validators=[no_control_characters])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    reason = models.TextField(_("reason"), blank=True)
    # One article may hold several submissions (合并): each of their units is credited with a share.
    adopted_article = models.ForeignKey(
        Article, models.SET_NULL, null=True, blank=True, related_name="submissions",
        verbose_name=_("adopted as article"))
    # The 栏目 it was adopted in, kept for the statistics even if the draft article is later deleted.
    adopted_column = models.ForeignKey(
        Column, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("adopted in column"))
    # How many submissions the adopted article combines (1 unless merged): the statistics share the score.
    adopted_share_of = models.PositiveSmallIntegerField(_("merged with (submissions)"), default=1)
    # The page of the issued PDF where the adopted article begins, read from its bookmarks on issuing.
    adopted_page = models.PositiveSmallIntegerField(_("page in the issued PDF"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent in at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission (稿件)")
        verbose_name_plural = _("submissions (信息报送)")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "adopted", "declined", "returned"]),
                name="submission_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "returned"]) | ~Q(reason=""),
                name="submission_refusal_has_reason"),
            models.CheckConstraint(
                condition=Q(status="adopted", decided_at__isnull=False) | ~Q(status="adopted"),
                name="submission_adopted_has_date"),
            models.CheckConstraint(condition=Q(adopted_share_of__gte=1), name="submission_share_positive"),
        ]
        indexes = [models.Index(fields=["unit", "created_at"], name="submission_unit_date")]

    def __str__(self):
        return f"{self.unit} · {self.title}"

    def get_absolute_url(self):
        return reverse("distribution:submission", args=[self.pk])


class SubmissionLog(models.Model):
    """One change of a submission's state: who, when, from → to, why (a dotted action name)."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="log", verbose_name=_("submission"))
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=10, blank=True, choices=Submission.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=Submission.Status.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("submission log entry")
        verbose_name_plural = _("submission log")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} · {self.at:%Y-%m-%d %H:%M}"
