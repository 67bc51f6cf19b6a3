"""Writes on distribution: receipts (viewed, downloaded, 签收) and the emails that announce an issue.

The task-queue tasks sit beside the service each one runs (distribution's receivers and commands enqueue
them). Each message is claimed on its Notification row before it is sent and marked right after, so no
unit gets one twice, and the rows are the truth: the sweep sends whatever is due, whatever happened to
the queue (a task never queued, a worker that died).
"""

import contextlib
import dataclasses
import logging
import re
import smtplib
from datetime import timedelta
from html import unescape

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ckeditor_5.storage_utils import get_django_storage
from django_tasks import task

from articles.content.images import ImageRejected, image_prepare
from articles.content.limits import LIMITS
from articles.docx_import import delete_stored, docx_articles, package_check
from articles.models import Article, Issue, stored_body
from articles.printing.outline import article_start_pages
from articles.review.revisions import revision_record
from articles.roles import person_name
from articles.selectors import recipient_units
from distribution.models import MailSweep, Notification, Receipt, Submission, SubmissionLog
from distribution.selectors import decides_submissions, unit_ids

logger = logging.getLogger(__name__)

# Messages per SMTP connection.
BATCH = 200
# An unclaimed pending row younger than this (or than the claim window, if shorter) is left to the delivery
# task queued with it.
UNCLAIMED_GRACE = timedelta(minutes=1)
# Marks the unsent notifications of an issue whose delivery task the queue did not take.
QUEUE_UNAVAILABLE = "queue unavailable: "
RECEIPT_EVENTS = {"view": "first_viewed", "download": "first_downloaded", "acknowledge": "acknowledged"}


def receipt_record(*, issue, actor, event, units):
    """Record the first view, first download or the 签收 of `issue` by `actor` for each of `units`."""
    field = RECEIPT_EVENTS[event]
    # The receipts exist since the issuing (they are what lets the units read it), so this only fills them in.
    # Only the first time counts; the filter makes a concurrent second request a no-op.
    return Receipt.objects.filter(issue=issue, recipient__in=units, **{f"{field}_at__isnull": True}).update(
        **{f"{field}_at": timezone.now(), f"{field}_by": actor}
    )


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


def task_enqueue_after_commit(task, *args):
    """Enqueue `task` once the transaction commits; a queue that refuses it is logged, never raised."""

    def enqueue():
        try:
            task.enqueue(*args)
        except Exception:  # noqa: BLE001 - the change is committed; a lost notice must not answer 500
            logger.exception("could not queue %s", task.name)

    transaction.on_commit(enqueue)


def issue_mail_enqueue_after_commit(*, issue_pk):
    """Queue the issue's mail once it is committed, and make sure the periodic sweep is scheduled.

    A queue that refuses (Redis down) is logged, never raised: the issue is out, its unsent notifications
    record why their mail is late (issue_mail_delayed), and the sweep sends them.
    """

    def enqueue():
        try:
            deliver_issue_notifications.enqueue(issue_pk)
        except Exception as exc:  # noqa: BLE001 - the sweep sends what this task would have
            logger.exception("could not queue the mail about issue %s; the mail sweep will send it", issue_pk)
            Notification.objects.filter(issue_id=issue_pk, status=Notification.Status.PENDING, attempts=0).update(
                last_error=f"{QUEUE_UNAVAILABLE}{type(exc).__name__}: {exc}"[:2000])
            return
        try:
            sweep_schedule()
        except Exception:  # noqa: BLE001 - the timer's sweep schedules it again
            logger.exception("could not schedule the mail sweep")

    transaction.on_commit(enqueue)


def issue_mail_delayed(issue):
    """Whether mail about `issue` waits for the sweep because the task queue did not take its delivery."""
    return Notification.objects.filter(issue=issue, status=Notification.Status.PENDING,
                                       last_error__startswith=QUEUE_UNAVAILABLE).exists()


