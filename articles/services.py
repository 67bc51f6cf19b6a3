"""Writes on issues: the draft → review (step by step) → issued workflow, corrections and comments.

Every transition is atomic, locks the issue row, asks articles.workflow whether the actor may do it
(the rules live there only), and writes an IssueLog entry in the same transaction.
"""

import hashlib
import logging

import lxml.html
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import workflow
from articles.models import (
    Article,
    ArticleComment,
    DefaultAddressee,
    Distribution,
    Issue,
    IssueLog,
    IssueOfd,
    IssueRevision,
    PdfCheck,
    Series,
    issued_ofd_path,
    issued_pdf_path,
)
from articles.printing.integrity import pdf_problem
from articles.review.revisions import revision_apply, revision_record
from articles.roles import person_name
from articles.selectors import address_lines
from articles.signals import issue_issued, issue_returned, issue_step_reached

logger = logging.getLogger(__name__)
Status = Issue.Status


class WorkflowError(ValidationError):
    """A transition was refused; the message says why, in the user's language."""


def _check(transition, actor, issue):
    """Raise the workflow's refusal, if any (articles.workflow holds the rules)."""
    refused = workflow.refusal(transition, actor, issue)
    if refused is not None:
        raise WorkflowError(refused.message, code=refused.code)


def _check_step(issue, step):
    """When the caller acted on what it saw at `step`, refuse if another decision moved the issue meanwhile."""
    if step is None or (issue.status == Status.REVIEW and issue.step == step):
        return
    last = issue.log.exclude(action__in=[IssueLog.Action.CREATE, IssueLog.Action.RESTORE]).select_related("actor") \
        .order_by("-at", "-pk").first()
    raise WorkflowError(
        _("%(who)s has already decided this step (%(action)s at %(at)s); nothing was changed.") % {
            "who": person_name(last.actor) if last else "?",
            "action": last.get_action_display() if last else "",
            "at": timezone.localtime(last.at).strftime("%H:%M:%S") if last else "",
        }, code="stale")


def _locked(issue):
    return Issue.objects.select_for_update().select_related("series").get(pk=issue.pk)


def _log(issue, *, actor, action, from_status, comment="", step="", revision=None):
    if revision is None:
        # Every step points at the content as it stood then: what was submitted, returned or issued.
        revision = revision_record(issue, actor=actor, kind=IssueRevision.Kind.WORKFLOW)
    IssueLog.objects.create(
        issue=issue, issue_label=str(issue)[:120], actor=actor, action=action, from_status=from_status,
        to_status=issue.status, comment=comment, step=step, revision=revision,
    )


def issue_create(*, actor, issue=None, **fields):
    """Create a draft issue from `fields`, or save the unsaved `issue` a form built, as drafted by `actor`."""
    if not actor.has_perm("articles.add_issue"):
        raise WorkflowError(_("You are not allowed to draft issues."), code="permission")
    if issue is None:
        issue = Issue(**fields)
    issue.created_by = actor
    issue.year = issue.issue_date.year if "year" not in fields else fields["year"]
    with transaction.atomic():
        issue.full_clean()
        issue.save()
        _log(issue, actor=actor, action=IssueLog.Action.CREATE, from_status="")
    return issue


def issue_address_as_usual(*, issue):
    """Give a draft with no 报 / 送 / 发 lines its series' usual ones; return how many were added."""
    if issue.distributions.exists():
        return 0
    lines = [Distribution(issue=issue, role=line.role, recipient_id=line.recipient_id, group_id=line.group_id)
             for line in DefaultAddressee.objects.filter(series_id=issue.series_id)]
    Distribution.objects.bulk_create(lines)
    return len(lines)


@transaction.atomic
def series_address_as_usual(*, series, addressees):
    """Make a series' usual 报 / 送 / 发 exactly `addressees`, (role, unit id, group id), as ticked in its form."""
    DefaultAddressee.objects.filter(series=series).delete()
    DefaultAddressee.objects.bulk_create([
        DefaultAddressee(series=series, role=role, recipient_id=unit_id, group_id=group_id)
        for role, unit_id, group_id in addressees])


