"""The PDF renderer: an issue → a PDF in the official print layout (GB/T 9704 geometry).

Rendering goes through templates/print/issue.html and its stylesheet
templates/print/issue.css. WeasyPrint may only read the project's own static and
media files and the licensed fonts folder (SafeURLFetcher). One FontConfiguration
is kept per thread and reused: building one per render costs time and memory.

The print HTML is built in the worker (it reads the database); WeasyPrint lays it out
and writes the PDF in a forked child held to a time and memory budget
(BULLETIN_RENDER_TIMEOUT, BULLETIN_RENDER_MEMORY_MB), so that no issue can hold a
gunicorn worker past its timeout or take the machine's memory.
"""

import dataclasses
import errno
import gc
import logging
import logging.handlers
import mimetypes
import os
import pickle
import re
import resource
import select
import shutil
import signal
import threading
import time
import traceback
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
from django.conf import settings
from django.db import connections
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from articles import fonts, justify, print_body

justify.install()
logger = logging.getLogger(__name__)

BASE_URL = "file:///"
WATERMARKS = {"draft": "草稿", "review": "送审稿"}
# Issued PDFs are PDF/A-2b unless BULLETIN_PDF_VARIANT names another WeasyPrint variant ("none": a plain PDF).
# 2b is the level both validators the tests run check (pikepdf.pdfa: 1b/2b/3b; page-validation: 2b, 2u, 3b, 3u…).
DEFAULT_PDF_VARIANT = "pdf/a-2b"
PLAIN = {"none", "plain", "off"}
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
        from articles.selectors import address_lines

        issue, series = self.issue, self.issue.printed_series
        final = not self.preview or issue.is_issued
        articles = list(issue.articles.order_by("position", "pk"))
        for article in articles:
            article.print_title_lines = [(line, title_letter_spacing(line)) for line in article.title_lines]
            article.print_body = mark_safe(print_body.prepare(article.body, f"a{article.pk}"))
        number = issue.number if final else None
        return {
            "issue": issue,
            "series": series,
            "articles": articles,
            "address_lines": [(prefix, unit_names(names)) for prefix, names in address_lines(issue)],
            "extra_recipients": unit_names(issue.extra_recipients),
            "number": number,
            "total_number": issue.total_number if number and series.show_total_number else None,
            "title": f"{series.name} {issue.year}年第{number or '__'}期",
            "watermark": None if final else WATERMARKS.get(issue.status, "草稿"),
            "force_even": force_even,
            "unnumbered_end": unnumbered_end,
            "fonts": {role: mark_safe(fonts.css_family(role)) for role in fonts.STACKS},
            "bold": {role: (mark_safe(family), weight)
                     for role in fonts.BOLD_SUBSTITUTES for family, weight in [fonts.bold_face(role)]},
            "title_weight": fonts.resolve("xiaobiaosong").weight,
            "font_faces": mark_safe(fonts.font_face_rules()),
        }

    def html(self, **flags):
        """The print template rendered for this issue: everything the PDF shows comes from this string."""
        return render_to_string(self.template_name, self.context(**flags))

    def layouts(self):
        """The print HTML of every layout render() may need: as is, then (if the series asks) with the end block
        moved to an even page, then also with the blank page before it unnumbered."""
        context = self.context()
        variants = [{}]
        if self.issue.printed_series.end_block_on_even_page:
            variants += [{"force_even": True}, {"force_even": True, "unnumbered_end": True}]
        return [render_to_string(self.template_name, {**context, **flags}) for flags in variants]

    def render(self):
        """Build the print HTML here, then lay it out and write the PDF within the render budget."""
        variant = "" if self.preview else pdf_variant()
        return run_within_budget(write_pdf, self.layouts(), variant)


def pdf_variant():
    """The WeasyPrint pdf_variant of issued PDFs: settings.BULLETIN_PDF_VARIANT, PDF/A-2b when it is empty."""
    variant = (settings.BULLETIN_PDF_VARIANT or DEFAULT_PDF_VARIANT).strip().lower()
    return "" if variant in PLAIN else variant


def write_pdf(layouts, pdf_variant):
    """Lay out, move the end block to an even page if asked (layouts[1:]), and write the PDF; no database."""
    document, layouts = _lay_out_on_grid(layouts)
    if len(layouts) > 1 and len(document.pages) % 2:
        document = _lay_out(layouts[1])
        if len(document.pages) > 2 and _is_blank(document.pages[-2]):
            # GB/T 9704 7.5: a blank page before the end-block page: neither carries a number.
            document = _lay_out(layouts[2])
    if pdf_variant:
        content = document.write_pdf(pdf_variant=pdf_variant, finisher=_pdfa_finisher)
    else:
        content = document.write_pdf()
    return RenderedPdf(content=content, pages=len(document.pages))


