"""Bulletins: series, issues, their articles and the facts behind them."""

import contextvars
import re
import types
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_ckeditor_5.fields import CKEditor5Field

from articles.content.limits import check_body
from articles.content.sanitize import sanitize_html
from articles.content.wordpaste import check_images
from articles.content.wordpaste import normalize as normalize_word
from articles.freeze import (  # noqa: F401 - ISSUED_IS_FINAL and IssuedIssueError are part of this module's API
    ISSUED_IS_FINAL,
    ContentOfIssueMixin,
    GuardedQuerySet,
    IssuedIssueError,
    IssueGuardedQuerySet,
)

# Characters that must never reach a mail header, a file name or a zip entry: C0/C1 controls, DEL, and the
# Unicode line and paragraph separators (a CR/LF in a subject is a BadHeaderError and the mail is lost).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def no_control_characters(value):
    """Refuse a name holding a line break, tab or other control character (it reaches mail headers and files)."""
    if CONTROL_CHARACTERS.search(value or ""):
        raise ValidationError(_("A name cannot contain line breaks, tabs or other control characters."),
                              code="control_characters")


def file_name_component(text):
    """`text` made safe as one file or zip entry name: no folder separators, controls or leading dots."""
    text = CONTROL_CHARACTERS.sub("", text).replace("/", "_").replace("\\", "_").strip()
    return text.lstrip(".") or "_"


def private_storage():
    return storages["private"]


def issued_pdf_path(issue, filename):
    return f"issues/{issue.series_id}/{issue.year}/{filename}"


# What an issue prints of its series; frozen on the issue when it is issued (Issue.series_as_issued).
SERIES_PRINTED_FIELDS = [
    "name", "compiling_office", "issuing_office", "top_left_mark", "show_total_number", "masthead_color",
    "masthead_size_pt", "masthead_letter_spacing_em", "masthead_rule_pt", "end_block_on_even_page",
    "mirror_margins", "print_run_below_rule",
]

class Series(models.Model):
    """A bulletin series (e.g. 地方志工作信息) with its masthead and print settings."""

    name = models.CharField(_("masthead name"), max_length=60, unique=True, validators=[no_control_characters])
    compiling_office = models.CharField(_("compiling office"), max_length=100, validators=[no_control_characters])
    issuing_office = models.CharField(
        _("issuing office"), max_length=100, help_text=_("Printed on the 印发 line of the end block."),
        validators=[no_control_characters],
    )
    is_supplement = models.BooleanField(
        _("supplement (增刊)"), default=False, help_text=_("Supplements are numbered apart from the main series.")
    )
    masthead_color = models.CharField(_("masthead colour"), max_length=7, default="#E60012")
    masthead_size_pt = models.PositiveSmallIntegerField(_("masthead size (pt)"), default=36)
    masthead_letter_spacing_em = models.DecimalField(
        _("masthead letter spacing (em)"), max_digits=3, decimal_places=2, default="0.15"
    )
    masthead_rule_pt = models.DecimalField(_("masthead rule thickness (pt)"), max_digits=3, decimal_places=1, default=1)
    top_left_mark = models.CharField(
        _("top-left mark"), max_length=20, blank=True, help_text=_("For example 内部资料 or a secrecy level.")
    )
    show_total_number = models.BooleanField(_("show running total (总第M期)"), default=True)
    total_number_offset = models.PositiveIntegerField(
        _("issues before this system"),
        default=0,
        help_text=_("The running total of the last issue published before this system was used."),
    )
    end_block_on_even_page = models.BooleanField(_("end block on an even page"), default=True)
    mirror_margins = models.BooleanField(
        _("mirror margins on even pages"), default=False, help_text=_("Binding margin on the right of even pages.")
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind after (days)"), default=3,
        help_text=_("Units that have not acknowledged an issue this many days after it was issued get a reminder "
                    "(催签); 0: never."),
    )
    print_run_below_rule = models.BooleanField(_("print run below the last rule"), default=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(masthead_color__regex=r"^#[0-9A-Fa-f]{6}$"), name="series_masthead_color_hex"
            ),
        ]

    def __str__(self):
        return self.name

    def printed_fields(self):
        """What an issue prints of this series, as plain JSON values."""
        return {name: _json_value(getattr(self, name)) for name in SERIES_PRINTED_FIELDS}


def _json_value(value):
    return str(value) if isinstance(value, Decimal) else value


