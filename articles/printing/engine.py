"""The layout engine: print HTML → WeasyPrint document → PDF bytes, on the line grid, reading only our own files.

WeasyPrint may only read the project's own static and media files and the licensed fonts folder
(SafeURLFetcher). One FontConfiguration is kept per thread and reused: building one per render costs
time and memory. Nothing here reads the database: the render budget (articles.printing.budget) runs it
in a forked child.
"""

import dataclasses
import logging
import mimetypes
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
from django.conf import settings
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from articles.printing import fonts, justify, print_body

logger = logging.getLogger(__name__)

BASE_URL = "file:///"
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
    no Filter on the metadata stream), empty /Pattern and /Shading resource dictionaries, and a stream whose
    data ends with CR followed by pydyf's single LF before `endstream` (ISO 32000-1 7.2.2 reads that CR LF as
    one EOL marker, so /Length is one byte too long for ISO 19005-2 6.1.7.1): such a stream gets CR LF."""
    write_line = pdf.write_line

    def write_line_with_unambiguous_eol(content, output):
        # pydyf writes each indirect object in one line: "N 0 obj\n<<…>>\nstream\n<data>\nendstream\nendobj".
        # Data ending with CR (1 stream in 256: a Flate stream ends with its Adler-32 checksum) made that
        # "…\r\nendstream"; "…\r\r\nendstream" keeps all N bytes of data before a CR LF EOL marker. This also
        # reaches the object and cross-reference streams pydyf makes while writing.
        if content.endswith(b"\r\nendstream\nendobj"):
            content = content[:-len(b"\nendstream\nendobj")] + b"\r\nendstream\nendobj"
        write_line(content, output)

    pdf.write_line = write_line_with_unambiguous_eol
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
    """Lay out layouts[0]; while a table or image leaves the lines after it off the line grid, a table runs onto
    a new page without its 续表 mark or runs past the type area, lay out again with that corrected (at most a
    few passes: a document without tables or images is laid out once). The corrections apply to every layout."""
    fixes = Fixes()
    document = _lay_out(layouts[0])
    for _pass in range(MAX_GRID_PASSES):
        measured = _grid_measure(document, fixes)
        if measured.same_layout(fixes):
            break
        fixes = measured
        document = _lay_out(_with_fixes(layouts[0], fixes))
    if fixes:
        layouts = [_with_fixes(html, fixes) for html in layouts]
    return document, layouts


@dataclasses.dataclass
class Fixes:
    """What the grid passes correct: the margin under each marked block (pt), the (table, row) cuts where a
    table continues on a new page, each table's column widths (% of its width, measured before any cut), and
    the font size (pt) of a table set smaller to fit the type area."""

    margins: dict = dataclasses.field(default_factory=dict)
    splits: set = dataclasses.field(default_factory=set)
    columns: dict = dataclasses.field(default_factory=dict)
    fit: dict = dataclasses.field(default_factory=dict)
    shrink: dict = dataclasses.field(default_factory=dict)  # image block → max-height (pt) that fits the hole
    defer: dict = dataclasses.field(default_factory=dict)  # image block → paragraphs printed before it

    def __bool__(self):
        return bool(self.margins or self.splits or self.fit or self.shrink or self.defer)

    def same_layout(self, other):
        """True when a layout with `other` needs nothing more (column widths matter only once a table is cut)."""
        return ((self.margins, self.splits, self.fit, self.shrink, self.defer)
                == (other.margins, other.splits, other.fit, other.shrink, other.defer))


TABLE_SIZE_PT = 14
MIN_TABLE_SIZE_PT = 9
# An image that would leave more than this many empty lines at the foot of the page before it is set smaller
# to fit there (down to MIN_IMAGE_SHARE of its height), or else printed after the paragraph that follows it.
MAX_HOLE_LINES = 2
MIN_IMAGE_SHARE = 0.6
MAX_DEFERRED = 3


def _walk(page_box):
    """(box, nearest marked block around it) for the page's flow (not the end block's footnote area)."""
    stack = [(page_box.children[0], None)]
    while stack:
        box, marked = stack.pop()
        yield box, marked
        element = getattr(box, "element", None)
        name = element.get("data-grid") if element is not None else None
        if name and box.element_tag in {"table", "figure", "p", "div", "li", "blockquote"}:
            marked = name
        stack.extend((child, marked) for child in reversed(getattr(box, "children", ())))


def _grid_measure(document, fixes):
    """The fixes this layout asks for, on top of those it was laid out with."""
    bottoms, first_rows, columns, widest = {}, {}, dict(fixes.columns), {}
    content_bottom, page_tops, images, block_heights = {}, {}, {}, {}
    for number, page in enumerate(document.pages):
        page_box = page._page_box
        right_edge = page_box.content_box_x() + page_box.width
        top = page_box.content_box_y()
        seen_on_page = set()
        for box, marked in _walk(page_box):
            if isinstance(box, boxes.LineBox | boxes.ReplacedBox | boxes.TableRowBox):
                if box.height:
                    content_bottom[number] = max(content_bottom.get(number, top), box.position_y + box.margin_height())
                    page_tops.setdefault(number, (box.position_y, marked))
            if isinstance(box, boxes.ReplacedBox) and marked:
                images[marked] = (number, box.height)
            element = getattr(box, "element", None)
            if element is None:
                continue
            name = element.get("data-grid")
            if name and box.element_tag in {"table", "figure", "p", "div", "li", "blockquote"}:
                bottom = box.position_y + box.margin_top + box.border_height()
                if name not in bottoms or (number, bottom) > bottoms[name]:
                    bottoms[name] = (number, bottom)
                block_heights.setdefault((number, name), box.margin_height())
                if isinstance(box, boxes.TableBox):
                    base = "-".join(name.split("-")[:2])
                    total = sum(box.column_widths) or 1
                    if base == name and base not in columns:
                        columns[base] = [round(100 * width / total, 2) for width in box.column_widths]
                    overflow = box.position_x + box.border_width() - right_edge
                    if overflow > 0.5:
                        widest[base] = max(widest.get(base, 0), box.border_width() / (box.border_width() - overflow))
            row = element.get("data-row")
            if row is not None and box.element_tag == "tr" and marked and (marked, number) not in seen_on_page:
                seen_on_page.add((marked, number))
                first_rows.setdefault(marked, []).append((number, int(row)))
    margins = {}
    for name, (_page, bottom) in bottoms.items():
        offset = (bottom - TYPE_AREA_TOP_PX) % PITCH_PX
        gap = (PITCH_PX - offset) % PITCH_PX
        if gap < 0.05 or PITCH_PX - gap < 0.05:
            gap = 0
        if gap < MIN_GAP_PX:
            gap += PITCH_PX
        margins[name] = round(gap / PX_PER_PT, 2)
    splits = fixes.splits | {(table, row) for table, pages in first_rows.items()
                             for _number, row in pages[1:] if row > 0}
    fit = dict(fixes.fit)
    for table, ratio in widest.items():
        size = fit.get(table, TABLE_SIZE_PT) / ratio
        fit[table] = max(MIN_TABLE_SIZE_PT, int(size * 2) / 2)
    shrink, defer = dict(fixes.shrink), dict(fixes.defer)
    type_bottom = TYPE_AREA_TOP_PX + 22 * PITCH_PX
    for name, (number, height) in images.items():
        first = page_tops.get(number)
        if not number or first is None or first[1] != name or number - 1 not in content_bottom:
            continue
        hole = type_bottom - content_bottom[number - 1]
        if hole <= MAX_HOLE_LINES * PITCH_PX + 1:
            continue
        block = block_heights.get((number, name), height)
        target = height - (block - hole) - 2
        if target >= MIN_IMAGE_SHARE * height and name not in shrink:
            shrink[name] = round(target / PX_PER_PT, 1)
        elif defer.get(name, 0) < MAX_DEFERRED:
            defer[name] = defer.get(name, 0) + 1
    return Fixes(margins, splits, columns, fit, shrink, defer)


def _with_fixes(html, fixes):
    """The print HTML with the grid margins and table sizes as a stylesheet and each continued table cut where it
    continues, the rest following a 续表 mark on the next page with the header row and column widths repeated."""
    for name, count in fixes.defer.items():
        html = _defer_block(html, name, count)
    for table, row in sorted(fixes.splits, key=lambda pair: pair[1]):
        html = _split_table(html, table, row, fixes.columns.get("-".join(table.split("-")[:2])))
    rules = "".join(f'.body [data-grid="{name}"] {{ margin-bottom: {margin}pt; }}\n'
                    for name, margin in sorted(fixes.margins.items()))
    rules += "".join(f'.body [data-grid="{name}"] img {{ max-height: {height}pt; }}\n'
                     for name, height in sorted(fixes.shrink.items()))
    for table, size in sorted(fixes.fit.items()):
        wrap = "white-space: normal; overflow-wrap: anywhere;" if size <= MIN_TABLE_SIZE_PT else ""
        rules += (f'.body [data-grid="{table}"], .body [data-grid^="{table}-"] {{ font-size: {size}pt; }}\n'
                  f'.body [data-grid="{table}"] :is(th, td), .body [data-grid^="{table}-"] :is(th, td) '
                  f"{{ padding: 1pt 2pt; {wrap} }}\n"
                  f'.body [data-grid="{table}"] :is(th, td) p, .body [data-grid^="{table}-"] :is(th, td) p '
                  f"{{ font-size: {size}pt; }}\n")
    return html.replace("</head>", f"<style>\n{rules}</style>\n</head>", 1)


def _element_end(html, start, tag):
    """The end of the element whose opening tag starts at `start` (figure and p: they do not nest here)."""
    end = html.find(f"</{tag}>", start)
    return -1 if end < 0 else end + len(tag) + 3


def _defer_block(html, name, count):
    """The image block moved after the `count` paragraphs that follow it (the text fills the hole before it)."""
    mark = html.find(f'data-grid="{name}"')
    start = html.rfind("<", 0, mark)
    tag = re.match(r"<(\w+)", html[start:]).group(1) if start >= 0 else ""
    if tag not in {"figure", "p"}:
        return html
    end = _element_end(html, start, tag)
    after = end
    for _paragraph in range(count):
        caption = re.match(r'\s*<p class="caption"', html[after:])
        if not re.match(r"\s*<p[\s>]", html[after:]) or caption:
            break
        after = _element_end(html, after, "p")
    if end < 0 or after <= end:
        return html
    return html[:start] + html[end:after] + html[start:end] + html[after:]


def _split_table(html, table, row, widths=None):
    start = html.find(f'data-grid="{table}"')
    if start < 0:
        return html
    opening = html.rfind("<table", 0, start)
    end = html.find("</table>", start)
    if opening < 0 or end < 0:
        return html
    end += len("</table>")
    return html[:opening] + print_body.split_table(html[opening:end], row, widths) + html[end:]


def _lay_out(html):
    install_justification()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=SafeURLFetcher()).render(font_config=font_config())


def install_justification():
    """Chinese inter-character justification (articles.printing.justify), installed before the first layout."""
    try:
        justify.install()
        fonts.install_synthetic_bold()
    except justify.UnsupportedWeasyPrint as exc:
        raise PdfRenderError(
            _("The print layout needs WeasyPrint %(needed)s, but this server has WeasyPrint %(found)s; nothing "
              "was changed. Ask the administrator to install the version in requirements.txt.")
            % {"needed": justify.WRITTEN_FOR, "found": exc}) from exc


def _is_blank(page):
    return page._page_box.page_type.blank


def unexpected_failure(exc):
    """What a user is told of a failure nobody foresaw: in their language, with the technical reason after it."""
    return _("The PDF could not be laid out because of an unexpected error; nothing was changed and the error "
             "has been logged for the administrator (%(error)s).") % {"error": str(exc) or type(exc).__name__}


FONT_SAMPLE = "地方志工作信息第一期（总第1期）ABC abc 123，。、：；“”《》—"
# The print sizes (templates/print/issue.css): end block and page numbers, body, titles, masthead.
FONT_SAMPLE_SIZES = (14, 16, 22, 36)


def prepare_font_config():
    """Load the fonts into this thread's FontConfiguration before forking, once, by laying out a sample.

    A child's font caches die with it, so without this every child would load and sort the CJK
    faces again (about a tenth of the CPU time of rendering the demo issue). The sample is fixed
    text in each role's stack at the print sizes, never an article. Loading the dropped fonts'
    @font-face rules here also keeps each child from copying the font files into a temporary
    folder of its own.
    """
    install_justification()  # once here, not in every child
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