def _notification_claim(notification):
    """Mark `notification` (as read) pending with one more attempt; False if another sender got there first."""
    # Of two senders that read the same row, only the first moves `attempts` on; the other one stops.
    # Pending with attempts > 0 means "being sent": the sweep leaves such rows alone until the claim is stale.
    # A claim fresher than the claim window is another sender's message in flight: never taken over.
    in_flight = timezone.now() - timedelta(seconds=settings.BULLETIN_MAIL_CLAIM_SECONDS)
    return bool(
        Notification.objects.filter(pk=notification.pk, attempts=notification.attempts)
        .exclude(status=Notification.Status.SENT)
        .exclude(status=Notification.Status.PENDING, attempts__gt=0, claimed_at__gte=in_flight)
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


def notifications_due(*, now=None):
    """What the sweep sends: unclaimed rows older than a minute (their delivery task may never have been
    queued), temporary failures whose time has come, and claims left by a worker that died."""
    now = now or timezone.now()
    claim = timedelta(seconds=settings.BULLETIN_MAIL_CLAIM_SECONDS)
    return Notification.objects.filter(
        Q(status=Notification.Status.PENDING, attempts=0, created_at__lt=now - min(UNCLAIMED_GRACE, claim))
        | Q(status=Notification.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=Notification.Status.PENDING, attempts__gt=0, claimed_at__lt=now - claim)
    )


def notifications_sweep(*, failed=False):
    """Send every notification that is due (with `failed`, the final failures too); return (sent, failed)."""
    due = notifications_due()
    if failed:
        due = due | Notification.objects.filter(status=Notification.Status.FAILED, next_attempt_at__isnull=True)
    return notifications_send(notifications=due)


def next_retry_at():
    """When the next temporary failure is due (None when none waits)."""
    return (Notification.objects.filter(status=Notification.Status.FAILED, next_attempt_at__isnull=False)
            .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())


@task()
def deliver_issue_notifications(issue_pk):
    """Send the notifications made when the issue was issued, then schedule the retries of what failed."""
    sent, failed = notifications_send(
        notifications=Notification.objects.filter(issue_id=issue_pk, status=Notification.Status.PENDING, attempts=0))
    retries_schedule()
    return {"sent": sent, "failed": failed}


@task()
def retry_notifications():
    """Send what is due again (temporary failures, abandoned claims), then schedule the next round."""
    sent, failed = notifications_sweep()
    retries_schedule()
    return {"sent": sent, "failed": failed}


def retries_schedule():
    """Enqueue one retry task at the time the next temporary failure is due, if any is."""
    due = next_retry_at()
    if due is None or not retry_notifications.get_backend().supports_defer:
        # A backend that runs tasks at once (the tests' default) cannot wait: the sweep sends what is due.
        return
    retry_notifications.using(run_after=max(due, timezone.now() + timedelta(seconds=1))).enqueue()


# --- The worker's own schedule: one self-rescheduling sweep -------------------------------------------------


@task()
def sweep_notifications(generation):
    """The worker's periodic sweep: send what is due, then schedule the next sweep if this one is current."""
    sent, failed = notifications_sweep()
    sweep_schedule(generation=generation)
    return {"sent": sent, "failed": failed}


def sweep_schedule(*, generation=None):
    """Keep exactly one sweep scheduled on the queue, BULLETIN_MAIL_SWEEP_SECONDS ahead; return whether this
    call scheduled it.

    `generation`: the running sweep's own, which hands the schedule on. Without it (issuing, the timer's
    command), a new sweep is scheduled only when none was or the one scheduled is overdue by a whole
    period (its queue lost it, or no worker ran it). Stale sweeps find a later generation and stop.
    """
    backend = sweep_notifications.get_backend()
    if not backend.supports_defer:
        return False
    now = timezone.now()
    every = timedelta(seconds=settings.BULLETIN_MAIL_SWEEP_SECONDS)
    sweep, created = MailSweep.objects.get_or_create(pk=1, defaults={"generation": 0, "next_run_at": now})
    if generation is None and not created and sweep.next_run_at > now - every:
        return False  # one is scheduled and not overdue
    if generation is not None and generation != sweep.generation:
        return False  # a newer sweep took over
    # Of two callers that read the same generation, only the first moves it on.
    if not MailSweep.objects.filter(pk=1, generation=sweep.generation).update(
            generation=sweep.generation + 1, next_run_at=now + every):
        return False
    sweep_notifications.using(run_after=now + every).enqueue(sweep.generation + 1)
    return True


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
            return person_name(value)
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


@task()
def remind_units(receipt_pks):
    """催签: remind the units of these receipts that have not acknowledged (logged on each receipt)."""
    reminded, without_email, failed = receipts_remind(receipt_pks=receipt_pks)
    return {"reminded": reminded, "without_email": without_email, "failed": failed}


@task()
def notify_people(user_ids, subject, body):
    """A workflow notice to staff (a step's group, the drafter), over one SMTP connection."""
    return {"sent": people_notify(user_ids=user_ids, subject=subject, body=body)}


# --- 信息报送: units submit 稿件, editors adopt, merge, decline or return them ---------------------------------


class SubmissionError(ValidationError):
    """A submission's change was refused; the message says why, in the user's language."""


def submission_body(text):
    """What a unit typed (plain text, one paragraph a line) as the body it is stored as: escaped, within the
    article limits (ValidationError otherwise), through the article allow-list."""
    return stored_body(_typed_html(text))


def _typed_html(text):
    paragraphs = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    return "".join(f"<p>{escape(line)}</p>" for line in paragraphs)


def submission_text(body):
    """A stored body back as the plain text a unit edits (one paragraph a line), for a resubmission."""
    paragraphs = re.split(r"</p\s*>", body)
    return "\n".join(unescape(strip_tags(p)).strip() for p in paragraphs if strip_tags(p).strip())


def submission_body_is_plain(body):
    """Whether a stored body is only typed paragraphs, so editing it as plain text loses nothing."""
    return body == submission_body(submission_text(body))


@dataclasses.dataclass
class SubmittedContent:
    """A submission's body made of what the unit sent, the files it stored, and what was left out of a document."""

    body: str
    title: str = ""  # the document's first title, for a submission sent without one
    stored: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)


