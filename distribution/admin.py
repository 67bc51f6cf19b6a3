"""The address book, per issue who has viewed, downloaded and acknowledged it, the emails sent, and the inbox of
稿件 the units submit with its 采用统计."""

import io
from urllib.parse import quote

import openpyxl
import openpyxl.styles
import openpyxl.utils
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.admin import ReadOnlyAdminMixin
from articles.archive.spreadsheet import csv_text, safe_rows

# The admin login gets the same failure limit as the portal's.
from articles.models import Column, Issue
from articles.roles import person_name
from distribution import selectors, services, submission_reports
from distribution.forms import MAX_ID, AdminRateLimitedAuthenticationForm
from distribution.models import Notification, Receipt, Submission
from distribution.services import remind_units

admin.site.login_form = AdminRateLimitedAuthenticationForm


class IssueFilter(admin.SimpleListFilter):
    """The issue whose receipts are listed: the latest issued ones, plus the one chosen by link."""

    title = _("issue")
    parameter_name = "issue"

    def lookups(self, request, model_admin):
        issues = list(Issue.objects.issued().select_related("series").order_by("-issued_at")[:20])
        chosen = issue_pk(self.value())
        if chosen and all(i.pk != chosen for i in issues):
            issues += list(Issue.objects.issued().select_related("series").filter(pk=chosen))
        return [(str(i.pk), str(i)) for i in issues]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        chosen = issue_pk(self.value())
        if chosen is None:
            raise IncorrectLookupParameters(self.value())  # the admin answers with its "?e=1" page
        return queryset.filter(issue_id=chosen)


def issue_pk(value):
    """`value` as an issue id if it can be one (digits, within a bigint), else None."""
    if value and value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return int(value)
    return None


def _done_filter(field, title, done, not_done):
    class DoneFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return [("1", done), ("0", not_done)]

        def queryset(self, request, queryset):
            if self.value() in ("0", "1"):
                return queryset.filter(**{f"{field}_at__isnull": self.value() == "0"})
            return queryset

    DoneFilter.title = title
    return DoneFilter


def _short_time(moment):
    """12月3日 14:05, as the office writes a time of this year (2025年12月3日 14:05 for another year)."""
    if moment is None:
        return "—"
    moment = timezone.localtime(moment)
    day = f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return day if moment.year == timezone.localtime().year else f"{moment.year}年{day}"


