"""The drafting tool: issues with their articles, recipients and workflow buttons."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles import layout_report_admin, services
from articles.integrity import PdfProblem
from articles.models import Article, Award, Issue, IssueLog, Meeting, PdfCheck, Series
from articles.review import ReviewDesk
from articles.revisions import revision_record
from distribution.models import Distribution

REVISIONS_SHOWN = 10


def _issue_is_draft(obj):
    """True when obj (an issue, an article, or None for "any") may still be edited."""
    issue = getattr(obj, "issue", obj)
    return issue is None or issue.status == Issue.Status.DRAFT


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "compiling_office", "is_supplement", "show_total_number"]
    fieldsets = [
        (None, {"fields": ["name", "compiling_office", "issuing_office", "is_supplement"]}),
        (_("Masthead"), {"fields": [
            "masthead_color", "masthead_size_pt", "masthead_letter_spacing_em", "masthead_rule_pt",
            "top_left_mark", "show_total_number", "total_number_offset",
        ]}),
        (_("Print layout"), {"fields": ["end_block_on_even_page", "mirror_margins", "print_run_below_rule"]}),
    ]


class ReadOnlyAdminMixin:
    """A record nobody adds, changes or deletes through the admin (logs, receipts, sent mail)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WaitingForMeFilter(admin.SimpleListFilter):
    """What the current user has to act on: drafts for drafters, reviews for leaders."""

    title = _("waiting for me")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("1", _("waiting for me"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(waiting_for_q(request.user))
        return queryset


def waiting_for_q(user):
    """The issues that wait for this user's action."""
    q = Q(pk__in=[])
    if user.has_perm("articles.submit_issue"):
        q |= Q(status=Issue.Status.DRAFT)
    if user.has_perm("articles.approve_issue") or user.has_perm("articles.return_issue"):
        q |= Q(status=Issue.Status.REVIEW)
    return q


class DraftOnlyInlineMixin:
    """Inline content is editable only while its issue is a draft."""

    def has_add_permission(self, request, obj):
        return _issue_is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _issue_is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _issue_is_draft(obj) and super().has_delete_permission(request, obj)


# Titles are a few hand-broken lines, not an essay.
TITLE_WIDGET = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 50})}}