class ReviewStep(models.Model):
    """One step of a series' approval chain (e.g. 核稿 by 综合处处长, then 签发 by 领导), done by its group."""

    series = models.ForeignKey(Series, models.CASCADE, related_name="review_steps", verbose_name=_("series"))
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("step"), max_length=20, help_text=_("e.g. 核稿 or 签发; the last step issues."))
    group = models.ForeignKey("auth.Group", models.PROTECT, related_name="+", verbose_name=_("done by"))

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("approval chain (review steps in order)")
        ordering = ["series", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "position"], name="review_step_position_unique_per_series"),
        ]

    def __str__(self):
        return f"{self.position}. {self.name}（{self.group}）"


class PrintedSeries(types.SimpleNamespace):
    """A series as an issue printed it: the same attributes as Series for the printed fields."""

    def __str__(self):
        return self.name


class IssueQuerySet(IssueGuardedQuerySet):
    def issued(self):
        return self.filter(status=Issue.Status.ISSUED)


class Issue(ContentOfIssueMixin, models.Model):
    """One issue of a series; numbered and frozen when it is issued (articles.freeze)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        REVIEW = "review", _("under review")
        ISSUED = "issued", _("issued")

    class Disclosure(models.TextChoices):
        PUBLIC = "public", _("主动公开")
        ON_REQUEST = "on_request", _("依申请公开")
        NOT_PUBLIC = "not_public", _("不予公开")

    series = models.ForeignKey(Series, models.PROTECT, related_name="issues", verbose_name=_("series"))
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number in the year"), null=True, blank=True, editable=False)
    total_number = models.PositiveIntegerField(_("running total"), null=True, blank=True, editable=False)
    issue_date = models.DateField(_("issue date"))
    print_date = models.DateField(_("print date (印发日期)"))
    print_run = models.PositiveIntegerField(_("print run (共印N份)"), default=10)
    disclosure = models.CharField(
        _("disclosure option"), max_length=12, choices=Disclosure.choices, default=Disclosure.PUBLIC
    )
    extra_recipients = models.CharField(
        _("one-off recipients (本期增发)"), max_length=200, blank=True,
        help_text=_("Printed as a separate 本期增发 line in the end block."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("drafted by"), editable=False
    )
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("submitted by"), editable=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    # Under review: the chain of steps it was submitted on (kept, so a later change to the series' chain
    # never strands it), the index of the step it is at, and that step's group (to find what waits for whom).
    chain = models.JSONField(_("approval chain"), default=list, blank=True, editable=False)
    step = models.PositiveSmallIntegerField(_("step"), null=True, blank=True, editable=False)
    step_group = models.ForeignKey(
        "auth.Group", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("waiting for"),
        editable=False,
    )
    step_since = models.DateTimeField(_("at this step since"), null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("issued by (签发)"), editable=False,
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    pdf_file = models.FileField(
        _("issued PDF"), storage=private_storage, upload_to=issued_pdf_path, blank=True, editable=False
    )
    pdf_size = models.PositiveIntegerField(_("PDF size (bytes)"), null=True, blank=True, editable=False)
    pdf_pages = models.PositiveSmallIntegerField(_("PDF pages"), null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True, editable=False)
    pdf_pdfa_findings = models.JSONField(
        _("PDF/A findings"), default=list, blank=True, editable=False,
        help_text=_("What the two PDF/A validators found in the issued PDF when it was issued (empty: valid)."),
    )
    address_lines = models.JSONField(
        _("报 / 送 / 发 lines as issued"), default=list, blank=True, editable=False,
        help_text=_("Frozen at issuing, so the web page keeps matching the PDF when units are renamed."),
    )
    series_as_issued = models.JSONField(
        _("series as issued"), default=dict, blank=True, editable=False,
        help_text=_("The masthead and offices frozen at issuing, so the web page keeps matching the PDF."),
    )

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-year", "-number", "-issue_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "review", "issued"]), name="issue_status_valid"
            ),
            models.UniqueConstraint(
                fields=["series", "year", "number"], name="issue_number_unique_per_series_year"
            ),
            models.UniqueConstraint(fields=["series", "total_number"], name="issue_total_unique_per_series"),
            # Numbers, approval and the stored PDF exist exactly when the issue is issued.
            models.CheckConstraint(
                condition=(
                    Q(status="issued", number__isnull=False, total_number__isnull=False, issued_by__isnull=False,
                      issued_at__isnull=False, pdf_pages__isnull=False)
                    & ~Q(pdf_sha256="") & ~Q(pdf_file="")
                )
                | (~Q(status="issued") & Q(number__isnull=True, total_number__isnull=True)),
                name="issue_numbered_iff_issued",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_by__isnull=False, submitted_at__isnull=False),
                name="issue_submitted_unless_draft",
            ),
            models.CheckConstraint(
                condition=Q(status="review", step__isnull=False, step_group__isnull=False)
                | (~Q(status="review") & Q(step__isnull=True, step_group__isnull=True)),
                name="issue_at_a_step_iff_under_review",
            ),
        ]
        # Acting at a review step is for the members of the step's group (ReviewStep), not a permission.
        permissions = [("submit_issue", _("Can submit an issue for review"))]

    def __str__(self):
        return f"{self.printed_series.name} {self.label}"

    def get_absolute_url(self):
        return reverse("distribution:issue", args=[self.pk])

    def _issue_for_guard_id(self):
        return self.pk

    @property
    def is_issued(self):
        return self.status == self.Status.ISSUED

    @property
    def current_step(self):
        """Under review, the step it is at: {"name", "group", "group_name"}; else None."""
        if self.status != self.Status.REVIEW or self.step is None:
            return None
        return self.chain[self.step]

    @property
    def is_public(self):
        return self.disclosure == self.Disclosure.PUBLIC

    @property
    def label(self):
        """第N期 (with the year), or a placeholder before numbering."""
        if self.number is None:
            return _("%(year)s年第__期") % {"year": self.year}
        return _("%(year)s年第%(number)s期") % {"year": self.year, "number": self.number}

    @property
    def printed_series(self):
        """The series as this issue prints it: frozen at issuing, the live series before."""
        if self.series_as_issued:
            return PrintedSeries(**self.series_as_issued)
        return self.series

    @property
    def pdf_filename(self):
        return file_name_component(f"{self.printed_series.name}{self.label}.pdf")


def stored_body(html):
    """The body as it is stored: within the limits (ValidationError otherwise), then through the allow-list."""
    if html is not None and not isinstance(html, str):
        # An expression would be computed by the database, after any check or sanitising here.
        raise TypeError(f"Article.body is rich text: it is stored only from a string, not {type(html).__name__}.")
    check_body(html)
    # Images that cannot be kept are refused with a message by the forms (Article.clean); here, on paths
    # no person watches (bulk writes, scripts), the allow-list drops them.
    return sanitize_html(normalize_word(html) if html else html)


# Set while bulk_update writes bodies it has already checked and sanitised (as a CASE expression).
_bodies_checked = contextvars.ContextVar("bodies_checked", default=False)


class ArticleQuerySet(GuardedQuerySet):
    issue_lookup = "issue__status"
    rich_text_fields = ("body",)

    # Bulk writes of rich text pass the same limits and allow-list as save().
    def update(self, **kwargs):
        for name in self.rich_text_fields:
            if name not in kwargs:
                continue
            if isinstance(kwargs[name], str):
                kwargs[name] = stored_body(kwargs[name])
            elif not _bodies_checked.get():
                # The database would compute the value, so it cannot be sanitised or measured before it is stored.
                raise TypeError(
                    f"Article.{name} is rich text: update() takes it only as a string, not "
                    f"{type(kwargs[name]).__name__}; compute the value in Python and pass the string, or save() "
                    "each article."
                )
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            for name in self.rich_text_fields:
                setattr(obj, name, stored_body(getattr(obj, name)))
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if not set(fields) & set(self.rich_text_fields):
            return super().bulk_update(objs, fields, *args, **kwargs)
        for obj in objs:
            for name in set(fields) & set(self.rich_text_fields):
                setattr(obj, name, stored_body(getattr(obj, name)))
        # Django writes the values with update(body=Case(When(pk=…, then=Value(…)), …)): these are the strings above.
        token = _bodies_checked.set(True)
        try:
            return super().bulk_update(objs, fields, *args, **kwargs)
        finally:
            _bodies_checked.reset(token)


class Column(models.Model):
    """A 栏目 of a series: a heading its articles are grouped under, printed once before the first (【市州动态】)."""

    series = models.ForeignKey(Series, models.CASCADE, related_name="columns", verbose_name=_("series"))
    name = models.CharField(_("name"), max_length=40, validators=[no_control_characters],
                            help_text=_("As printed, without brackets: 特别关注, 市州动态."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("column (栏目)")
        verbose_name_plural = _("columns (栏目)")
        ordering = ["series", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["series", "name"], name="column_name_unique_in_series")]

    def __str__(self):
        return self.name

    @property
    def heading(self):
        return f"【{self.name}】"


class Article(ContentOfIssueMixin, models.Model):
    """An article of an issue, in print order."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("general")
        MEETING = "meeting", _("meeting report")
        AWARD = "award", _("award notice")

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="articles", verbose_name=_("issue"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GENERAL)
    title = models.TextField(
        _("title"), help_text=_("Press Enter where the printed title should break (trapezoid shape).")
    )
    subtitle = models.CharField(_("subtitle"), max_length=200, blank=True)
    body = CKEditor5Field(_("body"), blank=True)
    column = models.ForeignKey(
        Column, models.PROTECT, null=True, blank=True, related_name="articles", verbose_name=_("column (栏目)"),
        help_text=_("The heading it is printed under; consecutive articles of one column share one heading."),
    )
    source = models.CharField(
        _("contributed by (供稿单位)"), max_length=100, blank=True, validators=[no_control_characters],
        help_text=_("Printed flush right after the text, in brackets: （成都市地方志工作办公室）."),
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["issue", "position", "pk"]
        # Related managers (issue.articles.add) must go through the guarded queryset too.
        base_manager_name = "objects"

    def __str__(self):
        return " ".join(self.title_lines)

    def save(self, *args, **kwargs):
        self.title = "\n".join(self.title_lines)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            # clean() shows the same errors next to the field; this keeps every other path within the limits too.
            try:
                self.body = stored_body(self.body)
            except ValidationError as exc:
                raise ValidationError({"body": exc.error_list}) from None
        super().save(*args, **kwargs)

    def clean(self):
        """A body beyond the limits could not be laid out within the render budget: refuse it here, by the field."""
        super().clean()
        if self.column_id and self.issue_id and self.column.series_id != self.issue.series_id:
            raise ValidationError({"column": _("This column belongs to another series.")})
        try:
            check_body(self.body)
            check_images(self.body)  # a picture that cannot be kept is said at once, never dropped silently
        except ValidationError as exc:
            raise ValidationError({"body": exc.error_list}) from None

    def _issue_for_guard_id(self):
        return self.issue_id

    @property
    def title_lines(self):
        return [line.strip() for line in self.title.splitlines() if line.strip()]

    @property
    def source_line(self):
        """The 供稿单位 as printed: in full-width brackets, whether or not the drafter typed them."""
        source = self.source.strip().strip("（）()")
        return f"（{source}）" if source else ""


class ArticleIndex(models.Model):
    """An article's words for full-text search (articles/search.py): jieba's segmentation, space separated.

    The database indexes these columns itself (migration 0016: an FTS5 table kept by triggers on SQLite,
    a GIN index on PostgreSQL). Written when the article or its facts are saved (articles.apps).
    """

    article = models.OneToOneField(Article, models.CASCADE, primary_key=True, related_name="search_index",
                                   verbose_name=_("article"))
    title_words = models.TextField(_("title words"))
    body_words = models.TextField(_("text words"))

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index")

    def __str__(self):
        return str(self.article_id)


def issued_ofd_path(ofd, filename):
    return f"issues/{ofd.issue.series_id}/{ofd.issue.year}/{filename}"


class IssueOfd(models.Model):
    """The OFD (GB/T 33190) of an issued issue, built from its stored PDF after issuing (printing.ofd).

    A row of its own, not fields on the issue: an issued issue's row is frozen (articles.freeze), and the OFD
    comes after the commit that issued it. No file and an `error` means writing it failed (manage.py write_ofd).
    """

    issue = models.OneToOneField(Issue, models.PROTECT, related_name="ofd", verbose_name=_("issue"), editable=False)
    ofd_file = models.FileField(_("OFD"), storage=private_storage, upload_to=issued_ofd_path, blank=True,
                                editable=False)
    ofd_size = models.PositiveIntegerField(_("OFD size (bytes)"), null=True, blank=True, editable=False)
    ofd_sha256 = models.CharField(_("OFD SHA-256"), max_length=64, blank=True, editable=False)
    error = models.TextField(_("why the OFD could not be written"), blank=True, editable=False)
    written_at = models.DateTimeField(_("written at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("issued OFD")
        verbose_name_plural = _("issued OFDs")
        constraints = [
            # A file and its checksum, or the reason there is none.
            models.CheckConstraint(
                condition=(~Q(ofd_file="") & ~Q(ofd_sha256="") & Q(ofd_size__isnull=False, error=""))
                | (Q(ofd_file="", ofd_sha256="", ofd_size__isnull=True) & ~Q(error="")),
                name="issueofd_file_or_error",
            ),
        ]

    def __str__(self):
        return self.file_name

    @property
    def file_name(self):
        return file_name_component(f"{self.issue.printed_series.name}{self.issue.label}.ofd")


def volume_pdf_path(volume, filename):
    return f"volumes/{volume.series_id}/{volume.year}/{filename}"


class BoundVolume(models.Model):
    """合订本: a series' issued issues of a year bound into one PDF from their stored files (archive.volume)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        DONE = "done", _("done")
        FAILED = "failed", _("binding failed")

    series = models.ForeignKey(Series, models.PROTECT, related_name="volumes", verbose_name=_("series"))
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              editable=False)
    issues_total = models.PositiveIntegerField(_("issues"), default=0, editable=False)
    issues_done = models.PositiveIntegerField(_("issues bound"), default=0, editable=False)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True, editable=False)
    pdf_file = models.FileField(_("PDF"), storage=private_storage, upload_to=volume_pdf_path, blank=True,
                                editable=False)
    pdf_size = models.PositiveIntegerField(_("PDF size (bytes)"), null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True, editable=False)
    error = models.TextField(_("why it failed"), blank=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"), editable=False)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("bound volume (合订本)")
        verbose_name_plural = _("bound volumes (合订本)")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.series.name} {self.year}年合订本"

    @property
    def file_name(self):
        return file_name_component(f"{self.series.name}{self.year}年合订本.pdf")


class FactQuerySet(GuardedQuerySet):
    issue_lookup = "article__issue__status"


class ArticleFacts(ContentOfIssueMixin, models.Model):
    """Structured facts attached to one article."""

    article = models.OneToOneField(Article, models.CASCADE, verbose_name=_("article"))

    objects = FactQuerySet.as_manager()

    class Meta:
        abstract = True

    def _issue_for_guard_id(self):
        if not self.article_id:
            return None
        return Article.objects.filter(pk=self.article_id).values_list("issue_id", flat=True).first()

    def clean(self):
        # Meeting facts belong to a meeting report, award facts to an award notice.
        kind = Article.objects.filter(pk=self.article_id).values_list("kind", flat=True).first()
        if kind is not None and kind != self.kind:
            raise ValidationError(_("These facts belong to a %(kind)s; this article is a %(actual)s.") % {
                "kind": Article.Kind(self.kind).label, "actual": Article.Kind(kind).label})


class Meeting(ArticleFacts):
    """The facts behind a meeting report."""

    kind = Article.Kind.MEETING

    date = models.DateField(_("date"))
    organiser = models.CharField(_("organiser"), max_length=100)
    name = models.CharField(_("meeting"), max_length=200)
    chair = models.CharField(_("chair (主持)"), max_length=200, blank=True)
    attendees = models.TextField(_("attendees (参加)"), blank=True)
    topics = models.TextField(_("studied or decided"), blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self):
        return self.name


class Award(ArticleFacts):
    """The facts behind an award notice."""

    kind = Article.Kind.AWARD

    awarding_body = models.CharField(_("awarding body"), max_length=200)
    award_name = models.CharField(_("award"), max_length=200)
    awardee = models.CharField(_("awardee"), max_length=200)
    date = models.DateField(_("date"), null=True, blank=True)
    notice = models.CharField(_("announced in"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self):
        return f"{self.awardee}：{self.award_name}"


# --- who an issue is addressed to: the address book and each issue's 报 / 送 / 发 lines --------------------


class Role(models.TextChoices):
    """The role of a recipient on an issue, in print order."""

    REPORT = "report", _("报 (superior)")
    COPY = "copy", _("送 (peer)")
    SEND = "send", _("发 (subordinate or internal)")


ROLE_PREFIX = {Role.REPORT: "报", Role.COPY: "送", Role.SEND: "发"}
ROLE_ORDER = [Role.REPORT, Role.COPY, Role.SEND]


class Recipient(models.Model):
    """A receiving unit (e.g. 省直机关工委, 机关各处, 四川年鉴社)."""

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[no_control_characters])
    default_role = models.CharField(_("usual role"), max_length=10, choices=Role.choices, default=Role.SEND)
    sort_order = models.PositiveIntegerField(
        _("sort order"), default=100, help_text=_("Smaller numbers are printed first.")
    )
    email = models.EmailField(_("email"), blank=True, help_text=_("Receives a link when an issue is issued."))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="recipient_units", verbose_name=_("accounts")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "distribution_recipient"  # created by the distribution app, where it began
        verbose_name = _("recipient unit")
        verbose_name_plural = _("recipient units")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class RecipientGroup(models.Model):
    """A reusable set of units, addressed as one name (e.g. 机关各处)."""

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[no_control_characters])
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)
    members = models.ManyToManyField(Recipient, blank=True, related_name="groups", verbose_name=_("units"))

    class Meta:
        db_table = "distribution_recipientgroup"
        verbose_name = _("recipient group")
        verbose_name_plural = _("recipient groups")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class DistributionQuerySet(GuardedQuerySet):
    issue_lookup = "issue__status"


class Distribution(ContentOfIssueMixin, models.Model):
    """One line of an issue's address list: a unit or a group, as 报, 送 or 发."""

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="distributions", verbose_name=_("issue"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    recipient = models.ForeignKey(
        Recipient, models.PROTECT, null=True, blank=True, related_name="distributions", verbose_name=_("unit")
    )
    group = models.ForeignKey(
        RecipientGroup, models.PROTECT, null=True, blank=True, related_name="distributions", verbose_name=_("group")
    )

    objects = DistributionQuerySet.as_manager()

    class Meta:
        db_table = "distribution_distribution"
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients (报 / 送 / 发)")
        base_manager_name = "objects"  # issue.distributions.add() goes through the guard too
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, group__isnull=True)
                | Q(recipient__isnull=True, group__isnull=False),
                name="distribution_unit_xor_group",
                violation_error_message=_(
                    "Choose either one unit or one group on each line, not both and not neither."),
            ),
            models.UniqueConstraint(fields=["issue", "recipient"], name="distribution_unit_once_per_issue"),
            models.UniqueConstraint(fields=["issue", "group"], name="distribution_group_once_per_issue"),
            models.CheckConstraint(condition=Q(role__in=["report", "copy", "send"]), name="distribution_role_valid"),
        ]

    def __str__(self):
        return f"{ROLE_PREFIX[self.role]}：{self.addressee}"

    def _issue_for_guard_id(self):
        return self.issue_id

    @property
    def addressee(self):
        return self.recipient or self.group


class DefaultAddressee(models.Model):
    """One line of a series' usual 报 / 送 / 发 list, copied onto each new issue of the series."""

    series = models.ForeignKey(Series, models.CASCADE, related_name="default_addressees", verbose_name=_("series"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    recipient = models.ForeignKey(Recipient, models.CASCADE, null=True, blank=True, related_name="+",
                                  verbose_name=_("unit"))
    group = models.ForeignKey(RecipientGroup, models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name=_("group"))

    class Meta:
        verbose_name = _("usual recipient")
        verbose_name_plural = _("usual recipients (copied onto each new issue)")
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, group__isnull=True)
                | Q(recipient__isnull=True, group__isnull=False),
                name="default_addressee_unit_xor_group",
                violation_error_message=_(
                    "Choose either one unit or one group on each line, not both and not neither."),
            ),
        ]

    def __str__(self):
        return f"{ROLE_PREFIX[self.role]}：{self.recipient or self.group}"


