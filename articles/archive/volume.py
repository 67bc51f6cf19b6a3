"""合订本: a series' issued issues of a year bound into one PDF, from the stored files, never re-rendered.

The volume is a cover, a table of contents (each issue with its articles and the page number printed on
the page where each begins: the issues keep their own numbering) and every issue's stored PDF as issued,
each checked against its SHA-256 first. Every issue begins on a right-hand (odd) page, as in a printed
volume, so a blank page follows an issue with an odd page count. The PDF's bookmarks give each issue and,
under it, its articles. The pages come together with pikepdf (qpdf); WeasyPrint draws only the cover and
the contents, with the print layout's fonts.
"""

import hashlib
import io
import logging
from dataclasses import dataclass, field

import pikepdf
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from articles.models import Article, BoundVolume, Issue
from articles.printing import fonts
from articles.printing.engine import BASE_URL, SafeURLFetcher, font_config
from articles.printing.integrity import PdfProblem, pdf_problem
from articles.printing.outline import article_start_pages

logger = logging.getLogger(__name__)


class VolumeError(Exception):
    """The volume cannot be bound; the message says why, in the user's language."""


@dataclass
class Part:
    issue: Issue
    pages: int
    articles: list = field(default_factory=list)  # [(title, first page within the issue, 0-based)]
    start: int = 0  # first volume page, 1-based


def volume_issues(series, year):
    """The series' issued issues of the year, in order."""
    return Issue.objects.issued().filter(series=series, year=year).order_by("number", "pk")


def _article_pages(pdf, issue):
    """[(title, 0-based page)] of the issue's articles: their bookmarks in the stored PDF, else page 1."""
    pages = article_start_pages(pdf)
    # The contents name an article's 栏目 with it, as the office's own contents do: 【市州动态】成都市召开…
    return [((article.column.heading if article.column_id else "") + " ".join(article.title_lines), pages.get(i, 0))
            for i, article in enumerate(issue.articles.all())]


def _front_matter(series, year, parts, *, toc_pages):
    """Cover and contents as a PDF (pikepdf.Pdf), numbering the issues as if the contents took toc_pages."""
    # Cover, its blank back, the contents (made even): the first issue begins on a right-hand page.
    page = 3 + toc_pages + toc_pages % 2
    for part in parts:
        part.start = page
        page += part.pages + part.pages % 2
    html = render_to_string("print/volume_front.html", {
        "series": series, "year": year, "parts": parts,
        "fonts": {role: fonts.css_family(role) for role in fonts.STACKS},
        "issued_from": parts[0].issue.issue_date, "issued_to": parts[-1].issue.issue_date,
    })
    from weasyprint import HTML

    data = HTML(string=html, base_url=BASE_URL, url_fetcher=SafeURLFetcher()).write_pdf(font_config=font_config())
    return pikepdf.open(io.BytesIO(data))


def bind(series, year, *, progress=None):
    """(PDF bytes, page count, issue count) of the year's volume; raises VolumeError. progress(done, total)."""
    in_order = Article.objects.select_related("column").order_by("position", "pk")
    issues = list(volume_issues(series, year).select_related("series")
                  .prefetch_related(Prefetch("articles", queryset=in_order)))
    if not issues:
        raise VolumeError(_("%(series)s has no issued issue in %(year)s.") % {"series": series.name, "year": year})
    sources, parts = [], []
    for issue in issues:
        problem = pdf_problem(issue, cached=False)
        if problem is not None:
            reason = _("its file is missing") if problem == PdfProblem.MISSING else _("its file is not the one issued")
            raise VolumeError(_("%(issue)s cannot be bound: %(reason)s (see the PDF checks).")
                              % {"issue": issue, "reason": reason})
        pdf = pikepdf.open(issue.pdf_file.path)
        sources.append(pdf)
        parts.append(Part(issue=issue, pages=len(pdf.pages), articles=_article_pages(pdf, issue)))

    toc_pages = 1
    for _attempt in range(4):  # the contents' length depends on the page numbers only through their width
        front = _front_matter(series, year, parts, toc_pages=toc_pages)
        if len(front.pages) - 1 == toc_pages:
            break
        toc_pages = len(front.pages) - 1

    volume = pikepdf.Pdf.new()
    size = sources[0].pages[0].mediabox
    page_size = (float(size[2]), float(size[3]))
    volume.pages.append(front.pages[0])
    volume.add_blank_page(page_size=page_size)
    volume.pages.extend(front.pages[1:])
    if toc_pages % 2:
        volume.add_blank_page(page_size=page_size)
    for done, (part, pdf) in enumerate(zip(parts, sources, strict=True), start=1):
        assert len(volume.pages) + 1 == part.start
        volume.pages.extend(pdf.pages)
        if part.pages % 2:
            volume.add_blank_page(page_size=page_size)
        if progress:
            progress(done, len(parts))

    with volume.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem(_("Contents"), 2))
        for part in parts:
            item = pikepdf.OutlineItem(f"{part.issue.label}（{part.issue.issue_date:%Y-%m-%d}）", part.start - 1)
            item.children.extend(pikepdf.OutlineItem(title, part.start - 1 + page) for title, page in part.articles)
            outline.root.append(item)
    volume.docinfo["/Title"] = f"{series.name} {year}年合订本"
    volume.docinfo["/Creator"] = "bulletin_cms"
    out = io.BytesIO()
    volume.save(out, linearize=False)
    pages = len(volume.pages)
    for pdf in sources:
        pdf.close()
    return out.getvalue(), pages, len(parts)