class DraftOnlyAdminMixin:
    """Issues and articles are changed or deleted only while the issue is a draft, one at a time."""

    def has_change_permission(self, request, obj=None):
        return _issue_is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _issue_is_draft(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk deletion would bypass the per-issue state check on the admin side.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ArticleInline(DraftOnlyInlineMixin, admin.StackedInline):
    model = Article
    formfield_overrides = TITLE_WIDGET
    extra = 0
    fields = ["position", "kind", "title", "subtitle", "body", "facts"]
    readonly_fields = ["facts", "formatted_body"]
    ordering = ["position", "pk"]
    show_change_link = True

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fields
        # Read only: the text as it prints, never its HTML source.
        return ["position", "kind", "title", "subtitle", "formatted_body", "facts"]

    @admin.display(description=_("body"))
    def formatted_body(self, obj):
        # Bodies are sanitised on every write (Article.save, ArticleQuerySet), so they are safe to show as HTML.
        return format_html('<div class="bulletin inline-body"><div class="body">{}</div></div>', mark_safe(obj.body))

    @admin.display(description=_("meeting / award facts"))
    def facts(self, obj):
        if not obj.pk:
            return gettext("Save the issue first, then add the facts from the article's page.")
        fact = getattr(obj, "meeting", None) or getattr(obj, "award", None)
        link = reverse("admin:articles_article_change", args=[obj.pk])
        if fact is None:
            if obj.kind == Article.Kind.GENERAL:
                return "—"
            return format_html('<a href="{}">{}</a>', link, gettext("add the facts"))
        return format_html('{} · <a href="{}">{}</a>', fact, link, gettext("edit"))


class DistributionInline(DraftOnlyInlineMixin, admin.TabularInline):
    model = Distribution
    extra = 0
    fields = ["role", "recipient", "group"]
    autocomplete_fields = ["recipient", "group"]


class IssueLogInline(admin.TabularInline):
    model = IssueLog
    extra = 0
    fields = ["at", "actor", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("workflow log")

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Issue)
class IssueAdmin(DraftOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "issue_date", "disclosure", "created_by", "submitted_by", "approved_by"]
    list_filter = [WaitingForMeFilter, "status", "series", "year", "disclosure"]
    list_select_related = ["series", "created_by", "submitted_by", "approved_by"]
    search_fields = ["articles__title", "series__name"]
    date_hierarchy = "issue_date"
    inlines = [ArticleInline, DistributionInline, IssueLogInline]
    readonly_fields = ["status", "number_display", "pdf_display", "created_by", "submitted_by", "submitted_at",
                       "approved_by", "approved_at"]
    fieldsets = [
        (None, {"fields": ["series", "issue_date", "print_date", "print_run", "disclosure", "extra_recipients"]}),
        (_("Workflow"), {"fields": ["status", "number_display", "pdf_display", "created_by", "submitted_by",
                                    "submitted_at", "approved_by", "approved_at"]}),
    ]
    change_form_template = "admin/articles/issue/change_form.html"

    def get_queryset(self, request):
        # The changelist skips list_select_related once the queryset has any select_related of its own.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def view_on_site(self, obj):
        # Only issued issues have a portal page.
        return obj.get_absolute_url() if obj.is_issued else None


    @admin.display(description=_("number"))
    def number_display(self, obj):
        if obj.number is None:
            return gettext("assigned when issued")
        total = gettext("（总第%(total)s期）") % {"total": obj.total_number} if obj.series.show_total_number else ""
        return f"{obj.label}{total}"

    @admin.display(description=_("issued PDF"))
    def pdf_display(self, obj):
        if not obj.pdf_sha256:
            return "—"
        return format_html(
            '<a href="{}" target="_blank">{}</a> · {} · {} · SHA-256 <code>{}</code>',
            reverse("distribution:issue_pdf", args=[obj.pk]), obj.pdf_filename,
            gettext("%(pages)s pages") % {"pages": obj.pdf_pages},
            gettext("%(kb)s KB") % {"kb": round(obj.pdf_size / 1024)}, obj.pdf_sha256,
        )

    def save_model(self, request, obj, form, change):
        obj.year = obj.issue_date.year
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # One revision per save of the whole form, once the articles and recipients are saved too.
        revision = revision_record(form.instance, actor=request.user)
        if not change:
            IssueLog.objects.create(issue=form.instance, actor=request.user, action=IssueLog.Action.CREATE,
                                    to_status=form.instance.status, revision=revision)

    # --- workflow buttons -------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/submit/", wrap(self.transition_view(services.issue_submit, _("Submitted for review."))),
                 name="articles_issue_submit"),
            path("<int:pk>/return/", wrap(self.transition_view(services.issue_return, _("Returned to the drafters."))),
                 name="articles_issue_return"),
            path("<int:pk>/publish/", wrap(self.transition_view(services.issue_publish, _("Issued."))),
                 name="articles_issue_publish"),
            path("<int:pk>/preview.pdf", wrap(self.preview_view), name="articles_issue_preview"),
            *ReviewDesk(self).urls(),
            *layout_report_admin.urls(self),
        ] + super().get_urls()

    def transition_view(self, service, success_message):
        @require_POST
        def view(request, pk):
            issue = get_object_or_404(Issue, pk=pk)
            if not self.has_view_permission(request, issue):
                raise PermissionDenied
            try:
                service(issue=issue, actor=request.user, comment=request.POST.get("comment", ""))
            except services.WorkflowError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(request, success_message, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[pk]))

        return view

    def preview_view(self, request, pk):
        from articles.pdf import PdfRenderError, render_issue

        issue = get_object_or_404(Issue.objects.select_related("series"), pk=pk)
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        if issue.is_issued:
            return HttpResponseRedirect(reverse("distribution:issue_pdf", args=[pk]))
        try:
            rendered = render_issue(issue, preview=True)
        except PdfRenderError as exc:
            self.message_user(request, gettext("The preview could not be rendered: %(reason)s") % {"reason": exc},
                              messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[pk]))
        response = HttpResponse(rendered.content, content_type="application/pdf")
        response["Content-Disposition"] = "inline"
        response["Cache-Control"] = "no-store"
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            user = request.user
            context.update({
                "can_submit": services.can_submit(user, obj),
                "can_return": services.can_return(user, obj),
                "can_publish": services.can_publish(user, obj),
                "self_submitted": obj.status == Issue.Status.REVIEW and obj.submitted_by_id == user.pk
                and user.has_perm("articles.approve_issue") and not services.can_publish(user, obj),
                "last_return": obj.log.filter(action="issue.return").last()
                if obj.status == Issue.Status.DRAFT else None,
                "revisions": obj.revisions.select_related("revision__user").order_by("-number")[:REVISIONS_SHOWN],
                "revision_count": obj.revisions.count(),
                "open_comments": obj.comments.filter(resolved_at__isnull=True).count(),
            })
        return super().render_change_form(request, context, add, change, form_url, obj)