def _document_html(articles):
    """One body from the articles a .docx was split into: the first one's body, each further one under its own
    title set in bold; the lines the import sets apart (subtitle, 【栏目】, 供稿单位) are kept in the text where the
    unit typed them, for the editor to see."""
    parts = []
    for index, article in enumerate(articles):
        if article.column and (index == 0 or article.column != articles[index - 1].column):
            parts.append(f"<p><strong>【{escape(article.column)}】</strong></p>")
        if index:
            parts.append(f"<p><strong>{escape(''.join(article.title.splitlines()))}</strong></p>")
        if article.subtitle:
            parts.append(f'<p style="text-align:center">{escape(article.subtitle)}</p>')
        parts.append(article.body)
        if article.source:
            parts.append(f'<p style="text-align:right">（{escape(article.source)}）</p>')
    return "".join(parts)


def submission_content(*, text="", document=None, pictures=(), kept=""):
    """The body of a submission from the typed `text`, or the bytes of a .docx `document` (the same bounded import
    as a Word draft), or the body `kept` from before; the uploaded `pictures` follow, checked and stored like an
    editor's. Raises a ValidationError naming the limit, and then no file is kept."""
    if len(pictures) > LIMITS.max_images:
        raise SubmissionError(_("At most %(limit)s pictures can be sent with a submission (%(count)s chosen).")
                              % {"limit": LIMITS.max_images, "count": len(pictures)}, code="limit")
    prepared = []
    for number, upload in enumerate(pictures, start=1):  # all checked before anything is stored
        try:
            prepared.append(image_prepare(upload))
        except ImageRejected as exc:
            raise SubmissionError(_("Picture %(number)s (%(name)s): %(why)s") % {
                "number": number, "name": getattr(upload, "name", "")[:80], "why": exc}, code="picture") from exc
    content = SubmittedContent(body="")
    try:
        html = kept or _typed_html(text)
        if document is not None:
            package_check(document)
            articles, content.notes, content.stored = docx_articles(document)
            html += _document_html(articles)
            if articles and articles[0].title != _("Untitled article"):
                content.title = "".join(articles[0].title.splitlines())
        storage = get_django_storage()
        for image in prepared:
            name = storage.save(image.name, image)
            content.stored.append(name)
            html += f'<figure><img src="{storage.url(name)}" alt=""></figure>'
        content.body = stored_body(html)
    except BaseException:
        delete_stored(content.stored)
        raise
    return content


def _check_unit_account(actor, unit):
    if not actor.is_active or unit.pk not in unit_ids(actor):
        raise SubmissionError(_("You may submit only for a unit your account belongs to."), code="permission")


def _check_editor(actor):
    if not decides_submissions(actor):
        raise SubmissionError(_("You are not allowed to decide on submissions."), code="permission")


def _submission_log(submission, *, actor, action, from_status, comment=""):
    SubmissionLog.objects.create(submission=submission, actor=actor, action=action, from_status=from_status,
                                 to_status=submission.status, comment=comment)
    task_enqueue_after_commit(notify_submission_unit, submission.pk)


