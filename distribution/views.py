"""Portal views (first cut: the portal issue extends these)."""

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from articles.models import Issue
from distribution.models import Distribution


def _visible_issue(request, pk):
    issue = get_object_or_404(Issue.objects.issued().select_related("series"), pk=pk)
    user = request.user
    if issue.is_public or user.is_staff:
        return issue
    if user.is_authenticated and Distribution.objects.filter(issue=issue, recipient__members=user).exists():
        return issue
    raise Http404


def home(request):
    issues = Issue.objects.issued().filter(disclosure=Issue.Disclosure.PUBLIC).select_related("series")[:50]
    return render(request, "distribution/home.html", {"issues": issues})


def issue_detail(request, pk):
    issue = _visible_issue(request, pk)
    return render(request, "distribution/issue.html", {"issue": issue})


def issue_pdf(request, pk):
    if not request.user.is_authenticated and not Issue.objects.filter(pk=pk, disclosure="public").exists():
        return redirect_to_login(request.get_full_path())
    issue = _visible_issue(request, pk)
    return FileResponse(issue.pdf_file.open("rb"), content_type="application/pdf", filename=issue.pdf_filename)