def _when_by(moment, user):
    """«12月3日 14:05 张三» (the time kept on one line), or 「—」 when it has not happened."""
    if moment is None:
        return "—"
    return format_html('<span class="nowrap">{}</span><br>{}', _short_time(moment), person_name(user) if user else "")


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: per issue, which units have viewed, downloaded and acknowledged it, and which have not."""

    # Six columns, each «when, by whom», so the list fits a 1366-pixel screen beside the menu and the filters;
    # the 简报 column goes when one issue is chosen (its name is above the list).
    list_display = ["recipient", "issue_label", "viewed", "downloaded", "acknowledged", "reminded"]
    list_filter = [
        IssueFilter,
        _done_filter("acknowledged", _("acknowledged"), _("acknowledged"), _("not acknowledged")),
        _done_filter("first_viewed", _("viewed"), _("viewed"), _("not viewed")),
        _done_filter("first_downloaded", _("downloaded"), _("downloaded"), _("not downloaded")),
    ]
    list_select_related = ["issue__series", "recipient", "first_viewed_by", "first_downloaded_by", "acknowledged_by"]
    search_fields = ["recipient__name"]
    list_per_page = 200
    actions = ["remind"]

    def get_list_display(self, request):
        if issue_pk(request.GET.get("issue")):
            return [name for name in self.list_display if name != "issue_label"]
        return self.list_display

    @admin.display(description=_("issue"), ordering="issue")
    def issue_label(self, receipt):
        issue = receipt.issue
        return format_html('<span class="nowrap">{}</span><br><span class="nowrap">{}</span>',
                           issue.printed_series.name, issue.label)

    @admin.display(description=_("viewed"), ordering="first_viewed_at")
    def viewed(self, receipt):
        return _when_by(receipt.first_viewed_at, receipt.first_viewed_by)

    @admin.display(description=_("downloaded"), ordering="first_downloaded_at")
    def downloaded(self, receipt):
        return _when_by(receipt.first_downloaded_at, receipt.first_downloaded_by)

    @admin.display(description=_("acknowledged"), ordering="acknowledged_at")
    def acknowledged(self, receipt):
        return _when_by(receipt.acknowledged_at, receipt.acknowledged_by)

    @admin.display(description=_("reminders sent"), ordering="reminders")
    def reminded(self, receipt):
        if not receipt.reminders:
            return "—"
        return format_html('{}<br><span class="nowrap">{}</span>', gettext("%(count)s times") % {
            "count": receipt.reminders}, _short_time(receipt.last_reminded_at))

    def has_remind_permission(self, request):
        return request.user.has_perm("distribution.change_notification")

    @admin.action(permissions=["remind"], description=_("催签: remind the selected units to acknowledge"))
    def remind(self, request, queryset):
        waiting = queryset.filter(acknowledged_at__isnull=True).select_related("recipient")
        pks = [receipt.pk for receipt in waiting if receipt.recipient.email]
        # Units without an email address cannot be reminded: named, never counted as reminded.
        without = sorted({receipt.recipient.name for receipt in waiting if not receipt.recipient.email})
        if pks:
            remind_units.enqueue(pks)
        self.message_user(request, gettext("Reminders queued for %(count)s units that have not acknowledged.")
                          % {"count": len(pks)}, messages.SUCCESS if pks else messages.WARNING)
        if without:
            self.message_user(request, gettext("These units have no email address and were not reminded: "
                                               "%(units)s. Add their addresses in the address book.")
                              % {"units": "、".join(without)}, messages.WARNING)

    def get_urls(self):
        return [path("export/<int:issue_pk>.<str:kind>", self.admin_site.admin_view(self.export_view),
                     name="distribution_receipt_export"), *super().get_urls()]

    def export_view(self, request, issue_pk, kind):
        """The issue's 签收情况 as .csv or .xlsx: who viewed, downloaded, acknowledged, was reminded, when."""
        if not self.has_view_permission(request) or kind not in ("csv", "xlsx"):
            raise PermissionDenied if kind in ("csv", "xlsx") else Http404
        issue = get_object_or_404(Issue.objects.issued().select_related("series"), pk=issue_pk)
        rows = safe_rows(services.receipt_rows(issue))  # unit names are typed by staff: never a formula
        name = f"{issue.pdf_filename.removesuffix('.pdf')}-签收情况.{kind}"
        if kind == "csv":
            response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
        else:
            book = openpyxl.Workbook()
            sheet = book.active
            sheet.title = "签收情况"
            # As offices print it: a title row naming the issue, the header frozen under it, columns wide
            # enough for a unit's name and a time.
            sheet.append(safe_rows([[f"{issue} 签收情况（截至 {timezone.localtime():%Y年%m月%d日 %H:%M}）"]])[0])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(rows[0]), 1))
            sheet["A1"].font = openpyxl.styles.Font(bold=True, size=14)
            for row in rows:
                sheet.append(row)
            for cell in sheet[2]:
                cell.font = openpyxl.styles.Font(bold=True)
            sheet.freeze_panes = "B3"
            for index, _header in enumerate(rows[0], start=1):
                longest = max(len(str(row[index - 1] or "")) for row in rows)
                width = min(max(10, longest * 2 + 2), 40)  # a Chinese character is about two columns wide
                sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
            out = io.BytesIO()
            book.save(out)
            response = HttpResponse(out.getvalue(), content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response

    def changelist_view(self, request, extra_context=None):
        chosen = issue_pk(request.GET.get("issue"))
        issue = Issue.objects.select_related("series").filter(pk=chosen).first() if chosen else None
        counts = selectors.receipt_counts(issue) if issue else None
        if counts:
            counts["not_acknowledged"] = counts["units"] - counts["acknowledged"]
        extra_context = {**(extra_context or {}), "receipt_issue": issue, "receipt_counts": counts}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The emails announcing issued issues; failed ones can be sent again."""

    list_display = ["issue", "recipient", "email", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", IssueFilter]
    list_select_related = ["issue__series", "recipient"]
    search_fields = ["recipient__name", "email"]
    actions = ["retry"]

    def has_retry_permission(self, request):
        return request.user.has_perm("distribution.change_notification")

    @admin.action(permissions=["retry"], description=_("Send the selected emails again"))
    def retry(self, request, queryset):
        sent, failed = services.notifications_send(notifications=queryset)
        self.message_user(request, gettext("%(sent)s sent, %(failed)s failed.") % {"sent": sent, "failed": failed},
                          messages.WARNING if failed else messages.SUCCESS)


# --- 信息报送: the editors' inbox of submissions, their decisions, and the year's 采用统计 -------------------------


class SubmissionDecisionForm(forms.Form):
    """What an editor decides for the selected submissions: the draft issue and 栏目, or the reason."""

    issue = forms.ModelChoiceField(queryset=Issue.objects.none(), required=False, label=_("draft issue"))
    column = forms.ModelChoiceField(queryset=Column.objects.select_related("series"), required=False,
                                    label=_("column (栏目)"))
    title = forms.CharField(required=False, max_length=200, label=_("title of the article"),
                            help_text=_("Empty: the (first) submission's title."))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("reason"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issue"].queryset = Issue.objects.filter(status=Issue.Status.DRAFT).select_related("series")


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The inbox of 稿件 the units sent in: 待处理 first; adopt, merge, decline or return them."""

    list_display = ["title", "unit", "status", "column", "created_at", "adopted_article", "contact_name",
                    "contact_phone"]
    list_filter = ["status", "unit", "column"]
    list_select_related = ["unit", "column", "adopted_article"]
    search_fields = ["title", "unit__name"]
    readonly_fields = ["unit", "submitted_by", "title", "shown_body", "column", "contact_name", "contact_phone",
                       "status", "reason", "adopted_article", "adopted_column", "adopted_share_of", "adopted_page",
                       "created_at", "decided_at"]
    exclude = ["body"]
    actions = ["adopt", "merge", "decline", "return_for_changes"]

    def _editor(self, request):
        return selectors.decides_submissions(request.user)

    def has_module_permission(self, request):
        return self._editor(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._editor(request) or super().has_view_permission(request, obj)

    def has_decide_permission(self, request):
        return self._editor(request)

    def get_ordering(self, request):
        # 待处理 first; within each part, newest first.
        return [Case(When(status=Submission.Status.SUBMITTED, then=Value(0)), default=Value(1)).asc(),
                "-created_at", "-pk"]

    @admin.display(description=_("text"))
    def shown_body(self, obj):
        return mark_safe(obj.body)  # stored through the article allow-list

    def _decide(self, request, queryset, *, title, needs, run):
        form = SubmissionDecisionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                message = run(list(queryset), form.cleaned_data)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, message, messages.SUCCESS)
                return None
        return TemplateResponse(request, "admin/distribution/submission/decide.html", {
            **self.admin_site.each_context(request), "title": title, "form": form, "needs": needs,
            "submissions": queryset, "action": request.POST.get("action"), "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })

    def _adopt(self, submissions, data, *, actor):
        if data["issue"] is None:
            raise ValidationError(gettext("Choose the draft issue."))
        article = services.submission_merge(submissions=submissions, actor=actor, issue=data["issue"],
                                            column=data["column"], title=data["title"])
        return gettext("Adopted as “%(article)s” in %(issue)s.") % {"article": article, "issue": article.issue}

    @admin.action(permissions=["decide"], description=_("采用: adopt each selected submission as an article"))
    def adopt(self, request, queryset):
        def run(submissions, data):
            return "; ".join(self._adopt([s], data, actor=request.user) for s in submissions)
        return self._decide(request, queryset, title=gettext("Adopt submissions"), needs="adopt", run=run)

    @admin.action(permissions=["decide"], description=_("合并: adopt the selected submissions as one article"))
    def merge(self, request, queryset):
        def run(submissions, data):
            return self._adopt(submissions, data, actor=request.user)
        return self._decide(request, queryset, title=gettext("Merge submissions into one article"), needs="adopt",
                            run=run)

    def _refuse(self, request, queryset, service, title):
        def run(submissions, data):
            with transaction.atomic():
                for submission in submissions:
                    service(submission=submission, actor=request.user, reason=data["reason"])
            return gettext("%(count)s submissions: the units are told why.") % {"count": len(submissions)}
        return self._decide(request, queryset, title=title, needs="reason", run=run)

    @admin.action(permissions=["decide"], description=_("未采用: decline the selected submissions"))
    def decline(self, request, queryset):
        return self._refuse(request, queryset, services.submission_decline, gettext("Decline submissions"))

    @admin.action(permissions=["decide"], description=_("退回修改: return the selected submissions for changes"))
    def return_for_changes(self, request, queryset):
        return self._refuse(request, queryset, services.submission_return, gettext("Return submissions for changes"))

    def get_urls(self):
        return [path("stats/", self.admin_site.admin_view(self.stats_view), name="distribution_submission_stats"),
                *super().get_urls()]

    def stats_view(self, request):
        """采用统计: per unit for a year (and quarter), as a page, an .xlsx or a .docx 通报."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = StatsForm(request.GET or None)
        year, quarter = (form.cleaned_data["year"], form.cleaned_data["quarter"]) if form.is_valid() else (
            timezone.localdate().year, None)
        rows = selectors.submission_stats(year=year, quarter=quarter)
        kind = request.GET.get("format")
        if kind in ("xlsx", "docx"):
            name = submission_reports.file_name(year, quarter, kind)
            content, content_type = submission_reports.render(kind, rows, year=year, quarter=quarter)
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
            return response
        table = submission_reports.stats_table(rows)
        return TemplateResponse(request, "admin/distribution/submission/stats.html", {
            **self.admin_site.each_context(request), "title": gettext("Submission statistics (采用统计)"),
            "opts": self.model._meta, "form": form, "year": year, "quarter": quarter,
            "period": submission_reports.period(year, quarter), "quarters": list(selectors.QUARTERS),
            "header": table[0], "table": table[1:],
        })


class StatsForm(forms.Form):
    year = forms.IntegerField(min_value=1900, max_value=2999, label=_("year"))
    quarter = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("quarter"),
                                     choices=[("", "—"), (1, "1"), (2, "2"), (3, "3"), (4, "4")])