def _pdfa_finisher(_document, pdf):
    """What WeasyPrint 70 writes and PDF/A validators refuse: a compressed XMP stream (ISO 19005-2 6.6.2.1:
    no Filter on the metadata stream) and empty /Pattern and /Shading resource dictionaries."""
    seen = set()
    stack = list(pdf.objects)
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, pydyf.Stream):
            if item.extra.get("Type") == "/Metadata":
                item.compress = False
            stack.append(item.extra)
        elif isinstance(item, dict):
            for key in ("Pattern", "Shading"):
                if isinstance(item.get(key), dict) and not item[key]:
                    del item[key]
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


PX_PER_PT = 4 / 3
PITCH_PX = 225 / 25.4 * 96 / 22  # the line pitch, 28.99 pt, in CSS px (WeasyPrint's layout unit)
TYPE_AREA_TOP_PX = 37 / 25.4 * 96
# Less white than this between a table or image and the next line gets one more line pitch.
MIN_GAP_PX = 5 * PX_PER_PT
MAX_GRID_PASSES = 4


def _lay_out_on_grid(layouts):
    """Lay out layouts[0]; while a table or image leaves the lines after it off the line grid, or a table
    runs onto a new page without its 续表 mark, lay out again with that corrected (at most a few passes:
    a document without tables or images is laid out once). The corrections apply to every layout."""
    fixes = {"margins": {}, "splits": set()}
    document = _lay_out(layouts[0])
    for _pass in range(MAX_GRID_PASSES):
        margins, splits = _grid_measure(document)
        if margins == fixes["margins"] and splits <= fixes["splits"]:
            break
        fixes = {"margins": margins, "splits": fixes["splits"] | splits}
        document = _lay_out(_with_fixes(layouts[0], fixes))
    if fixes["margins"] or fixes["splits"]:
        layouts = [_with_fixes(html, fixes) for html in layouts]
    return document, layouts


def _grid_measure(document):
    """The margin below each marked block that brings the next line onto the grid, and the (table, row)
    pairs where a table continues on a new page."""
    bottoms, first_rows = {}, {}
    for number, page in enumerate(document.pages):
        seen_on_page = set()
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None:
                continue
            name = element.get("data-grid")
            if name and box.element_tag in {"table", "figure", "p", "div", "li", "blockquote"}:
                bottom = box.position_y + box.margin_top + box.border_height()
                if name not in bottoms or (number, bottom) > bottoms[name]:
                    bottoms[name] = (number, bottom)
            row = element.get("data-row")
            if row is not None and box.element_tag == "tr":
                table = _ancestor_grid(box, page._page_box)
                if table and (table, number) not in seen_on_page:
                    seen_on_page.add((table, number))
                    first_rows.setdefault(table, []).append((number, int(row)))
    new_margins = {}
    for name, (_page, bottom) in bottoms.items():
        offset = (bottom - TYPE_AREA_TOP_PX) % PITCH_PX
        gap = (PITCH_PX - offset) % PITCH_PX
        if gap < 0.05 or PITCH_PX - gap < 0.05:
            gap = 0
        if gap < MIN_GAP_PX:
            gap += PITCH_PX
        new_margins[name] = round(gap / PX_PER_PT, 2)
    splits = {(table, row) for table, pages in first_rows.items() for _number, row in pages[1:] if row > 0}
    return new_margins, splits


def _ancestor_grid(row_box, page_box):
    """The data-grid name of the table a row box belongs to (rows sit under their table's box)."""
    stack = [(page_box, None)]
    while stack:
        box, table = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and box.element_tag == "table" and element.get("data-grid"):
            table = element.get("data-grid")
        if box is row_box:
            return table
        stack.extend((child, table) for child in getattr(box, "children", ()))
    return None


def _with_fixes(html, fixes):
    """The print HTML with the grid margins as a stylesheet and each continued table cut where it continues,
    the rest following a 续表 mark on the next page with the header row repeated."""
    for table, row in sorted(fixes["splits"], key=lambda pair: pair[1]):
        html = _split_table(html, table, row)
    rules = "".join(f'.body [data-grid="{name}"] {{ margin-bottom: {margin}pt; }}\n'
                    for name, margin in sorted(fixes["margins"].items()))
    return html.replace("</head>", f"<style>\n{rules}</style>\n</head>", 1)


def _split_table(html, table, row):
    start = html.find(f'data-grid="{table}"')
    if start < 0:
        return html
    opening = html.rfind("<table", 0, start)
    head_end = html.find(">", start) + 1
    cut = html.find(f'<tr data-row="{row}"', head_end)
    end = html.find("</table>", head_end)
    if cut < 0 or (0 <= end < cut):
        return html
    thead = re.search(r"<thead>.*?</thead>", html[head_end:cut], re.S)
    opening_tag = html[opening:head_end].replace(f'data-grid="{table}"', f'data-grid="{table}-{row}"')
    continued = ('</tbody></table><p class="continued">续表</p>'
                 + opening_tag + (thead.group(0) if thead else "") + "<tbody>")
    return html[:cut] + continued + html[cut:]


