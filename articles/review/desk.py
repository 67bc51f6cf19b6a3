"""The review desk (核稿): an issue read as it will print, with tracked changes, corrections in place,
comments on articles, and its revisions compared and restored. Admin views, wired in by IssueAdmin."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import services, workflow
from articles.models import Article, ArticleComment, Issue, IssueRevision
from articles.proofreading import engine as proofreading
from articles.review.diff import compare
from articles.review.revisions import live_snapshot, revision_snapshot
from articles.selectors import address_lines


class CorrectionForm(forms.ModelForm):
    """A reviewer's correction of one article: its title and text."""

    class Meta:
        model = Article
        fields = ["title", "subtitle", "body"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2, "cols": 60})}


class CommentForm(forms.Form):
    text = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}))
    quote = forms.CharField(label=_("quoted passage"), required=False, widget=forms.HiddenInput)


CHANGES = {
    "previous": _("since the previous submission"),
    "round": _("corrections in this review"),
    "returned": _("what the reviewer changed before returning it"),
    "none": _("clean text"),
}


def _steps(issue):
    """The revisions at each submission and return, oldest first: ([submitted], [(submitted, returned)])."""
    submitted, returned = [], []
    for entry in issue.log.filter(action__in=["issue.submit", "issue.return"]).order_by("at", "pk"):
        if entry.revision_id is None:
            continue
        if entry.action == "issue.submit":
            submitted.append(entry.revision_id)
        elif submitted:
            returned.append((submitted[-1], entry.revision_id))
    return submitted, returned


def baselines(issue):
    """{mode: (from revision id, to revision id or None for the content now)} the review screen offers."""
    submitted, returned = _steps(issue)
    options = {}
    if issue.status == Issue.Status.REVIEW and submitted:
        if len(submitted) > 1:
            options["previous"] = (submitted[-2], None)
        options["round"] = (submitted[-1], None)
    if issue.status == Issue.Status.DRAFT and returned:
        options["returned"] = returned[-1]
    return options