def volume_build(*, volume):
    """Bind the volume, keeping its progress on the row; a failure is recorded with its reason, never raised."""
    BoundVolume.objects.filter(pk=volume.pk).update(status=BoundVolume.Status.BUILDING, issues_done=0, error="")

    def progress(done, total):
        BoundVolume.objects.filter(pk=volume.pk).update(issues_done=done, issues_total=total)

    try:
        data, pages, count = bind(volume.series, volume.year, progress=progress)
    except VolumeError as error:
        BoundVolume.objects.filter(pk=volume.pk).update(
            status=BoundVolume.Status.FAILED, error=str(error), finished_at=timezone.now())
        return None
    except Exception as error:
        BoundVolume.objects.filter(pk=volume.pk).update(
            status=BoundVolume.Status.FAILED, error=_("The volume could not be bound (%(error)s).") % {
                "error": type(error).__name__}, finished_at=timezone.now())
        raise
    volume.refresh_from_db()
    try:
        volume.pdf_file.save(volume.file_name.replace(" ", ""), ContentFile(data), save=False)
    except OSError as error:
        logger.exception("The bound volume %s could not be stored", volume.pk)
        BoundVolume.objects.filter(pk=volume.pk).update(
            status=BoundVolume.Status.FAILED, finished_at=timezone.now(),
            error=_("The volume was bound but its file could not be stored (%(error)s); nothing was kept. Ask the "
                    "administrator to check the disk, then bind it again.") % {"error": error.strerror or error})
        return None
    volume.pdf_size, volume.pages, volume.issues_total, volume.issues_done = len(data), pages, count, count
    volume.pdf_sha256 = hashlib.sha256(data).hexdigest()
    volume.status, volume.finished_at = BoundVolume.Status.DONE, timezone.now()
    volume.save()
    return volume


def volume_request(*, series, year, actor):
    """Queue the binding of the series' volume of the year on the task queue; returns the new BoundVolume."""
    volume = BoundVolume.objects.create(series=series, year=year, requested_by=actor,
                                        issues_total=volume_issues(series, year).count())
    transaction.on_commit(lambda: _enqueue(volume))
    return volume


def _enqueue(volume):
    """Queue the binding; a queue that refuses (Redis down) fails the volume with a message, never a 500."""
    try:
        build_bound_volume.enqueue(volume.pk)
    except Exception as error:  # noqa: BLE001 - the row says why; asking again later binds it
        logger.exception("could not queue the binding of volume %s", volume.pk)
        BoundVolume.objects.filter(pk=volume.pk).update(
            status=BoundVolume.Status.FAILED, finished_at=timezone.now(),
            error=_("The task queue is unavailable, so the volume was not bound (%(error)s). Ask for it again "
                    "later.") % {"error": type(error).__name__})


@task()
def build_bound_volume(volume_pk):
    """Bind the 合订本 `volume_pk` on the task queue; its row shows the progress and how it ended."""
    volume = BoundVolume.objects.select_related("series").get(pk=volume_pk)
    volume_build(volume=volume)
    volume.refresh_from_db()
    return {"status": volume.status, "pages": volume.pages}