@transaction.atomic
def issue_address(*, issue, addressees, actor):
    """Make a draft's 报 / 送 / 发 lines exactly `addressees`, (role, unit id, group id); say if they changed."""
    issue = _locked(issue)
    refused = workflow.draft_change_refusal(actor, issue)
    if refused is not None:
        raise WorkflowError(refused.message, code=refused.code)
    wanted = {(unit_id, group_id): role for role, unit_id, group_id in addressees}
    lines = {(line.recipient_id, line.group_id): line for line in Distribution.objects.filter(issue=issue)}
    gone = [line.pk for key, line in lines.items() if key not in wanted]
    Distribution.objects.filter(pk__in=gone).delete()
    # A unit moved from 报 to 发 keeps its row: one line per unit, as the unique constraint wants.
    moved = [line for key, line in lines.items() if key in wanted and line.role != wanted[key]]
    for line in moved:
        line.role = wanted[(line.recipient_id, line.group_id)]
        line.save(update_fields=["role"])
    added = [Distribution(issue=issue, role=role, recipient_id=unit_id, group_id=group_id)
             for (unit_id, group_id), role in wanted.items() if (unit_id, group_id) not in lines]
    Distribution.objects.bulk_create(added)
    return bool(gone or moved or added)


@transaction.atomic
def issue_copy(*, issue, actor, issue_date):
    """新建一期 like `issue`: same series and settings, the same 报 / 送 / 发 lines, no articles."""
    new = issue_create(actor=actor, series=issue.series, issue_date=issue_date, print_date=issue_date,
                       print_run=issue.print_run, disclosure=issue.disclosure)
    Distribution.objects.bulk_create([
        Distribution(issue=new, role=line.role, recipient_id=line.recipient_id, group_id=line.group_id)
        for line in issue.distributions.all()
    ])
    revision_record(new, actor=actor)
    return new


@transaction.atomic
def issue_delete(*, issue, actor):
    """Delete a draft; its workflow log stays, naming the issue, with the deletion as its last entry."""
    issue = _locked(issue)
    _check(workflow.Transition.DELETE, actor, issue)
    IssueLog.objects.create(issue=issue, issue_label=str(issue)[:120], actor=actor, action=IssueLog.Action.DELETE,
                            from_status=issue.status, to_status=issue.status)
    issue.delete()


@transaction.atomic
def issue_restore(*, issue, issue_revision, actor):
    """Make a draft's content what it was in `issue_revision`; recorded as a new revision (the old ones stay)."""
    issue = _locked(issue)
    _check(workflow.Transition.RESTORE, actor, issue)
    if issue_revision.issue_id != issue.pk:
        raise WorkflowError(_("That version belongs to another issue."), code="invalid")
    revision_apply(issue, issue_revision)
    comment = _("Restored version %(number)s") % {"number": issue_revision.number}
    restored = revision_record(issue, actor=actor, kind=IssueRevision.Kind.RESTORE, comment=comment)
    _log(issue, actor=actor, action=IssueLog.Action.RESTORE, from_status=issue.status, comment=comment,
         revision=restored)
    return restored


@transaction.atomic
def issue_submit(*, issue, actor, comment=""):
    """Send a draft for review: it starts at the first step of its series' approval chain."""
    issue = _locked(issue)
    _check(workflow.Transition.SUBMIT, actor, issue)
    if not issue.articles.exists():
        raise WorkflowError(_("An issue needs at least one article before it can be submitted."), code="empty")
    issue.chain = workflow.chain_of(issue.series)  # kept: a later change to the series' chain never strands it
    issue.status, issue.step, issue.step_group_id = Status.REVIEW, 0, issue.chain[0]["group"]
    issue.submitted_by, issue.submitted_at = actor, timezone.now()
    issue.step_since = issue.submitted_at
    issue.save(update_fields=["status", "chain", "step", "step_group", "step_since", "submitted_by", "submitted_at"])
    _log(issue, actor=actor, action=IssueLog.Action.SUBMIT, from_status=Status.DRAFT, comment=comment)
    issue_step_reached.send(sender=Issue, issue=issue, actor=actor)
    return issue


def _back_to_draft(issue):
    issue.status, issue.step, issue.step_group, issue.step_since, issue.chain = Status.DRAFT, None, None, None, []
    issue.save(update_fields=["status", "step", "step_group", "step_since", "chain"])


@transaction.atomic
def issue_withdraw(*, issue, actor, comment=""):
    """撤回: the submitter takes the issue back to the draft before the first step has approved it."""
    issue = _locked(issue)
    _check(workflow.Transition.WITHDRAW, actor, issue)
    _back_to_draft(issue)
    _log(issue, actor=actor, action=IssueLog.Action.WITHDRAW, from_status=Status.REVIEW, comment=comment.strip())
    return issue


