"""Writes on issues: the draft → review → issued workflow.

Every transition is atomic, locks the issue row, checks state and permission
on the server, and writes an IssueLog entry in the same transaction.
"""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.integrity import pdf_problem
from articles.models import (
    ISSUED_IS_FINAL,
    Article,
    ArticleComment,
    Issue,
    IssueLog,
    IssueRevision,
    PdfCheck,
    Series,
    issued_pdf_path,
)
from articles.selectors import address_lines
from articles.signals import issue_issued

logger = logging.getLogger(__name__)
Status = Issue.Status


class WorkflowError(ValidationError):
    """A transition was refused; the message says why, in the user's language."""


def can_submit(user, issue):
    return issue.status == Status.DRAFT and user.has_perm("articles.submit_issue")


def can_return(user, issue):
    return issue.status == Status.REVIEW and user.has_perm("articles.return_issue")


def can_publish(user, issue):
    return (
        issue.status == Status.REVIEW
        and user.has_perm("articles.approve_issue")
        and (settings.BULLETIN_ALLOW_SELF_APPROVAL or issue.submitted_by_id != user.pk)
    )


def _locked(issue):
    return Issue.objects.select_for_update().select_related("series").get(pk=issue.pk)


def _log(issue, *, actor, action, from_status, comment="", revision=None):
    if revision is None:
        # Every step points at the content as it stood then: what was submitted, returned or issued.
        from articles.revisions import revision_record

        revision = revision_record(issue, actor=actor, kind=IssueRevision.Kind.WORKFLOW)
    IssueLog.objects.create(
        issue=issue, actor=actor, action=action, from_status=from_status, to_status=issue.status, comment=comment,
        revision=revision,
    )


def _refuse(issue, expected, permission_message):
    if issue.status == Status.ISSUED:
        raise WorkflowError(ISSUED_IS_FINAL, code="issued")
    if issue.status != expected:
        raise WorkflowError(
            _("This issue is %(status)s; the action needs it to be %(expected)s.")
            % {"status": issue.get_status_display(), "expected": Status(expected).label},
            code="state",
        )
    raise WorkflowError(permission_message, code="permission")


def issue_create(*, series, actor, **fields):
    """Create a draft issue."""
    if not actor.has_perm("articles.add_issue"):
        raise WorkflowError(_("You are not allowed to draft issues."), code="permission")
    fields.setdefault("year", fields["issue_date"].year)
    with transaction.atomic():
        issue = Issue(series=series, created_by=actor, **fields)
        issue.full_clean(exclude=["created_by"])
        issue.save()
        _log(issue, actor=actor, action="issue.create", from_status="")
    return issue


@transaction.atomic
def issue_submit(*, issue, actor, comment=""):
    """Send a draft to the leaders for review."""
    issue = _locked(issue)
    if not can_submit(actor, issue):
        _refuse(issue, Status.DRAFT, _("You are not allowed to submit issues for review."))
    if not issue.articles.exists():
        raise WorkflowError(_("An issue needs at least one article before it can be submitted."), code="empty")
    issue.status = Status.REVIEW
    issue.submitted_by = actor
    issue.submitted_at = timezone.now()
    issue.save(update_fields=["status", "submitted_by", "submitted_at"])
    _log(issue, actor=actor, action="issue.submit", from_status=Status.DRAFT, comment=comment)
    return issue


@transaction.atomic
def issue_return(*, issue, actor, comment):
    """Send an issue under review back to its drafters, saying why."""
    issue = _locked(issue)
    if not can_return(actor, issue):
        _refuse(issue, Status.REVIEW, _("Only a leader can return an issue under review."))
    if not (comment or "").strip():
        raise WorkflowError(_("Say why the issue is returned: the comment is required."), code="comment")
    issue.status = Status.DRAFT
    issue.save(update_fields=["status"])
    _log(issue, actor=actor, action="issue.return", from_status=Status.REVIEW, comment=comment.strip())
    return issue


