"""The drafting tool: issues with their articles, recipients and workflow buttons."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles import roles, services, workflow
from articles import search as article_search
from articles.archive import admin as archive_admin
from articles.archive.volume import volume_issues, volume_request
from articles.docx_import import DocxImport
from articles.forms import (
    ADDRESSEE_FIELDS,
    ArticleForm,
    ArticleWithFactsForm,
    IssueForm,
    SeriesForm,
    fact_field_names,
)
from articles.models import (
    Article,
    ArticleIndex,
    Award,
    BoundVolume,
    Column,
    Issue,
    IssueLog,
    IssueOfd,
    Meeting,
    PdfCheck,
    Recipient,
    RecipientGroup,
    ReviewStep,
    Series,
)
from articles.printing import report_admin as layout_report_admin
from articles.printing.integrity import PdfProblem
from articles.review.desk import ReviewDesk, proofread_context
from articles.review.revisions import latest_revision, revision_record, stale_edit
from articles.roles import person_name
from articles.selectors import address_lines, usual_address_lines
from articles.signals import issue_transition_notices

REVISIONS_SHOWN = 10
BASE_REVISION = "base_revision"
# Posted with a save to replace exactly that newer version after the stale-save refusal (the user confirmed).
REPLACE_REVISION = "replace_revision"


@admin.display(description=_("by"))
def actor_name(self, obj):
    return person_name(obj.actor)


def stale_message(issue, newer, base):
    """The refusal of a save made on an older version: who saved, when, and what the user can do now."""
    user = newer.revision.user
    return format_html(
        '{} <a href="{}?a={}&amp;b={}" target="_blank">{}</a><br>'
        '<label class="replace-revision"><input type="checkbox" name="{}" value="{}"> {}</label>',
        gettext("%(who)s saved this issue at %(at)s (version %(number)s) after you opened it; your changes are not "
                "saved yet and are still in the form below. You can compare the two versions; reload the page to "
                "start from theirs and copy your changes in by hand (what you typed is offered back); or tick the "
                "box below and save again to replace their version with yours.") % {
            "who": person_name(user) if user else "?",
            "at": timezone.localtime(newer.revision.date_created).strftime("%H:%M:%S"),
            "number": newer.number},
        reverse("admin:articles_issue_compare", args=[issue.pk]), base, newer.number,
        gettext("See their changes"), REPLACE_REVISION, newer.number,
        gettext("Replace version %(number)s with mine (their changes will be lost)") % {"number": newer.number},
    )
SUBMIT_AFTER_SAVE = "_submit_for_review"


def _issue_is_draft(obj):
    """True when obj (an issue, an article, or None for "any") may still be edited."""
    issue = getattr(obj, "issue", obj)
    return issue is None or issue.status == Issue.Status.DRAFT


class ReviewStepInline(admin.TabularInline):
    """The series' approval chain; with none, an issue has one step, 签发 by 领导."""

    model = ReviewStep
    extra = 0
    fields = ["position", "name", "group"]
    ordering = ["position", "pk"]