def _submission_fields(content, *, title, contact_name, contact_phone, column):
    fields = {"title": " ".join(title.split()) or content.title[:200], "body": content.body, "column": column,
              "contact_name": contact_name.strip(), "contact_phone": contact_phone.strip()}
    if not fields["title"]:
        raise SubmissionError(_("A submission needs a title."), code="title")
    if not strip_tags(fields["body"]).strip():
        raise SubmissionError(_("A submission needs a text."), code="body")
    return fields


@contextlib.contextmanager
def _files_kept_only_if_saved(content):
    """The files stored for a submission are deleted again if it is not saved after all."""
    try:
        yield
    except BaseException:
        delete_stored(content.stored)
        raise


def submission_create(*, actor, unit, title, contact_name, contact_phone, column=None, text="", document=None,
                      pictures=()):
    """A unit's account submits a 稿件 for `unit` (已报送): typed text or a .docx, and pictures; the unit is told by
    mail. The submission has `notes` (what was left out of the document)."""
    _check_unit_account(actor, unit)
    content = submission_content(text=text, document=document, pictures=pictures)
    with _files_kept_only_if_saved(content), transaction.atomic():
        fields = _submission_fields(content, title=title, contact_name=contact_name, contact_phone=contact_phone,
                                    column=column)
        submission = Submission(unit=unit, submitted_by=actor, **fields)
        submission.full_clean()
        submission.save()
        _submission_log(submission, actor=actor, action="submission.create", from_status="")
    submission.notes = content.notes
    return submission


def _locked_submission(submission):
    return Submission.objects.select_for_update().select_related("unit").get(pk=submission.pk)


def submission_resubmit(*, submission, actor, title, contact_name, contact_phone, column=None, text="",
                        document=None, pictures=(), keep_body=False):
    """The unit sends a returned submission again, changed (退回修改 → 已报送): a new text or .docx, or the body
    sent before (`keep_body`, with its pictures and layout), and more pictures."""
    _check_unit_account(actor, submission.unit)
    content = submission_content(text=text, document=document, pictures=pictures,
                                 kept=submission.body if keep_body else "")
    with _files_kept_only_if_saved(content), transaction.atomic():
        submission = _locked_submission(submission)
        _check_unit_account(actor, submission.unit)
        if submission.status != Submission.Status.RETURNED:
            raise SubmissionError(_("Only a submission returned for changes can be submitted again."), code="state")
        fields = _submission_fields(content, title=title, contact_name=contact_name, contact_phone=contact_phone,
                                    column=column)
        for name, value in fields.items():
            setattr(submission, name, value)
        submission.status, submission.reason, submission.updated_at = Submission.Status.SUBMITTED, "", timezone.now()
        submission.full_clean()
        submission.save()
        _submission_log(submission, actor=actor, action="submission.resubmit", from_status=Submission.Status.RETURNED)
    submission.notes = content.notes
    return submission


def _draft_for_adoption(issue, column):
    issue = Issue.objects.select_for_update().select_related("series").get(pk=issue.pk)
    if issue.status != Issue.Status.DRAFT:
        raise SubmissionError(_("Submissions are adopted only into a draft issue."), code="issue_state")
    if column is not None and column.series_id != issue.series_id:
        raise SubmissionError(_("This column belongs to another series."), code="column")
    return issue


def submission_merge(*, submissions, actor, issue, column=None, title=""):
    """Adopt one or more pending submissions as one new article of the draft `issue`, crediting every unit;
    the submitted text is the article's first revision, so the editor's changes are tracked."""
    _check_editor(actor)
    pks = sorted({s.pk for s in submissions})
    if not pks:
        raise SubmissionError(_("Choose at least one submission."), code="empty")
    with transaction.atomic():
        issue = _draft_for_adoption(issue, column)
        locked = list(Submission.objects.select_for_update().select_related("unit").filter(pk__in=pks)
                      .order_by("created_at", "pk"))
        if len(locked) != len(pks) or any(s.status != Submission.Status.SUBMITTED for s in locked):
            raise SubmissionError(_("Only submissions waiting for a decision can be adopted; nothing was changed."),
                                  code="state")
        units = list(dict.fromkeys(s.unit.name for s in locked))
        position = (issue.articles.aggregate(n=Max("position"))["n"] or 0) + 1
        article = Article(
            issue=issue, position=position, title=" ".join(title.split()) or locked[0].title,
            body="".join(s.body for s in locked), column=column, source="、".join(units)[:100],
        )
        article.full_clean()
        article.save()
        revision_record(issue, actor=actor, comment=_("Adopted from submissions: %(units)s") % {
            "units": "、".join(units)})
        now = timezone.now()
        for submission in locked:
            submission.status, submission.reason = Submission.Status.ADOPTED, ""
            submission.adopted_article, submission.adopted_column = article, column
            submission.adopted_share_of, submission.decided_at, submission.updated_at = len(locked), now, now
            submission.save(update_fields=["status", "reason", "adopted_article", "adopted_column",
                                           "adopted_share_of", "decided_at", "updated_at"])
            _submission_log(submission, actor=actor, action="submission.merge" if len(locked) > 1
                            else "submission.adopt", from_status=Submission.Status.SUBMITTED,
                            comment=str(issue))
    return article