def _next_numbers(issue, *, lock):
    """The next 第N期 in the issue's year and the next 总第M期 in its series (series row locked if `lock`)."""
    series = Series.objects.select_for_update() if lock else Series.objects
    series = series.get(pk=issue.series_id)
    issued = Issue.objects.filter(series=series, status=Status.ISSUED)
    last_in_year = issued.filter(year=issue.year).aggregate(n=Max("number"))["n"] or 0
    last_total = issued.aggregate(n=Max("total_number"))["n"] or series.total_number_offset
    return last_in_year + 1, last_total + 1


def _check_publish(actor, issue):
    if not can_publish(actor, issue):
        if issue.status == Status.REVIEW and actor.has_perm("articles.approve_issue"):
            raise WorkflowError(
                _("You submitted this issue yourself; another leader must issue it."), code="self_approval"
            )
        _refuse(issue, Status.REVIEW, _("Only a leader can issue an issue under review."))


def _as_it_will_print(issue, *, lock):
    """Put on `issue` what issuing freezes (numbers, 报/送/发 lines, series) and return the print HTML's digest."""
    from articles.pdf import IssueRenderer

    issue.number, issue.total_number = _next_numbers(issue, lock=lock)
    issue.address_lines = []  # recomputed from the current recipients, not a previous attempt's
    issue.address_lines = [list(line) for line in address_lines(issue)]
    issue.series_as_issued = issue.series.printed_fields()
    html = IssueRenderer(issue, preview=False).html()
    return hashlib.sha256(html.encode()).hexdigest()


PUBLISH_ATTEMPTS = 10


def issue_publish(*, issue, actor, comment=""):
    """Issue it: number it, render and store the official PDF, freeze it.

    The render (seconds) runs outside any transaction, so nobody waits on a lock meanwhile; a short
    locked step then checks that the issue would print exactly what was rendered (same numbers, same
    content) and commits. If another issue took the number meanwhile, the render is done again.
    """
    from articles.pdf import PdfRenderError, render_issue

    pk = issue.pk
    for _attempt in range(PUBLISH_ATTEMPTS):
        issue = Issue.objects.select_related("series").get(pk=pk)
        _check_publish(actor, issue)
        digest = _as_it_will_print(issue, lock=False)
        try:
            rendered = render_issue(issue, preview=False)
        except PdfRenderError as exc:
            raise WorkflowError(_("The PDF could not be rendered, so the issue was not issued: %(reason)s")
                                % {"reason": exc}, code="render") from exc
        storage = Issue._meta.get_field("pdf_file").storage
        name = storage.save(issued_pdf_path(issue, f"{issue.number:03d}.pdf"), ContentFile(rendered.content))
        try:
            published = _publish_rendered(pk, actor=actor, comment=comment, digest=digest, name=name,
                                          rendered=rendered)
        except BaseException:
            storage.delete(name)
            raise
        if published is not None:
            return published
        storage.delete(name)  # rendered for a number or content that is no longer the issue's
    raise WorkflowError(_("Other issues were issued while this one was being rendered; please try again."),
                        code="busy")


@transaction.atomic
def _publish_rendered(pk, *, actor, comment, digest, name, rendered):
    """The short locked step of issuing; None when the issue would no longer print what was rendered."""
    issue = _locked(Issue(pk=pk))
    _check_publish(actor, issue)
    if _as_it_will_print(issue, lock=True) != digest:
        return None
    issue.approved_by = actor
    issue.approved_at = timezone.now()
    issue.pdf_file.name = name
    issue.pdf_size = len(rendered.content)
    issue.pdf_pages = rendered.pages
    issue.pdf_sha256 = hashlib.sha256(rendered.content).hexdigest()
    issue.status = Status.ISSUED
    issue.save(update_fields=[
        "status", "number", "total_number", "approved_by", "approved_at", "address_lines", "series_as_issued",
        "pdf_file", "pdf_size", "pdf_pages", "pdf_sha256",
    ])
    _log(issue, actor=actor, action="issue.publish", from_status=Status.REVIEW, comment=comment)
    # Receivers write what exists with the issued issue (receipts) in this transaction; mail waits for the commit.
    issue_issued.send(sender=Issue, issue=issue, actor=actor)
    return issue


