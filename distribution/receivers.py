"""What distribution does when the workflow moves an issue (articles.signals), connected in apps.py."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from articles.roles import person_name
from distribution import selectors, services


def issue_distribute(sender, *, issue, **kwargs):
    """On issuing: prepare its receipts and mail; the delivery is queued once the issue is committed, so the
    leader's request never waits for a mail server, and a queue that is down only delays the mail."""
    services.issue_prepare_distribution(issue=issue)
    services.issue_mail_enqueue_after_commit(issue_pk=issue.pk)
    # A reader who tried the id before it was issued has a cached miss: forget it once the issue is out.
    transaction.on_commit(lambda: selectors.issued_issue_forget(issue.pk))


def submissions_paged(sender, *, issue, **kwargs):
    """On issuing: each submission adopted into the issue learns the page of the PDF its article begins on."""
    services.submission_pages_record(issue=issue)


def _admin_link(issue):
    return settings.SITE_URL + reverse("admin:articles_issue_change", args=[issue.pk])


def _notice(user_ids, subject, body):
    # Only people with an address: no task for a notice nobody can receive.
    user_ids = list(get_user_model().objects.filter(pk__in=[pk for pk in user_ids if pk], is_active=True)
                    .exclude(email="").values_list("pk", flat=True))
    if user_ids:
        services.task_enqueue_after_commit(services.notify_people, user_ids, subject, body)


def on_step_reached(sender, *, issue, actor, **kwargs):
    """An issue reached a step: its group's members are told (not the one who moved it there)."""
    step = issue.current_step
    members = get_user_model().objects.filter(groups=step["group"]).exclude(pk=actor.pk).values_list("pk", flat=True)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(issue)s waits for you: %(step)s") % {"issue": issue, "step": step["name"]}
        body = _("%(issue)s has reached the step %(step)s, which your group %(group)s does.\n%(link)s\n") % {
            "issue": issue, "step": step["name"], "group": step["group_name"], "link": _admin_link(issue)}
    _notice(list(members), subject, body)


def on_returned(sender, *, issue, actor, comment, **kwargs):
    """An issue was returned: its drafter and its submitter are told why."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(issue)s was returned") % {"issue": issue}
        body = _("%(who)s returned %(issue)s: %(comment)s\n%(link)s\n") % {
            "who": person_name(actor), "issue": issue, "comment": comment,
            "link": _admin_link(issue)}
    _notice({issue.created_by_id, issue.submitted_by_id} - {actor.pk}, subject, body)


def on_issued_tell_drafter(sender, *, issue, actor, **kwargs):
    """An issue was issued: its drafter and its submitter are told."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(issue)s has been issued") % {"issue": issue}
        body = _("%(who)s issued %(issue)s.\n%(link)s\n") % {
            "who": person_name(actor), "issue": issue, "link": _admin_link(issue)}
    _notice({issue.created_by_id, issue.submitted_by_id} - {actor.pk}, subject, body)


def mail_delayed_notice(sender, *, issue, **kwargs):
    """After a workflow button: tell the user when the task queue did not take the issue's mail (else None)."""
    if services.issue_mail_delayed(issue):
        return _("The task queue is unavailable; the notification emails will be sent later, automatically.")
    return None