class ColumnInline(admin.TabularInline):
    """The series' 栏目, in the order the office uses them."""

    model = Column
    extra = 0
    fields = ["position", "name"]
    ordering = ["position", "pk"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "compiling_office", "is_supplement", "show_total_number", "chain_display"]
    readonly_fields = ["usual_display"]
    inlines = [ColumnInline, ReviewStepInline]
    form = SeriesForm
    fieldsets = [
        (None, {"fields": ["name", "compiling_office", "issuing_office", "is_supplement"]}),
        (_("Usual recipients (报 / 送 / 发)"), {
            "fields": list(ADDRESSEE_FIELDS.values()), "classes": ["addressees"],
            "description": _("Ticked here, they are copied onto each new issue of the series that has none of its "
                             "own; each issue can then change them. Ticking a whole group prints the group's name "
                             "in the end block; a unit is listed once, in one role."),
        }),
        (_("Masthead"), {"fields": [
            "masthead_color", "masthead_size_pt", "masthead_letter_spacing_em", "masthead_rule_pt",
            "top_left_mark", "show_total_number", "total_number_offset",
        ]}),
        (_("Print layout"), {"fields": ["end_block_on_even_page", "mirror_margins", "print_run_below_rule"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None or self.has_change_permission(request, obj):
            return self.fieldsets
        # Read only (a drafter may look): the usual lines as they would print, not the checkboxes.
        usual = (_("Usual recipients (报 / 送 / 发)"), {"fields": ["usual_display"]})
        return [self.fieldsets[0], usual, *self.fieldsets[2:]]

    @admin.display(description=_("as printed"))
    def usual_display(self, obj):
        lines = usual_address_lines(obj)
        return format_html_join(mark_safe("<br>"), "{}：{}", lines) if lines else "—"

    @admin.display(description=_("approval chain"))
    def chain_display(self, obj):
        return " → ".join(f"{step['name']}（{step['group_name']}）" for step in workflow.chain_of(obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.addressees_changed:
            services.series_address_as_usual(series=form.instance, addressees=form.addressees())

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        # A step's group must be able to open the issues it reviews.
        for step in ReviewStep.objects.filter(series=form.instance).select_related("group"):
            roles.grant_reviewer_permissions(step.group)


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
            return queryset.filter(workflow.waiting_for_q(request.user))
        return queryset


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
    """An article of the issue, with its meeting or award facts beside it (shown for its kind only)."""

    model = Article
    form = ArticleWithFactsForm
    formfield_overrides = TITLE_WIDGET
    extra = 0
    readonly_fields = ["facts", "formatted_body"]
    ordering = ["position", "pk"]
    show_change_link = True

    def get_fieldsets(self, request, obj=None):
        if not self.has_change_permission(request, obj):
            # Read only: the text as it prints, never its HTML source.
            return [(None, {"fields": ["position", "kind", "column", "title", "subtitle", "formatted_body", "source",
                                       "facts"]})]
        return [
            (None, {"fields": ["position", "kind", "column", "title", "subtitle", "body", "source"]}),
            (_("Meeting facts"), {"fields": fact_field_names(Article.Kind.MEETING), "classes": ["facts-meeting"]}),
            (_("Award facts"), {"fields": fact_field_names(Article.Kind.AWARD), "classes": ["facts-award"]}),
        ]

    def get_formset(self, request, obj=None, **kwargs):
        self._series_id = obj.series_id if obj is not None else None
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "column":
            # The issue's series' columns; on a new issue (no series yet) every series' (checked on save).
            columns = Column.objects.select_related("series")
            series_id = getattr(self, "_series_id", None)
            kwargs["queryset"] = columns.filter(series_id=series_id) if series_id else columns
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("body"))
    def formatted_body(self, obj):
        # Bodies are sanitised on every write (Article.save, ArticleQuerySet), so they are safe to show as HTML.
        return format_html('<div class="bulletin inline-body"><div class="body">{}</div></div>', mark_safe(obj.body))

    @admin.display(description=_("meeting / award facts"))
    def facts(self, obj):
        fact = getattr(obj, "meeting", None) or getattr(obj, "award", None) if obj.pk else None
        return str(fact) if fact is not None else "—"


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "default_role", "sort_order", "email", "is_active"]
    list_filter = ["default_role", "is_active"]
    list_editable = ["sort_order"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_readonly_fields(self, request, obj=None):
        # A unit's accounts read its non-public issues: only a superuser may attach accounts to units.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else [*readonly, "members"]


admin.site.unregister(Group)


@admin.register(Group)
class WorkflowGroupAdmin(GroupAdmin):
    """Django's group admin, refusing to delete a group that a waiting issue's chain still needs."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for group in objs:
            for issue in workflow.issues_waiting_on_group(group):
                protected.append(gettext("%(issue)s, under review at the step %(step)s, has a step done by %(group)s")
                                 % {"issue": issue, "step": issue.current_step["name"], "group": group.name})
        return deleted, counts, perms_needed, protected


@admin.register(RecipientGroup)
class RecipientGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]
    search_fields = ["name"]
    autocomplete_fields = ["members"]


class IssueLogInline(admin.TabularInline):
    model = IssueLog
    extra = 0
    fields = ["at", "actor_name", "action", "step", "from_status", "to_status", "comment"]
    readonly_fields = fields
    actor_name = actor_name
    can_delete = False
    verbose_name_plural = _("workflow log")

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ChangesOnlyHistory:
    """The admin's history gets an entry only when a save changed something."""

    def log_change(self, request, obj, message):
        if not message:
            return None
        return super().log_change(request, obj, message)


class WithoutMachinery:
    """Delete confirmations list what people made, not the search index rows that go with it."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        hidden = ArticleIndex._meta
        counts.pop(hidden.verbose_name_plural, None)
        return _without(deleted, str(capfirst(hidden.verbose_name))), counts, perms_needed, protected


def _without(nested, prefix):
    """The nested list of the confirmation page without the entries naming `prefix` objects."""
    kept = []
    for item in nested:
        if isinstance(item, list):
            kept.append(_without(item, prefix))
        elif not str(item).startswith(prefix):
            kept.append(item)
    return [item for item in kept if item != []]


class StaleEditCheck:
    """Optimistic locking: a form opened on version N is refused when someone saved version N+1 meanwhile.

    The form keeps what was typed; the message says who saved, when, links to their changes, and offers to
    replace exactly their version after confirming (REPLACE_REVISION). A kept copy restored in the browser
    posts the version it was typed on, so it goes through the same check (static/bulletin/drafting.js).
    """

    def issue_of(self, obj):
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        issue_of = self.issue_of

        class Form(form):
            def clean(self):
                cleaned = super().clean()
                issue = issue_of(self.instance) if self.instance.pk else None
                newer = stale_edit(issue, self.data.get(BASE_REVISION))
                if newer is not None and self.data.get(REPLACE_REVISION) != str(newer.number):
                    raise forms.ValidationError(stale_message(issue, newer, self.data.get(BASE_REVISION)),
                                                code="stale")
                return cleaned

        return Form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The version the form was opened on; after a refused save, still the one the user started from.
        issue = self.issue_of(obj) if obj is not None else None
        latest = latest_revision(issue) if issue is not None and issue.pk else None
        posted = request.POST.get(BASE_REVISION, "")
        context[BASE_REVISION] = posted if posted.isascii() and posted.isdigit() else (latest.number if latest else 0)
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Issue)
class IssueAdmin(WithoutMachinery, ChangesOnlyHistory, StaleEditCheck, DraftOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "number_display", "status", "step_display", "issue_date", "disclosure",
                    "created_by_name",
                    "submitted_by_name", "issued_by_name"]
    list_filter = [WaitingForMeFilter, "status", "series", "year", "disclosure"]
    list_select_related = ["series", "created_by", "submitted_by", "issued_by"]
    search_fields = ["series__name"]  # and the articles' full text: get_search_results
    date_hierarchy = "issue_date"
    form = IssueForm
    inlines = [ArticleInline, IssueLogInline]
    readonly_fields = ["status", "step_display", "number_display", "pdf_display", "created_by_name",
                       "submitted_by_name", "submitted_at", "issued_by_name", "issued_at", "addressees_display"]
    fieldsets = [
        (None, {"fields": ["series", "issue_date", "print_date", "print_run", "disclosure", "extra_recipients"]}),
        (_("Recipients (报 / 送 / 发)"), {
            "fields": list(ADDRESSEE_FIELDS.values()), "classes": ["addressees"],
            "description": _("Tick the units in the address book. Ticking a whole group prints the group's name "
                             "(e.g. 机关各处) in the end block and every unit in it receives the issue; to print the "
                             "units by name, tick them one by one. A unit is addressed once, in one role."),
        }),
        (_("Workflow"), {"fields": ["status", "step_display", "number_display", "pdf_display", "created_by_name",
                                    "submitted_by_name", "submitted_at", "issued_by_name", "issued_at"]}),
    ]
    change_form_template = "admin/articles/issue/change_form.html"
    actions = ["write_ofds"]

    def has_write_ofd_permission(self, request):
        return request.user.has_perm("articles.change_issue")

    @admin.action(permissions=["write_ofd"], description=_("Write the missing OFD of the selected issued issues"))
    def write_ofds(self, request, queryset):
        """The office's way to what `manage.py write_ofd` does: an OFD that issuing could not write, written now."""
        written, failed, had = [], [], []
        existing = set(IssueOfd.objects.filter(issue__in=queryset).exclude(ofd_sha256="")
                       .values_list("issue_id", flat=True))
        for issue in queryset.issued().select_related("series"):
            if issue.pk in existing:
                had.append(issue)  # written once, like the PDF: never again
                continue
            ofd = services.write_ofd(issue=issue)
            (failed if ofd.error else written).append((issue, ofd.error))
        if had:
            self.message_user(request, gettext("These already have their OFD: %(issues)s.") % {
                "issues": "、".join(str(issue) for issue in had)}, messages.INFO)
        if written:
            self.message_user(request, gettext("OFD written for: %(issues)s.") % {
                "issues": "、".join(str(issue) for issue, _error in written)}, messages.SUCCESS)
        for issue, error in failed:
            self.message_user(request, gettext("The OFD of %(issue)s could not be written: %(reason)s")
                              % {"issue": issue, "reason": error}, messages.ERROR)
        if not written and not failed and not had:
            self.message_user(request, gettext("Only an issued issue has an OFD."), messages.WARNING)

    def get_fieldsets(self, request, obj=None):
        if obj is None or self.has_change_permission(request, obj):
            return self.fieldsets
        # Read only (under review, issued): the lines as they print, not the checkboxes.
        recipients = (_("Recipients (报 / 送 / 发)"), {"fields": ["addressees_display"], "classes": ["addressees"]})
        return [self.fieldsets[0], recipients, *self.fieldsets[2:]]

    @admin.display(description=_("as printed"))
    def addressees_display(self, obj):
        lines = address_lines(obj)
        if not lines:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}：{}", lines)

    def get_queryset(self, request):
        # The changelist skips list_select_related once the queryset has any select_related of its own.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_search_results(self, request, queryset, search_term):
        """The search box: the series' name, or every word in an article (jieba-segmented full text)."""
        by_name, _duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return by_name, False
        _words, articles = article_search.search(search_term, issues=queryset)
        return queryset.filter(Q(pk__in=articles.values("issue_id")) | Q(pk__in=by_name.values("pk"))), False

    def view_on_site(self, obj):
        # Only issued issues have a portal page.
        return obj.get_absolute_url() if obj.is_issued else None


    @admin.display(description=_("step"))
    def step_display(self, obj):
        step = workflow.current_step(obj)
        if step is None:
            return "—"
        return gettext("%(step)s (%(n)s of %(total)s), by %(group)s") % {
            "step": step["name"], "n": obj.step + 1, "total": len(obj.chain), "group": step["group_name"]}

    @admin.display(description=_("number"))
    def number_display(self, obj):
        if obj.number is None:
            return gettext("assigned when issued")
        total = gettext("（总第%(total)s期）") % {"total": obj.total_number} if obj.series.show_total_number else ""
        return f"{obj.label}{total}"

    @admin.display(description=_("drafted by"), ordering="created_by__first_name")
    def created_by_name(self, obj):
        return person_name(obj.created_by)

    @admin.display(description=_("submitted by"), ordering="submitted_by__first_name")
    def submitted_by_name(self, obj):
        return person_name(obj.submitted_by)

    @admin.display(description=_("issued by"), ordering="issued_by__first_name")
    def issued_by_name(self, obj):
        return person_name(obj.issued_by)

    @admin.display(description=_("issued PDF"))
    def pdf_display(self, obj):
        if not obj.pdf_sha256:
            return "—"
        pdfa = ""
        if obj.pdf_pdfa_findings:
            pdfa = format_html(
                ' <a class="errornote pdfa-findings" href="{}">{}</a>',
                reverse("admin:articles_issue_layout_report", args=[obj.pk]),
                ngettext("The PDF/A check found %(n)s problem: see the layout report.",
                         "The PDF/A check found %(n)s problems: see the layout report.",
                         len(obj.pdf_pdfa_findings)) % {"n": len(obj.pdf_pdfa_findings)})
        # The checksum is for the administrator: behind 详情, not in the office's way.
        return format_html(
            '<a href="{}" target="_blank">{}</a> · {} · {}{} <details class="pdf-details"><summary>{}</summary>'
            'SHA-256 <code>{}</code></details>{}',
            reverse("distribution:issue_pdf", args=[obj.pk]), obj.pdf_filename,
            gettext("%(pages)s pages") % {"pages": obj.pdf_pages},
            gettext("%(kb)s KB") % {"kb": round(obj.pdf_size / 1024)}, pdfa, gettext("Details"), obj.pdf_sha256,
            self._ofd_display(obj),
        )

    def _ofd_display(self, obj):
        """The OFD beside the PDF: its link, or why it could not be written and how to write it later."""
        ofd = IssueOfd.objects.filter(issue_id=obj.pk).first()
        if ofd is not None and ofd.ofd_sha256:
            return format_html(' <p class="ofd"><a href="{}">{}</a> · {}</p>',
                               reverse("distribution:issue_ofd", args=[obj.pk]), ofd.file_name,
                               gettext("%(kb)s KB") % {"kb": round(ofd.ofd_size / 1024)})
        reason = ofd.error if ofd is not None else gettext("not written yet")
        return format_html(' <p class="errornote ofd-error">{}</p>', gettext(
            "The OFD could not be written: %(reason)s. To write it again, tick this issue in the list of issues "
            "and choose 「Write the missing OFD of the selected issued issues」.") % {"reason": reason})

    def has_delete_permission(self, request, obj=None):
        # Drafters delete their own drafts (superusers any draft); the log of a deleted draft is kept.
        if obj is not None:
            return workflow.allowed(workflow.Transition.DELETE, request.user, obj)
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.issue_delete(issue=obj, actor=request.user)

    def response_change(self, request, obj):
        if SUBMIT_AFTER_SAVE in request.POST:
            # 送审 from the edit form: what was typed has just been saved, now it is submitted.
            try:
                obj = services.issue_submit(issue=obj, actor=request.user, comment=proofread_note(obj))
            except services.WorkflowError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(request, gettext("Your changes were saved and the issue submitted: ")
                                  + _done_message(obj), messages.SUCCESS)
                self._transition_notices(request, obj)
            return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[obj.pk]))
        return super().response_change(request, obj)

    def _transition_notices(self, request, issue):
        """What other apps say after a transition went through (e.g. that the mail will be late)."""
        for _receiver, notice in issue_transition_notices.send(sender=Issue, issue=issue):
            if notice:
                self.message_user(request, notice, messages.WARNING)

    def save_model(self, request, obj, form, change):
        if change:
            obj.year = obj.issue_date.year
            super().save_model(request, obj, form, change)
        else:
            services.issue_create(actor=request.user, issue=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.addressees_changed:
            services.issue_address(issue=form.instance, addressees=form.addressees(), actor=request.user)
        if not change and services.issue_address_as_usual(issue=form.instance):
            self.message_user(request, gettext("The series' usual recipients were added; change them if this "
                                               "issue goes elsewhere."), messages.INFO)
        # One revision per save of the whole form, once the articles and recipients are saved too.
        revision_record(form.instance, actor=request.user)

    # --- workflow buttons -------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/submit/", wrap(self.transition_view(services.issue_submit)), name="articles_issue_submit"),
            path("<int:pk>/withdraw/", wrap(self.transition_view(services.issue_withdraw)),
                 name="articles_issue_withdraw"),
            path("<int:pk>/approve/", wrap(self.transition_view(services.issue_approve, at_step=True)),
                 name="articles_issue_approve"),
            path("<int:pk>/return/", wrap(self.transition_view(services.issue_return, at_step=True)),
                 name="articles_issue_return"),
            path("<int:pk>/preview.pdf", wrap(self.preview_view), name="articles_issue_preview"),
            path("<int:pk>/copy/", wrap(self.copy_view), name="articles_issue_copy"),
            *ReviewDesk(self).urls(),
            *DocxImport(self).urls(),
            *layout_report_admin.urls(self),
            *archive_admin.urls(self),
        ] + super().get_urls()

    def transition_view(self, service, *, at_step=False):
        """A workflow button: the service decides (through articles.workflow) and says why it refuses."""

        @require_POST
        def view(request, pk):
            issue = get_object_or_404(Issue, pk=pk)
            if not self.has_view_permission(request, issue):
                raise PermissionDenied
            kwargs = {"comment": request.POST.get("comment", "")}
            if service is services.issue_submit or (service is services.issue_approve
                                                    and workflow.is_last_step(issue)):
                kwargs["comment"] = proofread_note(issue, kwargs["comment"])  # 送审 and 签发 log the open count
            if at_step:
                # The step the user saw: a decision taken meanwhile by someone else is not overridden.
                step = request.POST.get("step", "")
                kwargs["step"] = int(step) if step.isascii() and step.isdigit() and len(step) < 4 else None
            try:
                issue = service(issue=issue, actor=request.user, **kwargs)
            except services.WorkflowError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(request, _done_message(issue), messages.SUCCESS)
                self._transition_notices(request, issue)
            # Back to the desk the decision was taken on, while there is still something to review there.
            if request.POST.get("back") == "desk" and issue.status == Issue.Status.REVIEW:
                return HttpResponseRedirect(reverse("admin:articles_issue_review", args=[pk]))
            return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[pk]))

        return view

    @method_decorator(require_POST)
    def copy_view(self, request, pk):
        """新建一期 like this one: same series, settings and recipients, dated today, no articles."""
        issue = get_object_or_404(Issue.objects.select_related("series"), pk=pk)
        if not (self.has_view_permission(request, issue) and self.has_add_permission(request)):
            raise PermissionDenied
        new = services.issue_copy(issue=issue, actor=request.user, issue_date=timezone.localdate())
        self.message_user(request, gettext("A new draft like %(issue)s: its series, settings and recipients are "
                                           "copied; add the articles.") % {"issue": issue}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[new.pk]))

    def preview_view(self, request, pk):
        from articles.printing.renderer import PdfRenderError, render_issue

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
            context.update({
                **workflow.actions_context(request.user, obj),
                "last_return": obj.log.filter(action="issue.return").last()
                if obj.status == Issue.Status.DRAFT else None,
                "revisions": obj.revisions.select_related("revision__user").order_by("-number")[:REVISIONS_SHOWN],
                "revision_count": obj.revisions.count(),
                "open_comments": obj.comments.filter(resolved_at__isnull=True).count(),
                **proofread_context(request.user, obj),
            })
        return super().render_change_form(request, context, add, change, form_url, obj)