def verify_stored_pdfs():
    """Yield (issue, PdfProblem or None) for every issued issue's stored PDF, hashing every byte."""
    for issue in Issue.objects.issued().select_related("series").order_by("pk"):
        yield issue, pdf_problem(issue, cached=False)


def pdf_check_run():
    """Verify every stored PDF, log each problem at ERROR and record the run as a PdfCheck."""
    started_at = timezone.now()
    checked, problems = 0, []
    for issue, problem in verify_stored_pdfs():
        checked += 1
        if problem:
            problems.append({"issue": issue.pk, "name": str(issue), "file": issue.pdf_file.name, "problem": problem})
            logger.error("Stored PDF of %s (id %s, %s) failed verification: %s",
                         issue, issue.pk, issue.pdf_file.name, problem.value)
    stray = stray_pdf_files()
    if stray:
        logger.warning("%s file(s) under issues/ belong to no issued issue: %s", len(stray), ", ".join(stray))
    return PdfCheck.objects.create(started_at=started_at, finished_at=timezone.now(), checked=checked,
                                   failed=len(problems), problems=problems, stray_files=stray)


def stray_pdf_files():
    """Names of files under issues/ in the private storage that no issued issue refers to.

    A publish whose surrounding transaction rolled back after the file was written leaves one.
    """
    storage = Issue._meta.get_field("pdf_file").storage
    referenced = set(Issue.objects.issued().values_list("pdf_file", flat=True))
    stray = []

    def walk(folder):
        if not storage.exists(folder):
            return
        folders, files = storage.listdir(folder)
        stray.extend(name for name in (f"{folder}/{f}" for f in files) if name not in referenced)
        for sub in folders:
            walk(f"{folder}/{sub}")

    walk("issues")
    return sorted(stray)


# --- the review desk: corrections in place and comments on articles ------------------------------------


def can_correct(user, issue):
    """Reviewers (who may return or issue) correct the text in place while the issue is under review."""
    return issue.status == Status.REVIEW and (
        user.has_perm("articles.return_issue") or user.has_perm("articles.approve_issue")
    )


def can_comment(user, issue):
    """Drafters and reviewers comment on the articles of an issue until it is issued."""
    return issue.status != Status.ISSUED and (
        user.has_perm("articles.change_issue") or user.has_perm("articles.return_issue")
        or user.has_perm("articles.approve_issue")
    )


@transaction.atomic
def article_correct(*, article, actor, title, subtitle, body):
    """A reviewer's correction of one article under review, kept as a revision in their name."""
    from articles.revisions import revision_record

    issue = _locked(article.issue)
    if not can_correct(actor, issue):
        _refuse(issue, Status.REVIEW, _("Only a reviewer can correct an issue under review."))
    article = Article.objects.select_for_update().get(pk=article.pk, issue=issue)
    article.title, article.subtitle, article.body = title, subtitle, body
    article.full_clean(exclude=["issue", "position", "kind"])
    article.save(update_fields=["title", "subtitle", "body"])
    return revision_record(issue, actor=actor, kind=IssueRevision.Kind.CORRECTION)


@transaction.atomic
def comment_add(*, article, actor, text, quote=""):
    """Comment on one article, optionally quoting the passage the comment is about."""
    issue = _locked(article.issue)
    if not can_comment(actor, issue):
        raise WorkflowError(_("You cannot comment on this issue."), code="permission")
    if not text.strip():
        raise WorkflowError(_("The comment is empty."), code="comment")
    return ArticleComment.objects.create(
        issue=issue, article=article, article_title=str(article)[:300], author=actor, text=text.strip(),
        quote=" ".join(quote.split())[:500],
    )


@transaction.atomic
def comment_resolve(*, comment, actor):
    """Mark a comment as dealt with; it stays in the issue's history."""
    issue = _locked(comment.issue)
    if not can_comment(actor, issue):
        raise WorkflowError(_("You cannot comment on this issue."), code="permission")
    comment = ArticleComment.objects.select_for_update().get(pk=comment.pk)
    if comment.resolved_at is None:
        comment.resolved_by, comment.resolved_at = actor, timezone.now()
        comment.save(update_fields=["resolved_by", "resolved_at"])
    return comment