@transaction.atomic
def issue_return(*, issue, actor, comment, step=None):
    """Send an issue under review back to its drafters from the current step, saying why."""
    issue = _locked(issue)
    _check_step(issue, step)
    _check(workflow.Transition.RETURN, actor, issue)
    if not (comment or "").strip():
        raise WorkflowError(_("Say why the issue is returned: the comment is required."), code="comment")
    name = workflow.current_step(issue)["name"]
    _back_to_draft(issue)
    _log(issue, actor=actor, action=IssueLog.Action.RETURN, from_status=Status.REVIEW, comment=comment.strip(),
         step=name)
    issue_returned.send(sender=Issue, issue=issue, actor=actor, comment=comment.strip())
    return issue


def issue_approve(*, issue, actor, comment="", step=None):
    """Approve the step the issue is at: it moves to the next step, and approving the last step issues it.

    `step` is the step the actor saw; if another decision moved the issue meanwhile, nothing is changed.
    """
    with transaction.atomic():
        issue = _locked(issue)
        _check_step(issue, step)
        _check(workflow.Transition.APPROVE, actor, issue)
        if not workflow.is_last_step(issue):
            name = workflow.current_step(issue)["name"]
            following = issue.chain[issue.step + 1]
            if not Group.objects.filter(pk=following["group"]).exists():
                raise WorkflowError(
                    _("The group %(group)s that does the next step %(step)s no longer exists, so the issue cannot "
                      "move on. Return it to the drafters and submit it again on the series' current chain.")
                    % {"group": following["group_name"], "step": following["name"]}, code="chain")
            issue.step += 1
            issue.step_group_id = following["group"]
            issue.step_since = timezone.now()
            issue.save(update_fields=["step", "step_group", "step_since"])
            _log(issue, actor=actor, action=IssueLog.Action.APPROVE, from_status=Status.REVIEW, comment=comment,
                 step=name)
            issue_step_reached.send(sender=Issue, issue=issue, actor=actor)
            return issue
    issued = _issue(issue.pk, actor=actor, comment=comment, step=issue.step)
    # The OFD comes after the commit: it is made from the stored PDF, and its failure never un-issues.
    transaction.on_commit(lambda: write_ofd(issue=issued), robust=True)
    return issued


def write_ofd(*, issue):
    """Write the OFD of an issued issue from its stored PDF, once; a failure is logged and kept as the reason."""
    from articles.printing.ofd import issue_ofd

    if issue.status != Status.ISSUED:
        raise WorkflowError(_("Only an issued issue has an OFD."), code="status")
    existing = IssueOfd.objects.filter(issue=issue).first()
    if existing is not None and existing.ofd_sha256:
        return existing  # written once, like the PDF: never again
    problem = pdf_problem(issue, cached=False)
    try:
        if problem:
            raise ValueError(_("the stored PDF is not the issued file (%(problem)s)") % {"problem": problem.label})
        content = issue_ofd(issue)
    except Exception as exc:  # any failure is this issue's OFD failing, never the issuing's
        logger.exception("The OFD of %s (id %s) could not be written", issue, issue.pk)
        reason = str(exc) or type(exc).__name__
        IssueOfd.objects.update_or_create(issue=issue, defaults={
            "ofd_file": "", "ofd_size": None, "ofd_sha256": "", "error": reason, "written_at": timezone.now()})
        return IssueOfd.objects.get(issue=issue)
    storage = IssueOfd._meta.get_field("ofd_file").storage
    name = storage.save(issued_ofd_path(IssueOfd(issue=issue), f"{issue.number:03d}.ofd"), ContentFile(content))
    try:
        ofd, _created = IssueOfd.objects.update_or_create(issue=issue, defaults={
            "ofd_file": name, "ofd_size": len(content), "ofd_sha256": hashlib.sha256(content).hexdigest(),
            "error": "", "written_at": timezone.now()})
    except BaseException:
        storage.delete(name)
        raise
    logger.info("Wrote the OFD of %s (id %s): %s, %s bytes", issue, issue.pk, name, len(content))
    return ofd


def _next_numbers(issue, *, lock):
    """The next 第N期 in the issue's year and the next 总第M期 in its series (series row locked if `lock`)."""
    series = Series.objects.select_for_update() if lock else Series.objects
    series = series.get(pk=issue.series_id)
    issued = Issue.objects.filter(series=series, status=Status.ISSUED)
    last_in_year = issued.filter(year=issue.year).aggregate(n=Max("number"))["n"] or 0
    last_total = issued.aggregate(n=Max("total_number"))["n"] or series.total_number_offset
    return last_in_year + 1, last_total + 1