def proofread_note(issue, comment=""):
    """The comment of a 送审 or 签发 with the count of open proofreading findings appended, when there are any."""
    from articles.proofreading.engine import open_count

    count = open_count(issue)
    if not count:
        return comment
    note = ngettext("Proofreading: %(count)s open finding", "Proofreading: %(count)s open findings", count) \
        % {"count": count}
    return f"{comment}（{note}）" if comment.strip() else note


def _done_message(issue):
    """What the user is told after a workflow button, from the issue's new state."""
    if issue.status == Issue.Status.ISSUED:
        return gettext("Issued (签发): %(issue)s.") % {"issue": issue}
    if issue.status == Issue.Status.REVIEW:
        step = workflow.current_step(issue)
        return gettext("The issue is now at the step %(step)s (%(group)s).") % {
            "step": step["name"], "group": step["group_name"]}
    return gettext("The issue is a draft again.")


class MeetingInline(DraftOnlyInlineMixin, admin.StackedInline):
    model = Meeting
    kind = Article.Kind.MEETING
    extra = 0
    max_num = 1


class AwardInline(MeetingInline):
    model = Award
    kind = Article.Kind.AWARD


@admin.register(Article)
class ArticleAdmin(WithoutMachinery, ChangesOnlyHistory, StaleEditCheck, DraftOnlyAdminMixin, admin.ModelAdmin):
    """One article with its meeting or award facts; each save is a revision of its issue."""

    form = ArticleForm
    list_display = ["__str__", "issue", "kind", "position"]
    list_filter = ["kind", "issue__status", "issue__series"]
    list_select_related = ["issue__series"]
    search_fields = ["title"]  # and the full text: get_search_results
    inlines = [MeetingInline, AwardInline]

    def get_search_results(self, request, queryset, search_term):
        """Every word in the article (jieba-segmented full text, articles.search), or the title as typed."""
        by_title, _duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return by_title, False
        _words, found = article_search.search(search_term, issues=Issue.objects.all())
        return queryset.filter(Q(pk__in=found.values("pk")) | Q(pk__in=by_title.values("pk"))), False
    formfield_overrides = TITLE_WIDGET
    fields = ["issue", "position", "kind", "column", "title", "subtitle", "body", "source"]

    def issue_of(self, obj):
        return obj.issue if obj is not None and obj.issue_id else None

    def get_inlines(self, request, obj):
        # A meeting report has meeting facts, an award notice award facts, a general article none.
        kind = obj.kind if obj is not None else None
        return [inline for inline in self.inlines if getattr(inline, "kind", None) == kind]

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
        if db_field.name == "column":
            kwargs["queryset"] = Column.objects.select_related("series")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- 在此段拆分 / 与上一篇合并 (articles.services.article_split, article_join) -------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("<int:pk>/split/", wrap(self.split_view), name="articles_article_split"),
                path("<int:pk>/join/", wrap(self.join_view), name="articles_article_join"), *super().get_urls()]

    def _on_posted_article(self, request, pk, act, done):
        """act(article) on the article posted on, unless the page was opened on an older version; the result's page."""
        article = get_object_or_404(Article.objects.select_related("issue__series"), pk=pk)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        newer = stale_edit(article.issue, request.POST.get(BASE_REVISION))
        if newer is not None:
            self.message_user(request, gettext("%(who)s saved this issue (version %(number)s) after you opened the "
                                               "page; nothing was split or joined. Look at the paragraphs again.")
                              % {"who": person_name(newer.revision.user), "number": newer.number}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[pk]))
        try:
            result = act(article)
        except services.WorkflowError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[pk]))
        self.message_user(request, done(article, result), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[result.pk]))

    @method_decorator(require_POST)
    def split_view(self, request, pk):
        index = request.POST.get("paragraph", "")
        index = int(index) if index.isascii() and index.isdigit() and len(index) < 6 else None
        return self._on_posted_article(
            request, pk, lambda article: services.article_split(article=article, paragraph_index=index,
                                                                actor=request.user),
            lambda article, new: gettext("%(title)s was split: the text from that paragraph on is now the article "
                                         "%(new)s, right after it.") % {"title": article, "new": new})

    @method_decorator(require_POST)
    def join_view(self, request, pk):
        return self._on_posted_article(
            request, pk, lambda article: services.article_join(article=article, actor=request.user),
            lambda article, previous: gettext("%(title)s was joined with the article before, %(previous)s.")
            % {"title": article, "previous": previous})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            context["paragraphs"] = [" ".join(block.text_content().split()) or gettext("(a picture or a table)")
                                     for block in services.body_blocks(obj.body)]
            context["has_previous_article"] = obj.issue.articles.filter(
                Q(position__lt=obj.position) | Q(position=obj.position, pk__lt=obj.pk)).exists()
        return super().render_change_form(request, context, add, change, form_url, obj)