class ReviewDesk:
    """The review screen, the comparison of revisions, restore, corrections and comments, for IssueAdmin."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def urls(self):
        wrap = self.model_admin.admin_site.admin_view
        return [
            path("<int:pk>/review/", wrap(self.review_view), name="articles_issue_review"),
            path("<int:pk>/history/compare/", wrap(self.compare_view), name="articles_issue_compare"),
            path("<int:pk>/history/<int:number>/restore/", wrap(self.restore_view), name="articles_issue_restore"),
            path("<int:pk>/comments/", wrap(self.comment_view), name="articles_issue_comment"),
            path("<int:pk>/comments/<int:comment_pk>/resolve/", wrap(self.resolve_view),
                 name="articles_issue_comment_resolve"),
            path("<int:pk>/proofread/", wrap(self.proofread_view), name="articles_issue_proofread"),
        ]

    def _issue(self, request, pk):
        issue = get_object_or_404(Issue.objects.select_related("series"), pk=pk)
        if not self.model_admin.has_view_permission(request, issue):
            raise PermissionDenied
        return issue

    def _context(self, request, issue, title):
        return {
            **self.model_admin.admin_site.each_context(request),
            "opts": Issue._meta, "original": issue, "issue": issue, "title": title,
        }

    # --- the review screen ---------------------------------------------------------------------------

    def review_view(self, request, pk):
        """The issue formatted as it will print, changes marked, with corrections and comments beside it."""
        issue = self._issue(request, pk)
        editing, form = None, None
        if request.method == "POST":
            editing = get_object_or_404(Article, pk=_number(request.POST.get("article")), issue=issue)
            form = CorrectionForm(request.POST, instance=Article.objects.get(pk=editing.pk))
            if form.is_valid():
                try:
                    services.article_correct(article=editing, actor=request.user, **{
                        name: form.cleaned_data[name] for name in ("title", "subtitle", "body")})
                except services.WorkflowError as exc:
                    for message in exc.messages:
                        messages.error(request, message)
                else:
                    messages.success(request, gettext("Your correction was saved as a new version."))
                    return HttpResponseRedirect(reverse("admin:articles_issue_review", args=[pk]) + f"#a{editing.pk}")
        elif request.GET.get("edit", "").isdigit() and workflow.allowed(workflow.Transition.CORRECT, request.user,
                                                                        issue):
            editing = issue.articles.filter(pk=request.GET["edit"]).first()
            form = CorrectionForm(instance=editing) if editing else None
        if editing is not None and not workflow.allowed(workflow.Transition.CORRECT, request.user, issue):
            raise PermissionDenied

        options = baselines(issue)
        mode = request.GET.get("changes")
        if mode not in options and mode != "none":
            mode = next(iter(options), "none")
        current = live_snapshot(issue)
        if mode in options:
            start, end = options[mode]
            revisions = {r.pk: r for r in IssueRevision.objects.filter(pk__in=[start, end])}
            old = revision_snapshot(revisions[start])
            if end is not None:
                current = revision_snapshot(revisions[end])
        else:
            old = current
        diff = compare(old, current)
        comments = {}
        for comment in issue.comments.select_related("author", "resolved_by"):
            comments.setdefault(comment.article_id, []).append(comment)
        can_comment = workflow.allowed(workflow.Transition.COMMENT, request.user, issue)
        context = {
            **self._context(request, issue, gettext("Review: %(issue)s") % {"issue": issue}),
            "diff": diff,
            "rows": [(article, comments.get(article.id, [])) for article in diff.articles],
            "desk": True,
            "mode": mode,
            "modes": [(key, CHANGES[key]) for key in [*options, "none"]],
            "orphan_comments": comments.get(None, []),
            **workflow.actions_context(request.user, issue),
            "decisions": issue.log.exclude(comment="").select_related("actor").order_by("at", "pk"),
            "can_correct": workflow.allowed(workflow.Transition.CORRECT, request.user, issue),
            "can_comment": can_comment,
            "comment_form": CommentForm() if can_comment else None,
            "editing": editing,
            "form": form,
            "media": form.media if form else forms.Media(),
            "address_lines": address_lines(issue),
            **proofread_context(request.user, issue),
        }
        return TemplateResponse(request, "admin/articles/issue/review.html", context)

    # --- comments --------------------------------------------------------------------------------------

    @staticmethod
    def _back(pk, anchor=""):
        return HttpResponseRedirect(reverse("admin:articles_issue_review", args=[pk]) + anchor)

    def comment_view(self, request, pk):
        if request.method != "POST":
            return self._back(pk)
        issue = self._issue(request, pk)
        article = get_object_or_404(Article, pk=_number(request.POST.get("article")), issue=issue)
        form = CommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("The comment is empty."))
            return self._back(pk, f"#a{article.pk}")
        try:
            services.comment_add(article=article, actor=request.user, text=form.cleaned_data["text"],
                                 quote=form.cleaned_data["quote"])
        except services.WorkflowError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return self._back(pk, f"#a{article.pk}")

    def resolve_view(self, request, pk, comment_pk):
        if request.method != "POST":
            return self._back(pk)
        issue = self._issue(request, pk)
        comment = get_object_or_404(ArticleComment, pk=comment_pk, issue=issue)
        try:
            services.comment_resolve(comment=comment, actor=request.user)
        except services.WorkflowError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return self._back(pk, f"#a{comment.article_id}" if comment.article_id else "")

    # --- proofreading: 采纳 / 忽略 -------------------------------------------------------------------------

    def proofread_view(self, request, pk):
        """采纳 (apply the suggestion as a tracked change) or 忽略 (keep the text) one proofreading finding."""
        back = request.POST.get("back")
        done = (reverse("admin:articles_issue_review", args=[pk]) if back == "desk"
                else reverse("admin:articles_issue_change", args=[pk])) + "#proofread"
        if request.method != "POST":
            return HttpResponseRedirect(done)
        issue = self._issue(request, pk)
        article = get_object_or_404(Article, pk=_number(request.POST.get("article")), issue=issue)
        key, action = request.POST.get("key", "")[:32], request.POST.get("action")
        service = {"accept": services.finding_accept, "ignore": services.finding_ignore}.get(action)
        if service is None:
            return HttpResponseRedirect(done)
        try:
            service(article=article, key=key, actor=request.user)
        except services.WorkflowError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, gettext("The suggestion was applied and saved as a new version.")
                             if action == "accept" else gettext("The finding is ignored for this issue."))
        return HttpResponseRedirect(done)

    # --- history: compare and restore ----------------------------------------------------------------

    def compare_view(self, request, pk):
        """Two revisions side by side as tracked changes (by default the latest against the one before)."""
        issue = self._issue(request, pk)
        revisions = list(issue.revisions.select_related("revision__user").order_by("-number"))
        if not revisions:
            raise Http404
        by_number = {r.number: r for r in revisions}
        b = by_number.get(_number(request.GET.get("b"))) or revisions[0]
        a = by_number.get(_number(request.GET.get("a"))) or by_number.get(b.number - 1) or b
        diff = compare(revision_snapshot(a), revision_snapshot(b))
        context = {
            **self._context(request, issue, gettext("Changes in %(issue)s") % {"issue": issue}),
            "revisions": revisions,
            "a": a,
            "b": b,
            "diff": diff,
            "rows": [(article, []) for article in diff.articles],
            "can_restore": workflow.allowed(workflow.Transition.RESTORE, request.user, issue),
        }
        return TemplateResponse(request, "admin/articles/issue/compare.html", context)

    def restore_view(self, request, pk, number):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_issue_compare", args=[pk]))
        issue = self._issue(request, pk)
        old = get_object_or_404(IssueRevision, issue=issue, number=number)
        try:
            restored = services.issue_restore(issue=issue, issue_revision=old, actor=request.user)
        except services.WorkflowError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, gettext("Version %(old)s was restored as version %(new)s.")
                             % {"old": old.number, "new": restored.number})
        return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[pk]))


def proofread_context(user, issue):
    """The open proofreading findings of a draft or an issue under review, per article, for its pages."""
    if issue.status not in (Issue.Status.DRAFT, Issue.Status.REVIEW):
        return {"proofread": [], "proofread_open": 0}
    findings = proofreading.proofread_issue(issue)
    can = workflow.allowed(workflow.Transition.CORRECT, user, issue) if issue.status == Issue.Status.REVIEW \
        else user.has_perm("articles.change_issue")
    return {"proofread": proofreading.by_article(findings), "proofread_open": len(findings), "can_proofread": can}


def _number(value):
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 10 else None
