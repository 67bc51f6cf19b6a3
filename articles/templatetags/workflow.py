"""Template tags for the admin's workflow summary."""

from django import template
from django.db.models import Prefetch

from articles import workflow
from articles.models import Issue, IssueLog, PdfCheck

register = template.Library()


WAITING_SHOWN = 20


@register.simple_tag(takes_context=True)
def issues_waiting_for_me(context):
    """{"count": how many issues wait for the current user, "issues": the oldest WAITING_SHOWN of them}."""
    waiting = Issue.objects.filter(workflow.waiting_for_q(context["request"].user))
    returns = IssueLog.objects.filter(action=IssueLog.Action.RETURN).select_related("actor").order_by("-at", "-pk")
    issues = list(
        waiting.select_related("series", "submitted_by")
        .prefetch_related("articles", Prefetch("log", queryset=returns, to_attr="returns"))
        .order_by("submitted_at", "issue_date", "pk")[:WAITING_SHOWN]
    )
    for issue in issues:
        # A draft that came back: who returned it, when and why, so it is told apart from a new draft.
        issue.returned = issue.returns[0] if issue.status == Issue.Status.DRAFT and issue.returns else None
    count = len(issues) if len(issues) < WAITING_SHOWN else waiting.count()
    return {"count": count, "issues": issues, "more": count > len(issues)}


@register.simple_tag
def last_pdf_check():
    """The latest verify_pdfs run (None before the first)."""
    return PdfCheck.objects.first()