def _as_it_will_print(issue, *, lock):
    """Put on `issue` what issuing freezes (numbers, 报/送/发 lines, series); return (the print HTML's digest,
    the renderer holding that HTML, ready to lay it out)."""
    from articles.printing.renderer import IssueRenderer

    issue.number, issue.total_number = _next_numbers(issue, lock=lock)
    issue.address_lines = []  # recomputed from the current recipients, not a previous attempt's
    issue.address_lines = [list(line) for line in address_lines(issue)]
    issue.series_as_issued = issue.series.printed_fields()
    renderer = IssueRenderer(issue, preview=False)
    digest = hashlib.sha256("\x00".join(renderer.layouts()).encode()).hexdigest()
    return digest, renderer


ISSUE_ATTEMPTS = 10


def _issue(pk, *, actor, comment, step):
    """签发 (the last step approved): number the issue, render and store the official PDF, freeze it.

    The render (seconds) runs outside any transaction, so nobody waits on a lock meanwhile; a short
    locked step then checks that the issue would print exactly what was rendered (same numbers, same
    content) and commits. If another issue took the number meanwhile, the render is done again.
    """
    from articles.printing.renderer import PdfRenderError, render_issue

    for _attempt in range(ISSUE_ATTEMPTS):
        issue = Issue.objects.select_related("series").get(pk=pk)
        _check_step(issue, step)
        _check(workflow.Transition.APPROVE, actor, issue)
        digest, renderer = _as_it_will_print(issue, lock=False)
        try:
            rendered = render_issue(issue, preview=False, renderer=renderer)
        except PdfRenderError as exc:
            raise WorkflowError(_("The PDF could not be rendered, so the issue was not issued: %(reason)s")
                                % {"reason": exc}, code="render") from exc
        findings = _pdfa_check(issue, rendered.content)
        storage = Issue._meta.get_field("pdf_file").storage
        name = storage.save(issued_pdf_path(issue, f"{issue.number:03d}.pdf"), ContentFile(rendered.content))
        try:
            issued = _issue_rendered(pk, actor=actor, comment=comment, step=step, digest=digest, name=name,
                                     rendered=rendered, findings=findings)
        except BaseException:
            storage.delete(name)
            raise
        if issued is not None:
            return issued
        storage.delete(name)  # rendered for a number or content that is no longer the issue's
    raise WorkflowError(_("Other issues were issued while this one was being rendered; please try again."),
                        code="busy")


def _pdfa_check(issue, content):
    """Both PDF/A validators on the PDF about to be issued: the findings are kept and logged, never a refusal.

    A finding is the renderer's fault, not the office's, and the issue is still the office's issue; the
    issue's page and its layout report show the findings, and the log tells the administrator.
    """
    from articles.printing.pdfa import pdfa_findings
    from articles.printing.renderer import pdf_variant

    variant = pdf_variant()
    findings = pdfa_findings(content, variant) if variant else []
    if findings:
        logger.error("The PDF of %s (id %s) is not valid %s: %s", issue, issue.pk, variant, "; ".join(findings))
    return findings


@transaction.atomic
def _issue_rendered(pk, *, actor, comment, step, digest, name, rendered, findings):
    """The short locked step of issuing; None when the issue would no longer print what was rendered."""
    issue = _locked(Issue(pk=pk))
    _check_step(issue, step)
    _check(workflow.Transition.APPROVE, actor, issue)
    if _as_it_will_print(issue, lock=True)[0] != digest:
        return None
    issue.issued_by = actor
    issue.issued_at = timezone.now()
    issue.pdf_file.name = name
    issue.pdf_size = len(rendered.content)
    issue.pdf_pages = rendered.pages
    issue.pdf_sha256 = hashlib.sha256(rendered.content).hexdigest()
    issue.pdf_pdfa_findings = findings
    name = workflow.current_step(issue)["name"]
    issue.status, issue.step, issue.step_group, issue.step_since = Status.ISSUED, None, None, None
    issue.save(update_fields=[
        "status", "step", "step_group", "step_since", "number", "total_number", "issued_by", "issued_at",
        "address_lines",
        "series_as_issued", "pdf_file", "pdf_size", "pdf_pages", "pdf_sha256", "pdf_pdfa_findings",
    ])
    _log(issue, actor=actor, action=IssueLog.Action.ISSUE, from_status=Status.REVIEW, comment=comment, step=name)
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