def _lay_out(html):
    return HTML(string=html, base_url=BASE_URL, url_fetcher=SafeURLFetcher()).render(font_config=font_config())


# A unit name up to this many characters is kept on one line of the end block (14 pt, about 29 to a line
# less the hanging indent); a longer one may break, or it would run past the type area.
MAX_UNBROKEN_NAME = 22


def unit_names(names):
    """A recipient list ("甲，乙。") cut into (name with its punctuation, keep whole) pieces for the end block."""
    pieces = re.findall(r"[^，、；。]+[，、；。]*|[，、；。]+", names or "")
    return [(piece, len(piece) <= MAX_UNBROKEN_NAME) for piece in pieces]


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
    except PdfRenderError as exc:
        logger.error("PDF rendering failed for issue %s: %s", issue.pk, exc)
        raise
    except Exception as exc:  # noqa: BLE001 - any failure must leave the issue as it was
        logger.exception("PDF rendering failed for issue %s", issue.pk)
        raise PdfRenderError(unexpected_failure(exc)) from exc


def unexpected_failure(exc):
    """What a user is told of a failure nobody foresaw: in their language, with the technical reason after it."""
    return _("The PDF could not be laid out because of an unexpected error; nothing was changed and the error "
             "has been logged for the administrator (%(error)s).") % {"error": str(exc) or type(exc).__name__}


# --- the render budget ---------------------------------------------------------------------------

FONT_SAMPLE = "地方志工作信息第一期（总第1期）ABC abc 123，。、：；“”《》—"
# The print sizes (templates/print/issue.css): end block and page numbers, body, titles, masthead.
FONT_SAMPLE_SIZES = (14, 16, 22, 36)
# The child's exit code when even reporting its result ran out of memory.
EXIT_NO_MEMORY = 3
# A pathological document can warn on every box; the worker's log gets the first ones.
MAX_FORWARDED_LOG_RECORDS = 200
# Taken around the fork: no thread of the worker is inside fontconfig (font_config, _prepare_font_config)
# at the moment another one forks, or the child would inherit a lock nobody releases; and no thread's
# child inherits another render's pipe.
_fork_lock = threading.Lock()


def run_within_budget(function, *args):
    """function(*args) run in a forked child within the render budget: its result, or PdfRenderError saying why not.

    With both BULLETIN_RENDER_TIMEOUT and BULLETIN_RENDER_MEMORY_MB at 0 it runs here, unbounded.
    """
    timeout, memory_mb = settings.BULLETIN_RENDER_TIMEOUT, settings.BULLETIN_RENDER_MEMORY_MB
    if not timeout and not memory_mb:
        return function(*args)
    with _fork_lock:
        _prepare_font_config()
        # The pipe is made and its write end closed here under the lock: a child forked by another
        # thread must not inherit the write end, or reading below would wait for that child as well.
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:
            os.close(read_end)
            _run_child(write_end, memory_mb, function, args)  # never returns
        os.close(write_end)
    status = None
    try:
        payload, finished = _read_until(read_end, time.monotonic() + timeout if timeout else None)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        status = os.waitpid(pid, 0)[1]
    finally:
        os.close(read_end)
        if status is None:  # interrupted (a worker being stopped): no child is left behind
            _kill(pid)
    return _outcome(payload, finished, status, timeout, memory_mb)


def _read_until(fd, deadline):
    """All the child writes, and True; or what came before the deadline, and False."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks = []
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return b"", False
        if not poller.poll(None if remaining is None else remaining * 1000):
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _outcome(payload, finished, status, timeout, memory_mb):
    """The child's result, or PdfRenderError: stopped at the deadline, out of memory, failed, or crashed."""
    if not finished:
        raise PdfRenderError(
            _("Laying out the PDF took longer than %(seconds)s seconds and was stopped. "
              "Shorten the issue or split its longest articles.") % {"seconds": f"{timeout:g}"})
    if payload and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        # Our own child wrote this a moment ago, through a pipe nobody else holds.
        (kind, value), records = pickle.loads(payload)
        for record in records:
            logging.getLogger(record.name).handle(record)
        if kind == "ok":
            return value
        message, trace = value
        logger.error("PDF layout failed in the render process:\n%s", trace)
        raise PdfRenderError(message)
    # Out of memory is a MemoryError, or C code (Pango, GLib) aborting or crashing when an allocation is refused.
    if (os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_NO_MEMORY) or (os.WIFSIGNALED(status) and memory_mb):
        raise PdfRenderError(
            _("Laying out the PDF needed more than %(megabytes)s MB of memory and was stopped. "
              "Shorten the issue or split its longest articles.") % {"megabytes": memory_mb})
    if os.WIFSIGNALED(status):
        raise PdfRenderError(_("The layout process stopped unexpectedly (signal %(signal)s).")
                             % {"signal": os.WTERMSIG(status)})
    raise PdfRenderError(_("The layout process ended without a result (exit code %(code)s).")
                         % {"code": os.WEXITSTATUS(status)})


