"""The admin page of an issued issue's layout report (IssueAdmin.get_urls adds it)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from articles.models import Issue
from articles.printing.layout_report import issue_layout_report


def urls(model_admin):
    view = model_admin.admin_site.admin_view(lambda request, pk: layout_report_view(model_admin, request, pk))
    return [path("<int:pk>/layout-report/", view, name="articles_issue_layout_report")]


def layout_report_view(model_admin, request, pk):
    """The stored PDF of an issued issue measured against GB/T 9704: each deviation with its page."""
    issue = get_object_or_404(Issue.objects.select_related("series"), pk=pk)
    if not model_admin.has_view_permission(request, issue):
        raise PermissionDenied
    if not issue.is_issued:
        raise Http404(_("Only an issued issue has a stored PDF to measure."))
    report = issue_layout_report(issue)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Issue._meta,
        "original": issue,
        "title": _("Layout report: %(issue)s") % {"issue": issue},
        "report": report,
    }
    return TemplateResponse(request, "admin/articles/issue/layout_report.html", context)