@transaction.atomic
def article_correct(*, article, actor, title, subtitle, body):
    """A reviewer's correction of one article under review, kept as a revision in their name."""
    issue = _locked(article.issue)
    _check(workflow.Transition.CORRECT, actor, issue)
    article = Article.objects.select_for_update().get(pk=article.pk, issue=issue)
    article.title, article.subtitle, article.body = title, subtitle, body
    article.full_clean(exclude=["issue", "position", "kind"])
    article.save(update_fields=["title", "subtitle", "body"])
    return revision_record(issue, actor=actor, kind=IssueRevision.Kind.CORRECTION)


@transaction.atomic
def comment_add(*, article, actor, text, quote=""):
    """Comment on one article, optionally quoting the passage the comment is about."""
    issue = _locked(article.issue)
    _check(workflow.Transition.COMMENT, actor, issue)
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
    _check(workflow.Transition.COMMENT, actor, issue)
    comment = ArticleComment.objects.select_for_update().get(pk=comment.pk)
    if comment.resolved_at is None:
        comment.resolved_by, comment.resolved_at = actor, timezone.now()
        comment.save(update_fields=["resolved_by", "resolved_at"])
    return comment


# --- proofreading (校对): apply a finding's suggestion, or keep the text as written ---------------------


def _check_draft_change(actor, issue, *, not_a_draft=None):
    """Raise the workflow's refusal of a change to a draft's content, if any."""
    refused = workflow.draft_change_refusal(actor, issue, not_a_draft=not_a_draft)
    if refused is not None:
        raise WorkflowError(refused.message, code=refused.code)


def _check_proofread(actor, issue):
    """Under review a finding is applied as a correction (CORRECT); otherwise as a change of the draft."""
    if issue.status == Status.REVIEW:
        _check(workflow.Transition.CORRECT, actor, issue)
    else:
        _check_draft_change(actor, issue)


def _finding(issue, article, key):
    from articles.proofreading import engine

    article = Article.objects.select_for_update().get(pk=article.pk, issue=issue)
    finding = engine.find(issue, article, key)
    if finding is None:
        raise WorkflowError(_("The text has changed since the proofreader looked at it; nothing was changed."),
                            code="stale")
    return finding


@transaction.atomic
def finding_accept(*, article, key, actor):
    """采纳: put a proofreading finding's suggestion in place of its quote, as a tracked change in `actor`'s name."""
    from articles.proofreading import engine

    issue = _locked(article.issue)
    _check_proofread(actor, issue)
    finding = _finding(issue, article, key)
    fields = engine.applied(finding)
    if fields is None:
        raise WorkflowError(_("This finding cannot be applied automatically; correct the text by hand."),
                            code="manual")
    if issue.status == Status.REVIEW:
        return article_correct(article=finding.article, actor=actor, **fields)
    article = finding.article
    article.title, article.subtitle, article.body = fields["title"], fields["subtitle"], fields["body"]
    article.full_clean(exclude=["issue", "position", "kind", "column"])
    article.save(update_fields=["title", "subtitle", "body"])
    return revision_record(issue, actor=actor, comment=_("Proofreading: %(quote)s → %(suggestion)s")
                           % {"quote": finding.quote, "suggestion": finding.suggestion})


@transaction.atomic
def finding_ignore(*, article, key, actor):
    """忽略: keep the text as written; the finding is remembered with the issue and not shown again."""
    from articles.models import ProofreadIgnore

    issue = _locked(article.issue)
    _check_proofread(actor, issue)
    finding = _finding(issue, article, key)
    ignore, _created = ProofreadIgnore.objects.get_or_create(
        article=finding.article, key=key, defaults={
            "issue": issue, "rule": finding.rule, "quote": finding.quote[:200], "message": finding.message[:300],
            "ignored_by": actor})
    return ignore


# --- split and join articles of a draft (after a Word import found too few or too many titles) -------------

NOT_A_DRAFT_TO_ARRANGE = gettext_lazy("Articles are split and joined only while the issue is a draft.")
SPLIT_TITLE_MAX = 100  # characters: a longer paragraph is text, not the new article's title


