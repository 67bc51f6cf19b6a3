"""Template tags for the admin's workflow summary."""

from django import template

from articles.admin import waiting_for_q
from articles.models import Issue, PdfCheck

register = template.Library()


@register.simple_tag(takes_context=True)
def issues_waiting_for_me(context):
    """The issues the current user has to act on, oldest first."""
    user = context["request"].user
    return list(Issue.objects.filter(waiting_for_q(user)).select_related("series").order_by("issue_date", "pk")[:20])


@register.simple_tag
def last_pdf_check():
    """The latest verify_pdfs run (None before the first)."""
    return PdfCheck.objects.first()
