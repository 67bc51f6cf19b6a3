"""The 年度档案 admin page: a year's 大事记 and 荣誉 (.docx, .csv) and its archive zip (IssueAdmin.get_urls adds it)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from articles.archive.year_export import YearExportError, year_export, year_export_name
from articles.archive.yearbook import yearbook_csv, yearbook_docx, yearbook_entries
from articles.models import Issue, Series

YEARBOOK_TYPES = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", yearbook_docx),
    "csv": ("text/csv; charset=utf-8", yearbook_csv),
}


class ArchiveForm(forms.Form):
    series = forms.ModelChoiceField(Series.objects.all(), required=False, label=gettext_lazy("series"),
                                    empty_label=gettext_lazy("All series"))
    year = forms.TypedChoiceField(coerce=int, label=gettext_lazy("year"))
    # Which button was pressed: none shows the year's entries, the others download.
    download = forms.ChoiceField(choices=[("", ""), ("docx", "docx"), ("csv", "csv"), ("zip", "zip")], required=False)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, year) for year in years]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("download") == "zip" and not cleaned.get("series"):
            self.add_error("series", _("Choose a series: the archive zip is made per series."))
        return cleaned


def urls(model_admin):
    view = model_admin.admin_site.admin_view(require_safe(lambda request: archive_view(model_admin, request)))
    return [path("archive/", view, name="articles_issue_archive")]


def archive_view(model_admin, request):
    """A year of issued issues for the yearbook editors (大事记, 荣誉) and for the archive (the stored PDFs)."""
    # Every issued issue goes into these files, whoever it was addressed to: only for those who may view issues.
    if not request.user.has_perm("articles.view_issue"):
        raise PermissionDenied
    years = list(Issue.objects.issued().order_by("-year").values_list("year", flat=True).distinct())
    form = ArchiveForm(request.GET or None, years=years, initial={"year": years[0] if years else None})
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Issue._meta,
        "title": _("Yearly archive"),
        "form": form,
        "has_issued": bool(years),
    }
    if form.is_valid():
        series, year, download = (form.cleaned_data[name] for name in ("series", "year", "download"))
        if download == "zip":
            try:
                exported = year_export(series=series, year=year)
            except YearExportError as exc:
                context["export_error"] = exc.message
            else:
                return FileResponse(exported, as_attachment=True, filename=year_export_name(series=series, year=year),
                                    content_type="application/zip")
        yearbook = yearbook_entries(year=year, series=series)
        if download in YEARBOOK_TYPES:
            content_type, render = YEARBOOK_TYPES[download]
            response = HttpResponse(render(yearbook), content_type=content_type)
            response["Content-Disposition"] = content_disposition_header(True, yearbook.filename(download))
            return response
        issues = Issue.objects.issued().filter(year=year)
        if series is not None:
            issues = issues.filter(series=series)
        context.update(yearbook=yearbook, issued_count=issues.count())
    return TemplateResponse(request, "admin/articles/archive/index.html", context)