class IssueRevision(models.Model):
    """A saved state of an issue's whole content (fields, articles, facts, recipients), kept for its life."""

    class Kind(models.TextChoices):
        EDIT = "edit", _("edited")
        CORRECTION = "correction", _("corrected in review")
        RESTORE = "restore", _("restored")
        WORKFLOW = "workflow", _("recorded at a workflow step")

    revision = models.OneToOneField(
        "reversion.Revision", models.CASCADE, related_name="issue_revision", verbose_name=_("revision")
    )
    issue = models.ForeignKey(Issue, models.CASCADE, related_name="revisions", verbose_name=_("issue"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Issue.Status.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.EDIT)
    digest = models.CharField(_("content digest"), max_length=64)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["issue", "number"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "number"], name="issue_revision_number_unique"),
        ]

    def __str__(self):
        return _("version %(number)s") % {"number": self.number}


class ArticleComment(models.Model):
    """A reviewer's or drafter's comment on one article, optionally quoting the passage it is about."""

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="comments", verbose_name=_("issue"))
    # Kept when the article is deleted: the comment stays in the issue's history with the title it had.
    article = models.ForeignKey(
        Article, models.SET_NULL, null=True, blank=True, related_name="comments", verbose_name=_("article")
    )
    article_title = models.CharField(_("article title"), max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    quote = models.TextField(_("quoted passage"), blank=True)
    text = models.TextField(_("comment"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("article comment")
        verbose_name_plural = _("article comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.article_title}：{self.text[:40]}"

    @property
    def is_resolved(self):
        return self.resolved_at is not None


class IssueLog(models.Model):
    """One workflow event on an issue: who, when, from → to, comment."""

    class Action(models.TextChoices):
        CREATE = "issue.create", _("drafted")
        SUBMIT = "issue.submit", _("submitted for review")
        RETURN = "issue.return", _("returned")
        WITHDRAW = "issue.withdraw", _("withdrawn")
        APPROVE = "issue.approve", _("approved the step")
        ISSUE = "issue.issue", _("issued (签发)")
        RESTORE = "issue.restore", _("restored an earlier version")
        DELETE = "issue.delete", _("deleted the draft")

    # Kept when a draft is deleted: the entries stay, with the issue's name as it was.
    issue = models.ForeignKey(Issue, models.SET_NULL, null=True, blank=True, related_name="log",
                              verbose_name=_("issue"))
    issue_label = models.CharField(_("issue as named then"), max_length=120, blank=True)
    action = models.CharField(_("action"), max_length=50, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=10, choices=Issue.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=Issue.Status.choices)
    step = models.CharField(_("step"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The content as it stood at this step: what was submitted, returned or issued.
    revision = models.ForeignKey(
        IssueRevision, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("version")
    )

    class Meta:
        verbose_name = _("workflow log entry")
        verbose_name_plural = _("workflow log")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.issue or self.issue_label}：{self.get_action_display()}"


class PdfCheck(models.Model):
    """One run of verify_pdfs: when, how many stored PDFs it checked, which failed."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"))
    checked = models.PositiveIntegerField(_("PDFs checked"))
    failed = models.PositiveIntegerField(_("PDFs failed"))
    problems = models.JSONField(
        _("problems"), default=list, blank=True,
        help_text=_("One entry per failed PDF: the issue's id and name, and what is wrong."),
    )
    stray_files = models.JSONField(
        _("stray files"), default=list, blank=True,
        help_text=_("Files under issues/ that no issued issue refers to (left by a publish that was rolled back)."),
    )

    class Meta:
        verbose_name = _("PDF check")
        verbose_name_plural = _("PDF checks")
        ordering = ["-started_at", "-pk"]
        get_latest_by = ["started_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(failed__lte=models.F("checked")), name="pdfcheck_failed_le_checked"),
        ]

    def __str__(self):
        return _("PDF check of %(at)s") % {"at": timezone.localtime(self.started_at).strftime("%Y-%m-%d %H:%M")}

    @property
    def passed(self):
        return self.failed == 0


class ProofreadIgnore(models.Model):
    """A proofreading finding the editors decided to keep as written (忽略): not shown again for this issue."""

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="proofread_ignores", verbose_name=_("issue"))
    article = models.ForeignKey(Article, models.CASCADE, related_name="+", verbose_name=_("article"))
    # articles.proofreading.engine.Finding.key: the rule, the quote and the text around it.
    key = models.CharField(_("finding"), max_length=32)
    rule = models.CharField(_("rule"), max_length=40)
    quote = models.CharField(_("quoted text"), max_length=200)
    message = models.CharField(_("message"), max_length=300)
    ignored_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("ignored by"))
    ignored_at = models.DateTimeField(_("ignored at"), default=timezone.now)

    class Meta:
        verbose_name = _("ignored proofreading finding")
        verbose_name_plural = _("ignored proofreading findings")
        ordering = ["ignored_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="proofread_ignore_once_per_finding"),
        ]

    def __str__(self):
        return f"{self.quote}：{self.message[:40]}"