def submission_adopt(*, submission, actor, issue, column=None, title=""):
    """Adopt one pending submission as a new article of the draft `issue` (已采用)."""
    return submission_merge(submissions=[submission], actor=actor, issue=issue, column=column, title=title)


def _submission_refuse(submission, *, actor, reason, status, action):
    _check_editor(actor)
    reason = reason.strip()
    if not reason:
        raise SubmissionError(_("Give the unit a reason."), code="reason")
    with transaction.atomic():
        submission = _locked_submission(submission)
        if submission.status != Submission.Status.SUBMITTED:
            raise SubmissionError(_("Only submissions waiting for a decision can be declined or returned; "
                                    "nothing was changed."), code="state")
        now = timezone.now()
        submission.status, submission.reason, submission.decided_at, submission.updated_at = status, reason, now, now
        submission.save(update_fields=["status", "reason", "decided_at", "updated_at"])
        _submission_log(submission, actor=actor, action=action, from_status=Submission.Status.SUBMITTED,
                        comment=reason)
    return submission


def submission_decline(*, submission, actor, reason):
    """未采用: the editors will not use the submission, and tell the unit why."""
    return _submission_refuse(submission, actor=actor, reason=reason, status=Submission.Status.DECLINED,
                              action="submission.decline")


def submission_return(*, submission, actor, reason):
    """退回修改: the unit is asked to change the submission and send it again."""
    return _submission_refuse(submission, actor=actor, reason=reason, status=Submission.Status.RETURNED,
                              action="submission.return")


def submission_pages_record(*, issue):
    """On issuing: note on each submission adopted into `issue` the page of the issued PDF where its article
    begins (the article's bookmark); a PDF whose bookmarks cannot be read leaves the pages unknown."""
    adopted = list(Submission.objects.filter(status=Submission.Status.ADOPTED, adopted_article__issue=issue)
                   .only("pk", "adopted_article_id"))
    if not adopted:
        return 0
    in_print = issue.articles.order_by("position", "pk").values_list("pk", flat=True)
    order = {pk: index for index, pk in enumerate(in_print)}
    try:
        with issue.pdf_file.open("rb") as stored, pikepdf.open(stored) as pdf:
            pages = article_start_pages(pdf)
    except Exception:  # noqa: BLE001 - a page number is never worth refusing the issuing for
        # The page is a help to the unit; the issue is issued all the same.
        logger.exception("could not read the bookmarks of %s's PDF", issue)
        return 0
    for submission in adopted:
        page = pages.get(order.get(submission.adopted_article_id))
        submission.adopted_page = page + 1 if page is not None else None
    Submission.objects.bulk_update(adopted, ["adopted_page"])
    return sum(1 for submission in adopted if submission.adopted_page)


def submission_mail_send(*, submission_pk):
    """Tell the unit by mail what state its submission is in now; return whether a message went out."""
    submission = Submission.objects.select_related("unit").filter(pk=submission_pk).first()
    if submission is None or not submission.unit.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your submission “%(title)s”: %(status)s") % {
            "title": submission.title, "status": submission.get_status_display()}
        lines = [f"{submission.unit.name}:", "", subject]
        if submission.reason:
            lines.append(_("Reason: %(reason)s") % {"reason": submission.reason})
        lines.append(settings.SITE_URL + submission.get_absolute_url())
    send_mail(subject=subject, message="\n".join(lines) + "\n", from_email=None,
              recipient_list=[submission.unit.email])
    return True


@task()
def notify_submission_unit(submission_pk):
    """Mail the unit the new state of its submission; a failure is logged (the state change stands)."""
    try:
        return {"sent": submission_mail_send(submission_pk=submission_pk)}
    except Exception:  # noqa: BLE001 - a lost notice must not undo or fail the decision
        logger.exception("could not mail the unit about submission %s", submission_pk)
        return {"sent": False}
