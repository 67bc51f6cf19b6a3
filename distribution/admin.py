"""The address book, and per issue who has viewed, downloaded and acknowledged it, and the emails sent."""

import io
from urllib.parse import quote

import openpyxl
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.admin import ReadOnlyAdminMixin
from articles.archive.spreadsheet import csv_text, safe_rows

# The admin login gets the same failure limit as the portal's.
from articles.models import Issue
from distribution import selectors, services
from distribution.forms import MAX_ID, AdminRateLimitedAuthenticationForm
from distribution.models import Notification, Receipt
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


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: per issue, which units have viewed, downloaded and acknowledged it, and which have not."""

    list_display = ["recipient", "issue", "first_viewed_at", "first_viewed_by", "first_downloaded_at",
                    "first_downloaded_by", "acknowledged_at", "acknowledged_by"]
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
        return [*super().get_list_display(request), "reminders", "last_reminded_at"]

    def has_remind_permission(self, request):
        return request.user.has_perm("distribution.change_notification")

    @admin.action(permissions=["remind"], description=_("催签: remind the selected units to acknowledge"))
    def remind(self, request, queryset):
        pks = list(queryset.filter(acknowledged_at__isnull=True).values_list("pk", flat=True))
        if pks:
            remind_units.enqueue(pks)
        self.message_user(request, gettext("Reminders queued for %(count)s units that have not acknowledged.")
                          % {"count": len(pks)}, messages.SUCCESS if pks else messages.WARNING)

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
            for row in rows:
                sheet.append(row)
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