class MeetingInline(DraftOnlyInlineMixin, admin.StackedInline):
    model = Meeting
    extra = 0
    max_num = 1


class AwardInline(MeetingInline):
    model = Award


@admin.register(Article)
class ArticleAdmin(DraftOnlyAdminMixin, admin.ModelAdmin):
    """One article with its meeting or award facts; each save is a revision of its issue."""

    list_display = ["__str__", "issue", "kind", "position"]
    list_filter = ["kind", "issue__status", "issue__series"]
    list_select_related = ["issue__series"]
    search_fields = ["title", "body"]
    inlines = [MeetingInline, AwardInline]
    formfield_overrides = TITLE_WIDGET
    fields = ["issue", "position", "kind", "title", "subtitle", "body"]

    def get_readonly_fields(self, request, obj=None):
        return ["issue"] if obj else []

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        revision_record(form.instance.issue, actor=request.user)

    def delete_model(self, request, obj):
        issue = obj.issue
        super().delete_model(request, obj)
        revision_record(issue, actor=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "issue":
            kwargs["queryset"] = Issue.objects.filter(status=Issue.Status.DRAFT).select_related("series")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)



@admin.register(IssueLog)
class IssueLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "issue", "actor", "action", "from_status", "to_status", "comment"]
    list_filter = ["action"]
    list_select_related = ["issue__series", "actor"]


@admin.register(PdfCheck)
class PdfCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["started_at", "checked", "failed", "passed", "stray_count"]
    list_filter = ["failed"]
    fields = ["started_at", "finished_at", "checked", "failed", "problems_display", "stray_display"]
    readonly_fields = fields

    @admin.display(description=_("all passed"), boolean=True)
    def passed(self, obj):
        return obj.passed

    @admin.display(description=_("stray files"))
    def stray_count(self, obj):
        return len(obj.stray_files)

    @admin.display(description=_("problems"))
    def problems_display(self, obj):
        if not obj.problems:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", '<li><a href="{}">{}</a>（<code>{}</code>）：{}</li>',
            ((reverse("admin:articles_issue_change", args=[p["issue"]]), p["name"], p["file"],
              PdfProblem(p["problem"]).label) for p in obj.problems),
        ))

    @admin.display(description=_("stray files"))
    def stray_display(self, obj):
        if not obj.stray_files:
            return "—"
        items = format_html_join("", "<li><code>{}</code></li>", ((name,) for name in obj.stray_files))
        return format_html("<ul>{}</ul>", items)
