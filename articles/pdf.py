"""The PDF renderer: an issue → a PDF in the official print layout (GB/T 9704 geometry).

Rendering goes through templates/print/issue.html and its stylesheet
templates/print/issue.css. WeasyPrint may only read the project's own static and
media files and the licensed fonts folder (SafeURLFetcher). One FontConfiguration
is kept per thread and reused: building one per render costs time and memory.
"""

import dataclasses
import logging
import mimetypes
import threading
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from articles import fonts

logger = logging.getLogger(__name__)

BASE_URL = "file:///"
WATERMARKS = {"draft": "草稿", "review": "送审稿"}
TYPE_AREA_WIDTH_PT = 156 * 72 / 25.4
TITLE_SIZE_PT = 22
# A title line may be squeezed by up to 0.15 em per character to stay as the editor set it.
MAX_TITLE_SQUEEZE_PT = 0.15 * TITLE_SIZE_PT
_local = threading.local()


class PdfRenderError(Exception):
    """Rendering failed; the message says why."""


@dataclasses.dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int


def font_config():
    """This thread's FontConfiguration (never shared across threads: Pango is not thread-safe here)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def _static_dirs():
    from django.contrib.staticfiles import finders

    dirs = [Path(settings.STATIC_ROOT)]
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                dirs.append(Path(location))
    return dirs


class SafeURLFetcher(URLFetcher):
    """Serves only files under the static roots, MEDIA_ROOT and the fonts folder; refuses and logs the rest."""

    def __init__(self):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, timeout=5)

    def fetch(self, url, headers=None):
        try:
            path = self._local_path(url)
        except PermissionError as exc:
            logger.warning("PDF renderer refused to load %s: %s", url[:200], exc)
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def _local_path(self, url):
        """The file a URL may read, or PermissionError saying why not."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise PermissionError("only local files are allowed")
        if parts.netloc not in ("", "localhost"):
            raise PermissionError("remote file host")
        raw = unquote(parts.path)
        if "\x00" in raw or "\\" in raw or ".." in raw.split("/"):
            raise PermissionError("path trick")
        path = self._map_url_path(raw)
        if path is None:
            raise PermissionError("outside the static and media folders")
        resolved = path.resolve()
        private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
        if resolved.is_relative_to(private):
            raise PermissionError("private media")
        if not any(resolved.is_relative_to(root.resolve()) for root in self._roots()):
            raise PermissionError("outside the static and media folders")
        if not resolved.is_file():
            raise PermissionError("no such file")
        return resolved

    def _roots(self):
        return [*_static_dirs(), Path(settings.MEDIA_ROOT), fonts.font_dir()]

    def _map_url_path(self, raw):
        """/static/… and /media/… URLs map into their folders; absolute file paths stay as they are."""
        static_url, media_url = settings.STATIC_URL, settings.MEDIA_URL
        if media_url.startswith("/") and raw.startswith(media_url):
            return Path(settings.MEDIA_ROOT) / raw[len(media_url):]
        if static_url.startswith("/") and raw.startswith(static_url):
            from django.contrib.staticfiles import finders

            relative = raw[len(static_url):]
            found = finders.find(relative)
            return Path(found) if found else Path(settings.STATIC_ROOT) / relative
        path = Path(raw)
        return path if path.is_absolute() else None


class IssueRenderer:
    """Renders one issue, final or preview, through the print template."""

    template_name = "print/issue.html"

    def __init__(self, issue, *, preview):
        self.issue = issue
        self.preview = preview

    def context(self, *, force_even=False, unnumbered_end=False):
        from distribution.selectors import address_lines

        issue, series = self.issue, self.issue.printed_series
        final = not self.preview or issue.is_issued
        articles = list(issue.articles.order_by("position", "pk"))
        for article in articles:
            article.print_title_lines = [(line, title_letter_spacing(line)) for line in article.title_lines]
        number = issue.number if final else None
        return {
            "issue": issue,
            "series": series,
            "articles": articles,
            "address_lines": address_lines(issue),
            "number": number,
            "total_number": issue.total_number if number and series.show_total_number else None,
            "title": f"{series.name} {issue.year}年第{number or '__'}期",
            "watermark": None if final else WATERMARKS.get(issue.status, "草稿"),
            "force_even": force_even,
            "unnumbered_end": unnumbered_end,
            "fonts": {role: mark_safe(fonts.css_family(role)) for role in fonts.STACKS},
            "title_weight": fonts.resolve("xiaobiaosong").weight,
            "font_faces": mark_safe(fonts.font_face_rules()),
        }

    def html(self, **flags):
        """The print template rendered for this issue: everything the PDF shows comes from this string."""
        return render_to_string(self.template_name, self.context(**flags))

    def layout(self, **flags):
        return HTML(string=self.html(**flags), base_url=BASE_URL, url_fetcher=SafeURLFetcher()).render(
            font_config=font_config()
        )

    def render(self):
        """Lay out, move the end block to an even page if the series asks, and write the PDF."""
        document = self.layout()
        if self.issue.printed_series.end_block_on_even_page and len(document.pages) % 2:
            document = self.layout(force_even=True)
            if len(document.pages) > 2 and _is_blank(document.pages[-2]):
                # GB/T 9704 7.5: a blank page before the end-block page: neither carries a number.
                document = self.layout(force_even=True, unnumbered_end=True)
        options = {}
        if not self.preview and settings.BULLETIN_PDF_VARIANT:
            options["pdf_variant"] = settings.BULLETIN_PDF_VARIANT
        return RenderedPdf(content=document.write_pdf(**options), pages=len(document.pages))


def title_letter_spacing(line):
    """Negative letter spacing (pt) that keeps one editor-set title line on one printed line, or 0."""
    ems = sum(1 if unicodedata.east_asian_width(char) in "WFA" else 0.55 for char in line)
    # Aim a few points short of the type area: the spacing also follows the last character.
    overflow = ems * TITLE_SIZE_PT - TYPE_AREA_WIDTH_PT
    if overflow <= 0 or not line:
        return 0
    spacing = (overflow + 4) / len(line)
    return -round(spacing, 2) if spacing <= MAX_TITLE_SQUEEZE_PT else 0


def _is_blank(page):
    return page._page_box.page_type.blank


def render_issue(issue, *, preview):
    """Render an issue to PDF; any failure becomes a PdfRenderError with the reason."""
    try:
        return IssueRenderer(issue, preview=preview).render()
    except Exception as exc:  # noqa: BLE001 - any failure must leave the issue as it was
        logger.exception("PDF rendering failed for issue %s", issue.pk)
        raise PdfRenderError(str(exc) or type(exc).__name__) from exc