def _run_child(write_end, memory_mb, function, args):
    """The forked child: run, send (outcome, log records) to the parent, and leave with os._exit."""
    code = 1
    try:
        # The parent's objects stay in the permanent generation: the child's collections do not touch
        # (and so copy) their pages.
        gc.freeze()
        _set_aside_connections()
        collector = _LogCollector()
        logging.getLogger().handlers = [collector]
        fonts_folder = font_config()._folder
        headroom = _limit_address_space(memory_mb) if memory_mb else None
        try:
            outcome = ("ok", function(*args))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises PdfRenderError
            if headroom and _out_of_memory(exc, headroom):
                outcome = ("memory", None)
            else:
                message = str(exc) if isinstance(exc, PdfRenderError) else unexpected_failure(exc)
                outcome = ("error", (message, traceback.format_exc()))
        if font_config()._folder != fonts_folder:
            # Font files copied by this child alone: os._exit skips FontConfiguration.__del__.
            shutil.rmtree(font_config()._folder, ignore_errors=True)
        if outcome[0] == "memory":
            code = EXIT_NO_MEMORY
        else:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps((outcome, collector.records)))
            code = 0
    except MemoryError:
        code = EXIT_NO_MEMORY
    finally:
        # No atexit handlers, no finalizers: nothing of the parent's (connections, files) is closed from here.
        os._exit(code)


_inherited_connections = []


def _set_aside_connections():
    """Make any database access in the child open its own connection, never write on the parent's.

    The inherited connection objects are kept referenced: freeing them would close the parent's
    socket or SQLite handle from the child (psycopg2 says goodbye to the server when freed).
    """
    for connection in connections.all(initialized_only=True):
        _inherited_connections.append(connection.connection)
        connection.connection = None


def _limit_address_space(memory_mb):
    """Let the child's address space grow by memory_mb MB beyond what the worker had at the fork; that growth.

    Counted from the fork because the worker's own size (libraries, mapped fonts, Django) varies
    from one deployment to the next; the budget is what the render adds.
    """
    try:
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        current = 0
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit - current


def _out_of_memory(exc, headroom):
    """True when a failure is the memory limit's doing.

    A refused allocation is not always a MemoryError: C code called through cffi fails with
    "SystemError: error return without exception set", file reads with ENOMEM. So a failure also
    counts when the child's peak address space came close to its limit.
    """
    if isinstance(exc, MemoryError | SystemError) or getattr(exc, "errno", None) == errno.ENOMEM:
        return True
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmPeak:"))
    except (OSError, StopIteration):
        return False
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    return peak >= limit - min(64 * 2**20, headroom // 2)


class _LogCollector(logging.handlers.QueueHandler):
    """Keeps the child's log records (message formatted, traceback as text) for the worker's own handlers."""

    def __init__(self):
        super().__init__(queue=None)
        self.records = []

    def enqueue(self, record):
        if len(self.records) < MAX_FORWARDED_LOG_RECORDS:
            self.records.append(record)


def _prepare_font_config():
    """Load the fonts into this thread's FontConfiguration before forking, once, by laying out a sample.

    A child's font caches die with it, so without this every child would load and sort the CJK
    faces again (about a tenth of the CPU time of rendering the demo issue). The sample is fixed
    text in each role's stack at the print sizes, never an article. Loading the dropped fonts'
    @font-face rules here also keeps each child from copying the font files into a temporary
    folder of its own.
    """
    rules = fonts.font_face_rules()
    if getattr(_local, "prepared_for", None) == rules:
        return
    faces = [(fonts.css_family(role), weight, size)
             for role in fonts.STACKS for weight in (400, 700) for size in FONT_SAMPLE_SIZES]
    style = "".join(f".f{i} {{ font: {weight} {size}pt {family} }}\n" for i, (family, weight, size) in enumerate(faces))
    body = "".join(f'<p class="f{i}">{FONT_SAMPLE}</p>' for i in range(len(faces)))
    sample = f'<html lang="zh-CN"><style>{rules}\n{style}</style><body>{body}</body></html>'
    HTML(string=sample, base_url=BASE_URL, url_fetcher=SafeURLFetcher()).render(font_config=font_config())
    _local.prepared_for = rules