@admin.register(IssueLog)
class IssueLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "issue", "actor_name", "action", "step", "from_status", "to_status", "comment"]
    actor_name = actor_name
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


class BoundVolumeForm(forms.ModelForm):
    class Meta:
        model = BoundVolume
        fields = ["series", "year"]

    def clean(self):
        cleaned = super().clean()
        series, year = cleaned.get("series"), cleaned.get("year")
        if series and year and not volume_issues(series, year).exists():
            raise forms.ValidationError(_("%(series)s has no issued issue in %(year)s.")
                                        % {"series": series.name, "year": year})
        return cleaned


@admin.register(BoundVolume)
class BoundVolumeAdmin(admin.ModelAdmin):
    """合订本: asked for here, bound on the task queue (articles/archive/volume.py), downloaded when done."""

    form = BoundVolumeForm
    list_display = ["__str__", "progress", "pages", "size_display", "requested_by", "requested_at", "download"]
    list_filter = ["series", "year", "status"]
    list_select_related = ["series", "requested_by"]
    readonly_fields = ["series", "year", "progress", "pages", "size_display", "pdf_sha256", "error",
                       "requested_by", "requested_at", "finished_at", "download"]
    change_list_template = "admin/articles/boundvolume/change_list.html"

    def get_fields(self, request, obj=None):
        return ["series", "year"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        volume = volume_request(series=obj.series, year=obj.year, actor=request.user)
        obj.pk, obj.requested_by = volume.pk, volume.requested_by

    def changelist_view(self, request, extra_context=None):
        busy = BoundVolume.objects.filter(status__in=[BoundVolume.Status.QUEUED, BoundVolume.Status.BUILDING])
        return super().changelist_view(request, {**(extra_context or {}), "refresh": busy.exists()})

    def get_urls(self):
        return [path("<int:pk>/download/", self.admin_site.admin_view(self.download_view),
                     name="articles_boundvolume_download"), *super().get_urls()]

    def download_view(self, request, pk):
        volume = get_object_or_404(BoundVolume.objects.select_related("series"), pk=pk)
        if not self.has_view_permission(request, volume):
            raise PermissionDenied
        if volume.status != BoundVolume.Status.DONE or not volume.pdf_file.name:
            raise Http404
        response = FileResponse(volume.pdf_file.open("rb"), as_attachment=True, filename=volume.file_name,
                                content_type="application/pdf")
        return response

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if obj.status == BoundVolume.Status.BUILDING:
            return gettext("building: %(done)s of %(total)s issues") % {"done": obj.issues_done,
                                                                         "total": obj.issues_total}
        if obj.status == BoundVolume.Status.FAILED:
            return format_html("{}：{}", obj.get_status_display(), obj.error)
        if obj.status == BoundVolume.Status.DONE:
            return gettext("done: %(total)s issues") % {"total": obj.issues_total}
        return obj.get_status_display()

    @admin.display(description=_("size"))
    def size_display(self, obj):
        return filesizeformat(obj.pdf_size) if obj.pdf_size else "—"

    @admin.display(description=_("PDF"))
    def download(self, obj):
        if obj.status != BoundVolume.Status.DONE:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:articles_boundvolume_download", args=[obj.pk]),
                           gettext("Download"))

