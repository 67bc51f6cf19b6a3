"""The portal: the archive, a unit's issues, issue pages, PDFs, 签收 and the unit's 稿件 (信息报送).

Who may see what is decided in distribution.selectors only. An issue the user
may not see answers exactly like one that does not exist (404, or the login
page for anonymous visitors), so ids cannot be probed.
"""

import functools
import hashlib
import logging
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_POST, require_safe

from articles import search as article_search
from articles.models import Article, IssueOfd, Recipient
from articles.printing.integrity import PdfProblem, pdf_problem
from articles.printing.ofd import ofd_problem
from articles.selectors import address_lines
from bulletin_cms.middleware import bad_request_page
from distribution import selectors, services
from distribution.forms import (
    ArchiveFilterForm,
    PortalAuthenticationForm,
    RateLimitedPasswordResetForm,
    SearchForm,
    SubmissionForm,
)
from distribution.models import Submission
from distribution.services import submission_body_is_plain, submission_text

ARCHIVE_PAGE_SIZE = 20
SEARCH_PAGE_SIZE = 20

logger = logging.getLogger(__name__)


FRAGMENT_TTL = 24 * 3600


def _cached_html(key, render):
    """The HTML under `key` in the cache, rendering it on a miss; stored only if render says it may be."""
    key = "portal:" + hashlib.sha256(key.encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html, cacheable = render()
        if cacheable:
            cache.set(key, html, FRAGMENT_TTL)
    return mark_safe(html)  # our own template's autoescaped output


@require_safe
def home(request):
    """Issues for the user's unit (unread marked) and the archive by series and year, with search."""
    filters = ArchiveFilterForm(request.GET)
    if not filters.is_valid():
        return bad_request_page(request, _("The archive's filters in the address are not valid."))
    series_id, year, query, page_number = (filters.cleaned_data[f] for f in ("series", "year", "q", "page"))
    if query:
        # Words are searched article by article, ranked and quoted: the search page (older links land there too).
        params = QueryDict(mutable=True)
        params.update({k: v for k, v in (("q", query), ("series", series_id), ("year", year)) if v})
        return redirect(f"{reverse('distribution:search')}?{params.urlencode()}")
    filtered = bool(series_id or year)

    def render_archive():
        issues = selectors.archive(request.user, series=series_id, year=year, query=query)
        try:
            page = Paginator(issues, ARCHIVE_PAGE_SIZE).page(page_number)
        except EmptyPage:
            if page_number > 1:
                raise Http404 from None
            page = Paginator(issues, ARCHIVE_PAGE_SIZE, allow_empty_first_page=True).page(1)
        series, years = selectors.archive_facets(request.user)
        params = QueryDict(mutable=True)
        params.update({k: v for k, v in (("series", series_id), ("year", year), ("q", query)) if v})
        html = render_to_string("distribution/_archive.html", {
            "page": page, "params": params,
            "series_choices": series, "year_choices": years, "series_id": series_id, "year": year,
            "query": query, "filtered": filtered,
        }, request=request)
        # Only what validated parameters name and something matched is kept: junk query strings, ids that
        # match nothing and free-text searches would each leave an entry behind.
        return html, bool(page.object_list) and not query

    # Everyone with the same units sees the same archive, until the next issue is issued.
    key = "|".join(map(str, ["archive", selectors.archive_scope(request.user), selectors.issued_version(),
                             get_language(), series_id, year, query, page_number]))
    archive = _cached_html(key, render_archive)
    return render(request, "distribution/home.html", {
        "unit_issues": [] if filtered else selectors.issues_for_units_of(request.user),
        "archive": archive,
    })


@require_safe
def search(request):
    """Full-text search over the articles the user may read: title matches first, then newer; quoted and marked."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return bad_request_page(request, _("The search's filters in the address are not valid."))
    query, series_id, year, kind, page_number = (form.cleaned_data[f] for f in ("q", "series", "year", "kind", "page"))
    words, articles = article_search.search(
        query, issues=selectors.issues_visible_to(request.user), series=series_id, year=year, kind=kind)
    try:
        page = Paginator(articles, SEARCH_PAGE_SIZE, allow_empty_first_page=True).page(page_number)
    except EmptyPage:
        raise Http404 from None
    series, years = selectors.archive_facets(request.user)
    params = QueryDict(mutable=True)
    params.update({k: v for k, v in (("q", query), ("series", series_id), ("year", year), ("kind", kind)) if v})
    return render(request, "distribution/search.html", {
        "query": query, "words": words, "page": page, "hits": article_search.hits(page.object_list, words),
        "params": params, "series_choices": series, "year_choices": years, "kind_choices": Article.Kind.choices,
        "series_id": series_id, "year": year, "kind": kind,
    })


def _issue_for(request, pk):
    """The visible issue and the user's [(unit, receipt)], looked up once per request (ETag and view share it)."""
    memo = request.__dict__.setdefault("_portal_issues", {})
    if pk not in memo:
        # An issued issue never changes, so the object itself is cached (a miss too, so an invisible issue and
        # a missing id answer alike); who may read it is checked each time.
        issue = selectors.issued_issue_cached(pk)
        # A missing id is checked against a stand-in that nobody may read, with the same queries as a real one.
        visible, units = selectors.reader_access(request.user, issue or selectors.NOBODYS_ISSUE)
        visible = visible and issue is not None
        memo[pk] = (issue, units) if visible else (None, [])
    return memo[pk]


def _page_etag(request, pk):
    issue, units = _issue_for(request, pk)
    if issue is None:
        return None
    # The issue never changes once issued; what varies is who looks, their 签收 state,
    # the language and the CSRF secret baked into the page's forms.
    acknowledged = ",".join(f"{unit.pk}:{receipt.acknowledged_at}" for unit, receipt in units)
    state = "|".join(map(str, [
        issue.pk, issue.pdf_sha256, request.user.pk, acknowledged,
        getattr(request, "LANGUAGE_CODE", ""), request.META.get("CSRF_COOKIE", ""),
    ]))
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def _page_last_modified(request, pk):
    # Only anonymous pages are the same for everyone; signed-in users revalidate by ETag alone.
    issue, _units = _issue_for(request, pk)
    return issue.issued_at if issue is not None and not request.user.is_authenticated else None


def _pdf_for(request, pk):
    """The visible issue, the user's units and what is wrong with its stored file (None: nothing), once per request."""
    memo = request.__dict__.setdefault("_portal_pdfs", {})
    if pk not in memo:
        issue, units = _issue_for(request, pk)
        memo[pk] = (issue, units, pdf_problem(issue) if issue is not None else None)
    return memo[pk]


def _pdf_etag(request, pk):
    # A file that fails its check has no validators: no 304 for it, and the error page is never stored under them.
    issue, _units, problem = _pdf_for(request, pk)
    return issue.pdf_sha256 if issue is not None and problem is None else None


def _pdf_last_modified(request, pk):
    issue, _units, problem = _pdf_for(request, pk)
    return issue.issued_at if issue is not None and problem is None else None


def _not_visible(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404


def _record(request, issue, units, event):
    """Record a first view or download for the user's units, unless done already (no query then)."""
    field = services.RECEIPT_EVENTS[event]
    missing = any(getattr(receipt, f"{field}_at") is None for _unit, receipt in units)
    if missing and request.method == "GET":
        services.receipt_record(issue=issue, actor=request.user, event=event, units=[unit for unit, _r in units])


@require_safe
@condition(etag_func=_page_etag, last_modified_func=_page_last_modified)
def issue_detail(request, pk):
    """The issue as a web page, with the same text as its PDF."""
    issue, units = _issue_for(request, pk)
    if issue is None:
        return _not_visible(request)
    _record(request, issue, units, "view")
    document = _cached_html(f"document|{issue.pk}|{issue.pdf_sha256}|{get_language()}", lambda: (render_to_string(
        "distribution/_document.html", {
            "issue": issue,
            "articles": issue.articles.order_by("position", "pk"),
            "address_lines": address_lines(issue),
        }), True))
    response = render(request, "distribution/issue.html", {
        "issue": issue,
        "document": document,
        "unit_receipts": units,
        "to_acknowledge": [unit for unit, receipt in units if receipt.acknowledged_at is None],
    })
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _pdf_response(issue, *, as_attachment):
    prefix = settings.PRIVATE_MEDIA_ACCEL_PREFIX
    if prefix:
        # nginx serves the file from an internal location; Django only decided who may have it.
        response = HttpResponse(content_type="application/pdf")
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(issue.pdf_file.name)
        response["Content-Disposition"] = content_disposition_header(as_attachment, issue.pdf_filename)
        return response
    return FileResponse(
        issue.pdf_file.open("rb"), as_attachment=as_attachment, filename=issue.pdf_filename,
        content_type="application/pdf",
    )


STAFF_PDF_MESSAGES = {
    PdfProblem.MISSING: gettext_lazy(
        "The stored PDF of this issue (%(file)s) is missing, so it is no longer served. Restore the file from a "
        "backup (its SHA-256 must be %(sha256)s), then run verify_pdfs to check the other issues."),
    PdfProblem.MISMATCH: gettext_lazy(
        "The stored PDF of this issue (%(file)s) failed its checksum check, so it is no longer served. Restore the "
        "issued file from a backup (its SHA-256 must be %(sha256)s), then run verify_pdfs to check the other issues."),
}


def _pdf_unavailable(request, issue, problem):
    """The reader's page for a PDF that is missing or not the issued file (never the file itself)."""
    logger.error("Refused to serve the stored PDF of %s (id %s, %s): %s", issue, issue.pk, issue.pdf_file.name,
                 problem.value, extra={"request": request})
    staff_message = STAFF_PDF_MESSAGES[problem] % {"file": issue.pdf_file.name, "sha256": issue.pdf_sha256}
    # 503: the issue exists and the reader may have it, but the file cannot be served until staff restore it.
    response = render(request, "distribution/pdf_unavailable.html", {
        "issue": issue, "staff_message": staff_message if request.user.is_staff else "",
    }, status=503)
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
@condition(etag_func=_pdf_etag, last_modified_func=_pdf_last_modified)
def issue_pdf(request, pk):
    """The issued PDF, inline or (?download=1) as an attachment with its Chinese file name, once it checks out."""
    issue, units, problem = _pdf_for(request, pk)
    if issue is None:
        return _not_visible(request)
    if problem:
        return _pdf_unavailable(request, issue, problem)
    download = request.GET.get("download") == "1"
    _record(request, issue, units, "download" if download else "view")
    response = _pdf_response(issue, as_attachment=download)
    patch_cache_control(response, private=True, no_cache=True)
    return response


STAFF_OFD_MESSAGES = {
    PdfProblem.MISSING: gettext_lazy(
        "This issue has no stored OFD (%(file)s). %(reason)sTo write it, tick this issue in the admin's list of "
        "issues and choose 「Write the missing OFD of the selected issued issues」."),
    PdfProblem.MISMATCH: gettext_lazy(
        "The stored OFD of this issue (%(file)s) failed its checksum check, so it is no longer served. Restore it "
        "from a backup (its SHA-256 must be %(sha256)s)."),
}


@require_safe
def issue_ofd(request, pk):
    """The issue's OFD as an attachment, for whoever may read the issue, once it checks out like the PDF."""
    issue, units = _issue_for(request, pk)
    if issue is None:
        return _not_visible(request)
    ofd = IssueOfd.objects.filter(issue_id=issue.pk).first()
    problem = ofd_problem(ofd)
    if problem:
        logger.error("Refused to serve the OFD of %s (id %s): %s", issue, issue.pk, problem.value,
                     extra={"request": request})
        reason = _("Writing it failed: %(error)s. ") % {"error": ofd.error} if ofd is not None and ofd.error else ""
        staff_message = STAFF_OFD_MESSAGES[problem] % {
            "file": ofd.ofd_file.name if ofd is not None and ofd.ofd_file.name else "—", "reason": reason,
            "id": issue.pk, "sha256": ofd.ofd_sha256 if ofd is not None else ""}
        response = render(request, "distribution/ofd_unavailable.html", {
            "issue": issue, "staff_message": staff_message if request.user.is_staff else "",
        }, status=503)
        patch_cache_control(response, private=True, no_store=True)
        return response
    _record(request, issue, units, "download")
    response = FileResponse(ofd.ofd_file.open("rb"), as_attachment=True, filename=ofd.file_name,
                            content_type="application/ofd")
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_POST
def issue_acknowledge(request, pk):
    """签收: the user's units that the issue is addressed to confirm they have received it."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("distribution:issue", args=[pk]))
    issue, units = _issue_for(request, pk)
    if issue is None:
        raise Http404
    if not units:
        raise PermissionDenied(_("This issue is not addressed to your unit."))
    if services.receipt_record(issue=issue, actor=request.user, event="acknowledge", units=[u for u, _r in units]):
        messages.success(request, _("Receipt acknowledged."))
    else:
        messages.info(request, _("Your unit had already acknowledged this issue."))
    return redirect(issue)


login = auth_views.LoginView.as_view(form_class=PortalAuthenticationForm, redirect_authenticated_user=True)
logout = auth_views.LogoutView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    """Password reset, limited per client address and per account, with links built from SITE_URL."""

    form_class = RateLimitedPasswordResetForm
    success_url = reverse_lazy("distribution:password_reset_done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        # The link must not come from the Host header, which the client chooses (a poisoned reset link).
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("distribution:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()


# --- 信息报送: a unit's 稿件 ------------------------------------------------------------------------------------


def _own_submission(request, pk):
    """The user's unit's submission `pk`; anyone else's, or none, answers 404 (anonymous: the login page)."""
    submission = selectors.submission_of(request.user, pk)
    if submission is None:
        raise Http404
    return submission


def _unit_account(view):
    """Only signed-in accounts reach the view; anonymous visitors are sent to the login page."""
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)
    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return wrapped


@require_safe
@_unit_account
def submission_list(request):
    """The submissions of the user's units and their state."""
    submissions = list(selectors.submissions_of(request.user))
    for submission in submissions:
        submission.adopted_in = selectors.adopted_in(submission)
    return render(request, "distribution/submissions.html", {
        "submissions": submissions, "may_submit": bool(selectors.unit_ids(request.user)),
    })


def _submission_saved(request, form, save):
    """Run `save` (a service) with the form's data; its refusal is shown on the form and nothing is kept (the typed
    fields stay in the form; files are chosen again). What was left out of a document is said as a warning."""
    data = form.cleaned_data
    try:
        submission = save(title=data["title"], text=data["text"], document=data.get("document_content"),
                          pictures=data["pictures"], contact_name=data["contact_name"],
                          contact_phone=data["contact_phone"], column=data["column"])
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        _files_not_kept(request, form)
        return None
    for note in submission.notes:
        messages.warning(request, note)
    return submission


def _files_not_kept(request, form):
    """A browser cannot fill a file input again: say so when a refused form had files."""
    if request.FILES:
        form.add_error(None, _("The files were not kept: choose them again once the problem is put right."))


@_unit_account
def submission_new(request):
    """A unit's account submits a 稿件 for one of its units."""
    units = Recipient.objects.filter(pk__in=selectors.unit_ids(request.user))
    if not units:
        raise Http404
    form = SubmissionForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        submission = _submission_saved(request, form, functools.partial(
            services.submission_create, actor=request.user, unit=form.cleaned_data["unit"]))
        if submission is not None:
            messages.success(request, _("Your submission has been sent."))
            return redirect(submission)
    elif request.method == "POST":
        _files_not_kept(request, form)
    return render(request, "distribution/submissions_form.html", {"form": form})


@require_safe
@_unit_account
def submission_detail(request, pk):
    """One of the unit's submissions: its text, state, the reason given, and where it was adopted."""
    submission = _own_submission(request, pk)
    return render(request, "distribution/submissions_detail.html", {
        "submission": submission, "adopted_in": selectors.adopted_in(submission),
        "log": submission.log.order_by("at", "pk"),
    })


@_unit_account
def submission_resubmit(request, pk):
    """The unit changes a submission returned to it and sends it again."""
    submission = _own_submission(request, pk)
    if submission.status != Submission.Status.RETURNED:
        messages.info(request, _("Only a submission returned for changes can be submitted again."))
        return redirect(submission)
    # A text with pictures or a document's layout would lose them as plain text: it is kept unless replaced.
    plain = submission_body_is_plain(submission.body)
    initial = {"title": submission.title, "text": submission_text(submission.body) if plain else "",
               "column": submission.column, "contact_name": submission.contact_name,
               "contact_phone": submission.contact_phone}
    form = SubmissionForm(request.POST or None, request.FILES or None, initial=initial, keeps=not plain)
    if request.method == "POST" and form.is_valid():
        saved = _submission_saved(request, form, functools.partial(
            services.submission_resubmit, submission=submission, actor=request.user,
            keep_body=form.cleaned_data.get("keep_body", False)))
        if saved is not None:
            messages.success(request, _("Your submission has been sent again."))
            return redirect(saved)
    elif request.method == "POST":
        _files_not_kept(request, form)
    return render(request, "distribution/submissions_form.html", {"form": form, "submission": submission})