def body_blocks(body):
    """The top-level blocks (paragraphs, headings, tables, pictures) of a body, as lxml elements."""
    root = lxml.html.fragment_fromstring(body or "<p></p>", create_parent="div")
    if (root.text or "").strip():  # text outside any paragraph: a paragraph of its own
        first = lxml.html.Element("p")
        first.text, root.text = root.text, None
        root.insert(0, first)
    return [element for element in root if isinstance(element.tag, str)]


def _html(elements):
    return "".join(lxml.html.tostring(element, encoding="unicode", with_tail=False) for element in elements)


def _as_title(block):
    """A paragraph's text as title lines (its line breaks kept), or None when it cannot be a title."""
    if block.tag not in ("p", "h2", "h3", "h4", "h5") or block.find(".//img") is not None:
        return None
    for br in block.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = [" ".join(line.split()) for line in block.text_content().splitlines() if line.strip()]
    return "\n".join(lines) if lines and len("".join(lines)) <= SPLIT_TITLE_MAX else None


def _renumber(order):
    for position, article in enumerate(order, start=1):
        article.position = position
    Article.objects.bulk_update(order, ["position"])


@transaction.atomic
def article_split(*, article, paragraph_index, actor):
    """在此段拆分: the body from block `paragraph_index` on becomes a new article right after this one.

    A short paragraph there becomes the new article's title (what a missed title is); otherwise the new
    article is untitled and starts with it. The 供稿单位 ends the text, so it goes with the second part.
    """
    issue = _locked(article.issue)
    _check_draft_change(actor, issue, not_a_draft=NOT_A_DRAFT_TO_ARRANGE)
    article = Article.objects.select_for_update().get(pk=article.pk, issue=issue)
    blocks = body_blocks(article.body)
    if not (isinstance(paragraph_index, int) and 0 < paragraph_index < len(blocks)):
        raise WorkflowError(_("Choose a paragraph after the first one to split the article at."), code="invalid")
    head, tail = blocks[:paragraph_index], blocks[paragraph_index:]
    title = _as_title(tail[0])
    if title is not None:
        tail = tail[1:]
    new = Article(issue=issue, position=article.position, title=title or _("Untitled article"), body=_html(tail),
                  column=article.column, source=article.source)
    article.body, article.source = _html(head), ""
    article.save(update_fields=["body", "source"])
    new.save()
    order = list(issue.articles.exclude(pk=new.pk).order_by("position", "pk"))
    order.insert(order.index(article) + 1, new)
    _renumber(order)
    revision_record(issue, actor=actor, comment=_("Split %(title)s at paragraph %(number)s") % {
        "title": article, "number": paragraph_index + 1})
    return new


@transaction.atomic
def article_join(*, article, actor):
    """与上一篇合并: the article's title (as a paragraph) and text go to the end of the article before it."""
    issue = _locked(article.issue)
    _check_draft_change(actor, issue, not_a_draft=NOT_A_DRAFT_TO_ARRANGE)
    # of=self: PostgreSQL locks no row of the outer-joined facts (FOR UPDATE cannot lock a nullable side).
    order = list(issue.articles.select_for_update(of=("self",)).select_related("meeting", "award")
                 .order_by("position", "pk"))
    article = next((a for a in order if a.pk == article.pk), None)
    if article is None:
        raise WorkflowError(_("That article is not in this issue."), code="invalid")
    index = order.index(article)
    if index == 0:
        raise WorkflowError(_("The first article has no article before it to be joined with."), code="first")
    if getattr(article, "meeting", None) is not None or getattr(article, "award", None) is not None:
        raise WorkflowError(_("%(title)s has meeting or award facts; remove them before joining it with the article "
                              "before.") % {"title": article}, code="facts")
    previous = order[index - 1]
    parts = [previous.body]
    if previous.source:  # each source line stays after its own text
        parts.append(format_html('<p style="text-align:right">{}</p>', previous.source_line))
    title = format_html_join(mark_safe("<br>"), "{}", ((line,) for line in article.title_lines))
    parts.append(format_html("<p>{}</p>", title))
    if article.subtitle:
        parts.append(format_html('<p style="text-align:center">{}</p>', article.subtitle))
    parts.append(article.body)
    previous.body, previous.source = "".join(parts), article.source
    try:
        previous.save(update_fields=["body", "source"])
    except ValidationError as exc:
        raise WorkflowError(exc.messages, code="limit") from exc
    article.delete()
    order.remove(article)
    _renumber(order)
    revision_record(issue, actor=actor, comment=_("Joined %(title)s with the article before") % {"title": article})
    return previous
