"""Importing a whole Word draft (.docx): an issue's articles, split at titles, bodies cleaned like any body.

mammoth (python-mammoth) turns the document into semantic HTML by paragraph styles: a "Title" or
"Heading 1" paragraph (标题, 标题 1 in a Chinese Word) starts an article, and the text up to the next
one is its body; "Heading 2/3/4" become the print layout's 一级/二级/三级 headings. Offices rarely use
those styles: they set a title by hand (方正小标宋 22 pt, centred), a 一、 heading in 黑体, a （一） in
楷体. So before mammoth reads the document, `DocumentLooks` reads those looks from the document's own
XML (python-docx: alignment, bold, size and East Asian font, relative to the body text's usual size)
and gives each such paragraph a style of ours that STYLE_MAP turns into the same markup: a title, a
heading, a centred or right-aligned paragraph, a 【栏目】 line, a （供稿单位） line; a table's first row
set in bold becomes its header row. The bodies then pass through articles.content.wordpaste (typed
一、/（一）/1. lines, alignment) and the allow-list on save. Pictures are checked and stored exactly like
an editor upload (articles.content.images); one that cannot be read is reported by number and left out.

Nothing about an upload is trusted (docs/security.md, "Importing a .docx"): the package is checked
before it is parsed (entries, inflated sizes, compression ratio, no macros), the parse runs within the
render budget (articles.printing.budget), every article is held to the body limits before anything is
stored, and a refused import leaves no file and no issue behind.
"""

import dataclasses
import io
import posixpath
import re
import zipfile

import lxml.etree
import lxml.html
import mammoth
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ckeditor_5.storage_utils import get_django_storage

from articles import services
from articles.content.images import ImageRejected, image_prepare
from articles.content.limits import body_errors
from articles.models import Article, Column, Issue, Series
from articles.printing.budget import BudgetMessages, run_within_budget
from articles.printing.engine import PdfRenderError
from articles.review.revisions import revision_record

# What a package may hold before it is parsed. mammoth's parse time grows quadratically with
# document.xml (measured here: 10 MB 4.8 s; issue 21: 32 MB 18 s, 64 MB 74 s) and its memory with it
# (xml.dom.minidom), so one part may inflate to MAX_PART_BYTES; zipfile never inflates an entry beyond
# the size its central directory declares (it stops there and fails the CRC), so the declared sizes are
# the real bound. A part above RATIO_FLOOR that deflated better than MAX_RATIO to 1 is a zip bomb:
# Word's XML compresses 5–15 to 1, text repeated for pages about 130 to 1, a bomb about 1,000 to 1.
MAX_BYTES = 20 * 2**20
MAX_ENTRIES = 1_000
MAX_PART_BYTES = 20 * 2**20
MAX_TOTAL_BYTES = 100 * 2**20
MAX_RATIO = 200
RATIO_FLOOR = 2**20
# Parts that hold macros, and the main part's content type of a macro-enabled document (.docm, .dotm).
MACRO_PART = "vbaproject.bin"
MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "ms-office.activex")
MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
OPC_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
OPC_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# No DTD, no entities, no network: the package's own small XML is read before anything else.
SAFE_XML = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

PARSE_BUDGET = BudgetMessages(
    timeout=gettext_lazy("Reading the Word document took longer than %(seconds)s seconds and was stopped. "
                         "Split the document and import the parts one by one."),
    memory=gettext_lazy("Reading the Word document needed more than %(megabytes)s MB of memory and was stopped. "
                        "Split the document and import the parts one by one."),
)
TITLE_STYLES = ("Title", "标题", "Heading 1", "标题 1")
HEADING_STYLES = {"Heading 2": "h2", "标题 2": "h2", "Heading 3": "h3", "标题 3": "h3",
                  "Heading 4": "h4", "标题 4": "h4"}


class Look:
    """What a paragraph is, read from how it looks: the style id it is given before mammoth reads it."""

    TITLE = "BulletinImportTitle"
    SUBTITLE = "BulletinImportSubtitle"
    H2 = "BulletinImportH2"
    H3 = "BulletinImportH3"
    H4 = "BulletinImportH4"
    COLUMN = "BulletinImportColumn"
    SOURCE = "BulletinImportSource"
    CENTER = "BulletinImportCenter"
    RIGHT = "BulletinImportRight"
    OMIT = "BulletinImportOmit"  # a published bulletin's masthead and 报/送/发 lines: the issue prints its own


STYLE_MAP = "\n".join([
    *(f"p[style-name='{name}'] => h1:fresh" for name in TITLE_STYLES),
    *(f"p[style-name='{name}'] => {tag}:fresh" for name, tag in HEADING_STYLES.items()),
    f"p.{Look.TITLE} => h1:fresh",
    f"p.{Look.SUBTITLE} => p.bulletin-subtitle:fresh",
    f"p.{Look.H2} => h2:fresh",
    f"p.{Look.H3} => h3:fresh",
    f"p.{Look.H4} => h4:fresh",
    f"p.{Look.COLUMN} => p.bulletin-column:fresh",
    f"p.{Look.SOURCE} => p.bulletin-source:fresh",
    f"p.{Look.CENTER} => p.bulletin-center:fresh",
    f"p.{Look.RIGHT} => p.bulletin-right:fresh",
    f"p.{Look.OMIT} => p.bulletin-omit:fresh",
])


def _damaged():
    return forms.ValidationError(_("This file is not a Word .docx document, or it is damaged."), code="damaged")


class DocxImportForm(forms.Form):
    series = forms.ModelChoiceField(Series.objects.all(), label=gettext_lazy("series"))
    issue_date = forms.DateField(label=gettext_lazy("issue date"), initial=timezone.localdate)
    document = forms.FileField(label=gettext_lazy("Word document (.docx)"))

    def clean_document(self):
        document = self.cleaned_data["document"]
        self.cleaned_data["content"] = upload_check(document)
        return document


def upload_check(document):
    """The bytes of an uploaded .docx, refused by its name, its size or its package before anything parses it."""
    if not document.name.lower().endswith(".docx"):
        raise forms.ValidationError(_("Choose a Word document saved as .docx (in Word: 另存为 → Word 文档)."))
    if document.size > MAX_BYTES:
        raise forms.ValidationError(_("The document is larger than %(size)s MB.") % {"size": MAX_BYTES // 2**20})
    content = document.read()
    package_check(content)
    return content


def package_check(content):
    """Refuse a package that is no .docx, would inflate beyond the limits, or carries macros; before any parse."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            entries = package.infolist()
            if len(entries) > MAX_ENTRIES:
                raise forms.ValidationError(
                    _("The document holds too many files (%(count)s, at most %(limit)s).")
                    % {"count": len(entries), "limit": MAX_ENTRIES}, code="limit")
            _check_sizes(entries)
            _check_no_macros(package, entries)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, lxml.etree.XMLSyntaxError, KeyError, ValueError,
            EOFError, OSError) as exc:
        raise _damaged() from exc


def _check_sizes(entries):
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > MAX_PART_BYTES:
            raise forms.ValidationError(
                _("A part of the document (%(name)s) is too large once unpacked (%(size)s MB, at most %(limit)s MB).")
                % {"name": entry.filename[:80], "size": _megabytes(entry.file_size),
                   "limit": _megabytes(MAX_PART_BYTES)}, code="limit")
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise forms.ValidationError(
                _("A part of the document (%(name)s) is compressed far better than any Word document "
                  "(%(ratio)s to 1, at most %(limit)s to 1): it looks like a zip bomb.")
                % {"name": entry.filename[:80], "ratio": entry.file_size // max(entry.compress_size, 1),
                   "limit": MAX_RATIO}, code="limit")
    if total > MAX_TOTAL_BYTES:
        raise forms.ValidationError(
            _("The document is too large once unpacked (%(size)s MB, at most %(limit)s MB).")
            % {"size": _megabytes(total), "limit": _megabytes(MAX_TOTAL_BYTES)}, code="limit")


def _check_no_macros(package, entries):
    """A macro-enabled document renamed .docx is refused by what it holds, whatever its name says."""
    macro = forms.ValidationError(
        _("This document contains macros (a macro-enabled .docm saved under a .docx name). In Word, save it "
          "as a plain Word document (另存为 → Word 文档) and import that."), code="macros")
    if any(posixpath.basename(entry.filename).lower() == MACRO_PART for entry in entries):
        raise macro
    types = lxml.etree.fromstring(package.read("[Content_Types].xml"), SAFE_XML)
    defaults = {el.get("Extension", "").lower(): el.get("ContentType", "") for el in types.iter(f"{OPC_TYPES}Default")}
    overrides = {el.get("PartName", "").lower(): el.get("ContentType", "") for el in types.iter(f"{OPC_TYPES}Override")}
    if any(kind in content_type.lower() for content_type in [*defaults.values(), *overrides.values()]
           for kind in MACRO_CONTENT_TYPES):
        raise macro
    # The main part is the one mammoth reads: the package's officeDocument relationship, or word/document.xml.
    main = "word/document.xml"
    if "_rels/.rels" in package.namelist():
        relationships = lxml.etree.fromstring(package.read("_rels/.rels"), SAFE_XML)
        main = next((el.get("Target", "").lstrip("/") for el in relationships.iter(f"{OPC_RELATIONSHIPS}Relationship")
                     if el.get("Type") == OFFICE_DOCUMENT), main)
    extension = posixpath.splitext(main)[1].lstrip(".").lower()
    if overrides.get("/" + main.lower(), defaults.get(extension)) not in MAIN_CONTENT_TYPES:
        raise _damaged()


def _megabytes(size):
    return f"{size / 2**20:.1f}".removesuffix(".0")


def _image_placeholder(number):
    """An address the allow-list keeps, as long as any stored image's, so the limits count it as it will be."""
    return f"{settings.MEDIA_URL}uploads/{number:032d}.webp"


def _placeholders():
    return re.compile(rf'src="{re.escape(settings.MEDIA_URL)}uploads/(\d{{32}})\.webp"')


# --- looks: titles, headings, alignment, 栏目 and 供稿单位 as offices type them ---------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# East Asian typefaces of a hand-set title (方正小标宋简体, 华文中宋, 方正大标宋) and of the two heading levels.
TITLE_FONTS = ("小标宋", "标宋", "中宋")
HEADING_FONTS = {"h2": ("黑体", "SimHei", "HeiTi"), "h3": ("楷体", "KaiTi", "楷書")}
NUMBERING = [
    ("h2", re.compile(r"^[一二三四五六七八九十百]+、")),
    ("h3", re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")),
    ("h4", re.compile(r"^\d{1,2}[.．](?!\d)")),
]
CAPTION = re.compile(r"^(表|图|附表|附图|附件)\s*\d")
COLUMN_LINE = re.compile(r"^【([^【】]{1,40})】$")
SOURCE_LINE = re.compile(r"^[（(]([^（）()]{2,98})[）)]$")
SUBTITLE_LINE = re.compile(r"^(——|—|--)")
# A whole published bulletin: its masthead (工作简报 in large type, 第1期, 编 and the date) before the first
# title, and its 报 / 送 / 发 and 共印 lines after the text.
MASTHEAD_NAME = re.compile(r"(简报|信息|动态|通讯|快报|情况)$")
MASTHEAD_LINE = re.compile(r"^([（(]?总?第\d+期|\d{4}年第\d+期|.*编.*\d{4}年\d{1,2}月\d{1,2}日$"
                           r"|[（(]?(内部资料|内部刊物|注意保存))")
END_LINE = re.compile(r"^([报送发]|抄送|抄报)[：:]|^[（(]?共印\d+份[）)]?$")
MASTHEAD_LARGER = 1.6  # 26 pt and more over 16 pt
TITLE_MAX = 100  # characters: a title set in two or three lines
HEADING_MAX = 100
LARGER = 1.15  # a title's size to the body text's: 22 pt (二号) or 18 pt (小二) over 16 pt (三号)
RIGHT = ("right", "end")


def _on(element):
    """A Word toggle property (<w:b/>, <w:b w:val="0"/>): True, False, or None when not set here."""
    if element is None:
        return None
    return element.get(f"{W}val", "true").lower() not in ("0", "false", "off", "none")


class DocumentLooks:
    """A .docx read with python-docx and its paragraphs given our styles by their looks (see Look)."""

    def __init__(self, content):
        import docx  # only the import needs it, in the parse's child

        self.document = docx.Document(io.BytesIO(content))
        self.styles = {style.get(f"{W}styleId"): style
                       for style in self.document.styles.element.iter(f"{W}style")}
        defaults = self.document.styles.element.find(f"{W}docDefaults")
        self.default_rpr = defaults.find(f"{W}rPrDefault/{W}rPr") if defaults is not None else None
        self.body = self.document.element.body

    # --- effective properties: the run, its character style, the paragraph's style, the document's defaults

    def _chain(self, style_id):
        seen = set()
        while style_id and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            yield self.styles[style_id]
            based = self.styles[style_id].find(f"{W}basedOn")
            style_id = based.get(f"{W}val") if based is not None else None

    def _style_id(self, paragraph):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        return style.get(f"{W}val") if style is not None else None

    def style_name(self, paragraph):
        style = self.styles.get(self._style_id(paragraph))
        name = style.find(f"{W}name") if style is not None else None
        return name.get(f"{W}val") if name is not None else ""

    def _run_property(self, run, paragraph, read):
        run_style = run.find(f"{W}rPr/{W}rStyle")
        sources = [run.find(f"{W}rPr")]
        sources += [s.find(f"{W}rPr") for s in self._chain(run_style.get(f"{W}val") if run_style is not None else None)]
        sources += [s.find(f"{W}rPr") for s in self._chain(self._style_id(paragraph))]
        sources.append(self.default_rpr)
        for properties in sources:
            if properties is not None and (value := read(properties)) is not None:
                return value
        return None

    @staticmethod
    def _size(properties):
        size = properties.find(f"{W}sz")
        value = size.get(f"{W}val", "") if size is not None else ""
        return int(value) / 2 if value.isdigit() else None

    @staticmethod
    def _bold(properties):
        return _on(properties.find(f"{W}b"))

    @staticmethod
    def _font(properties):
        fonts = properties.find(f"{W}rFonts")
        if fonts is None:
            return None
        return fonts.get(f"{W}eastAsia") or fonts.get(f"{W}ascii") or None

    def alignment(self, paragraph):
        styles = self._chain(self._style_id(paragraph))
        for properties in [paragraph.find(f"{W}pPr"), *(style.find(f"{W}pPr") for style in styles)]:
            jc = properties.find(f"{W}jc") if properties is not None else None
            if jc is not None:
                return jc.get(f"{W}val", "")
        return ""

    @staticmethod
    def text(paragraph):
        parts = []
        for element in paragraph.iter(f"{W}t", f"{W}br", f"{W}tab"):
            if any(ancestor.tag in (f"{W}del", f"{W}instrText") for ancestor in element.iterancestors()):
                continue
            parts.append(element.text or "" if element.tag == f"{W}t" else "\n" if element.tag == f"{W}br" else " ")
        return "".join(parts)

    def look(self, paragraph):
        """(size, bold, font) covering most of the paragraph's characters."""
        weights = {}
        for run in paragraph.iter(f"{W}r"):
            chars = len("".join(t.text or "" for t in run.iter(f"{W}t")).strip())
            if not chars:
                continue
            key = (self._run_property(run, paragraph, self._size), bool(self._run_property(run, paragraph, self._bold)),
                   self._run_property(run, paragraph, self._font) or "")
            weights[key] = weights.get(key, 0) + chars
        return max(weights, key=weights.get) if weights else (None, False, "")

    # --- what each paragraph is

    def mark(self):
        """Give the paragraphs and tables their looks; return the .docx bytes mammoth then reads."""
        paragraphs = [p for p in self.body.iterchildren(f"{W}p")]
        sizes = {}
        for paragraph in paragraphs:
            size, _bold, _font = self.look(paragraph)
            if size:
                sizes[size] = sizes.get(size, 0) + len(self.text(paragraph).strip())
        body_size = max(sizes, key=sizes.get) if sizes else None
        previous, masthead, titled = None, False, False
        for paragraph in paragraphs:
            text = self.text(paragraph).strip()
            if not text:
                continue
            look = self._end_or_masthead(paragraph, text, body_size, masthead=masthead, titled=titled) \
                or self._classify(paragraph, text, body_size, previous)
            masthead = masthead or (look == Look.OMIT and not titled)
            if look:
                self._set_style(paragraph, look)
            previous = look or (Look.TITLE if self.style_name(paragraph) in TITLE_STYLES else None)
            titled = titled or previous == Look.TITLE
        for table in self.body.iter(f"{W}tbl"):
            self._mark_header_row(table)
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()

    def _end_or_masthead(self, paragraph, text, body_size, *, masthead, titled):
        """Look.OMIT for a published bulletin's masthead (before the first title) and its closing lines."""
        flat = re.sub(r"\s+", "", text)
        if titled:
            return Look.OMIT if END_LINE.match(flat) else None
        size = self.look(paragraph)[0]
        if not masthead and MASTHEAD_NAME.search(flat) and size and body_size and size >= body_size * MASTHEAD_LARGER:
            return Look.OMIT
        return Look.OMIT if masthead and MASTHEAD_LINE.match(flat) else None

    def _classify(self, paragraph, text, body_size, previous):
        name = self.style_name(paragraph)
        if name in TITLE_STYLES or name in HEADING_STYLES:
            return None  # mammoth maps Word's own styles
        flat = re.sub(r"\s+", "", text)
        alignment = self.alignment(paragraph)
        size, bold, font = self.look(paragraph)
        if COLUMN_LINE.match(flat):
            return Look.COLUMN
        if SOURCE_LINE.match(flat) and (alignment in RIGHT or flat.endswith("供稿）")):
            return Look.SOURCE
        if previous == Look.TITLE and SUBTITLE_LINE.match(flat) and len(flat) <= TITLE_MAX:
            return Look.SUBTITLE
        for level, pattern in NUMBERING:
            if pattern.match(flat):
                if len(flat) <= HEADING_MAX and (bold or any(f in font for f in HEADING_FONTS.get(level, ()))):
                    return {"h2": Look.H2, "h3": Look.H3, "h4": Look.H4}[level]
                return self._aligned(alignment)
        larger = bool(size and body_size and size >= body_size * LARGER)
        title_font = any(f in font for f in TITLE_FONTS)
        if (len(flat) <= TITLE_MAX and not CAPTION.match(flat) and not flat.endswith("。")
                and ((alignment == "center" and (larger or title_font)) or (larger and title_font))):
            return Look.TITLE
        return self._aligned(alignment)

    @staticmethod
    def _aligned(alignment):
        return Look.CENTER if alignment == "center" else Look.RIGHT if alignment in RIGHT else None

    @staticmethod
    def _set_style(paragraph, style_id):
        properties = paragraph.find(f"{W}pPr")
        if properties is None:
            properties = lxml.etree.Element(f"{W}pPr")
            paragraph.insert(0, properties)
        style = properties.find(f"{W}pStyle")
        if style is None:
            style = lxml.etree.Element(f"{W}pStyle")
            properties.insert(0, style)
        style.set(f"{W}val", style_id)

    def _mark_header_row(self, table):
        """A first row set in bold or shaded, over at least one more row, is the table's header row."""
        rows = table.findall(f"{W}tr")
        if len(rows) < 2 or rows[0].find(f"{W}trPr/{W}tblHeader") is not None:
            return
        cells = rows[0].findall(f"{W}tc")
        runs = [(run, paragraph) for paragraph in rows[0].iter(f"{W}p") for run in paragraph.iter(f"{W}r")
                if "".join(t.text or "" for t in run.iter(f"{W}t")).strip()]
        bold = bool(runs) and all(self._run_property(run, paragraph, self._bold) for run, paragraph in runs)
        shaded = bool(cells) and all(
            (shading := cell.find(f"{W}tcPr/{W}shd")) is not None
            and shading.get(f"{W}fill", "auto").lower() not in ("auto", "ffffff", "none") for cell in cells)
        if not (bold or shaded):
            return
        properties = rows[0].find(f"{W}trPr")
        if properties is None:
            properties = lxml.etree.Element(f"{W}trPr")
            position = 1 if rows[0].find(f"{W}tblPrEx") is not None else 0
            rows[0].insert(position, properties)
        lxml.etree.SubElement(properties, f"{W}tblHeader")


def docx_marked(content):
    """The .docx with its paragraphs given our styles by their looks; as it was when its looks cannot be read."""
    try:
        return DocumentLooks(content).mark()
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - the looks are a help: mammoth still reads the styles
        return content


@dataclasses.dataclass
class ImportedArticle:
    """One article found in the document: its title lines, body HTML, and what was read around them."""

    title: str
    body: str
    subtitle: str = ""
    source: str = ""  # 供稿单位, without brackets
    column: str = ""  # 栏目 as typed, without 【】; kept only when the issue's series has it


@dataclasses.dataclass
class Conversion:
    """What the parse gives: articles (title, body with image placeholders), or why the document is refused."""

    articles: list = dataclasses.field(default_factory=list)
    images: dict = dataclasses.field(default_factory=dict)  # number → (file name, bytes) of each image to store
    problems: list = dataclasses.field(default_factory=list)  # images left out, said as warnings
    refusals: list = dataclasses.field(default_factory=list)  # the limits the articles exceed


def docx_convert(content):
    """Conversion of the bytes of a checked .docx: parsed, split, held to the body limits, images prepared.

    Runs in the budget's child: nothing here stores a file or touches the database.
    """
    found = {}

    def collect_image(image):
        number = len(found) + 1
        with image.open() as stream:
            found[number] = stream.read()  # bounded by the package check (MAX_PART_BYTES, MAX_TOTAL_BYTES)
        return {"src": _image_placeholder(number)}

    try:
        result = mammoth.convert_to_html(io.BytesIO(docx_marked(content)), style_map=STYLE_MAP,
                                         convert_image=mammoth.images.img_element(collect_image))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - any unreadable document gets the same answer
        return Conversion(refusals=[str(_damaged().message)])
    omitted = []
    conversion = Conversion(articles=_articles(result.value, omitted))
    if omitted:
        conversion.problems.append(_("The bulletin's masthead and its 报 / 送 / 发 lines were left out, since the "
                                     "issue prints its own: %(lines)s") % {"lines": "；".join(omitted)[:300]})
    for position, article in enumerate(conversion.articles, start=1):
        for error in body_errors(article.body):
            conversion.refusals.append(_("Article %(number)s (%(title)s): %(problem)s") % {
                "number": position, "title": article.title.replace("\n", " ")[:40],
                "problem": ValidationError(error).messages[0]})
    if conversion.refusals:
        return conversion
    left_out = set()
    for number, data in found.items():
        try:
            prepared = image_prepare(_Upload(data, f"docx-image-{number}"))
        except ImageRejected as exc:
            conversion.problems.append(_("Image %(number)s was left out: %(why)s") % {"number": number, "why": exc})
            left_out.add(number)
        else:
            conversion.images[number] = (prepared.name, prepared.read())
    if left_out:
        unkept = re.compile(r"<img[^>]*" + _placeholders().pattern + r"[^>]*>")
        for article in conversion.articles:
            article.body = unkept.sub(lambda match: "" if int(match[1]) in left_out else match[0], article.body)
    return conversion


# mammoth's classes (STYLE_MAP) as the allow-list's alignment
ALIGNED_CLASSES = {"bulletin-center": "center", "bulletin-subtitle": "center", "bulletin-right": "right",
                   "bulletin-source": "right"}


def _articles(html, omitted):
    """[ImportedArticle]: a new article at each h1 (consecutive ones are one title's lines), a 【栏目】 line
    applying to the articles after it, a （供稿单位） line ending an article its source. The text of the
    lines left out (a masthead, 报/送/发) is appended to `omitted`."""
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    articles, column, current, pending_column = [], "", None, None

    def keep_unapplied(element):
        """A 【栏目】 line no article followed is text after all: kept as an article of its own, never lost."""
        if element is not None:
            element.attrib.pop("class", None)
            articles.append(ImportedArticle(title=_("Untitled article"), subtitle="", body=_html(element),
                                            source="", column=""))

    def close():
        if current is None or (current["title"] is None and not current["body"]):
            return
        body = current["body"]
        source = ""
        if body and body[-1].get("class") == "bulletin-source":
            source = SOURCE_LINE.match(_flat(body.pop()))[1][:100]
        articles.append(ImportedArticle(
            title="\n".join(current["title"] or [_("Untitled article")])[:500], subtitle=current["subtitle"][:200],
            body="".join(_html(element) for element in body), source=source, column=current["column"]))

    for element in root:
        kind = element.get("class", "")
        if kind == "bulletin-omit":
            omitted.append(" ".join(element.text_content().split()))
            continue
        if element.tag == "h1":
            lines = _title_lines(element)
            if current is not None and not current["body"] and not current["subtitle"] and lines:
                current["title"] = [*(current["title"] or []), *lines]  # a title set in two paragraphs
                continue
            close()
            current = {"title": lines or None, "subtitle": "", "body": [], "column": column}
            pending_column = None
        elif kind == "bulletin-column":
            close()
            keep_unapplied(pending_column)
            column, current, pending_column = COLUMN_LINE.match(_flat(element))[1], None, element
        elif kind == "bulletin-subtitle" and current is not None and current["title"] and not current["body"] \
                and not current["subtitle"]:
            current["subtitle"] = " ".join(element.text_content().split())
        else:
            if current is None:
                current = {"title": None, "subtitle": "", "body": [], "column": column}
            current["body"].append(element)
            pending_column = None
    close()
    keep_unapplied(pending_column)
    return articles


def _flat(element):
    return re.sub(r"\s+", "", element.text_content())


def _title_lines(element):
    """A title's lines: Word's manual line breaks (Shift+Enter) kept as the title's line breaks."""
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return [" ".join(line.split()) for line in element.text_content().splitlines() if line.strip()]


def _html(element):
    """An element as the body keeps it: our classes become the alignment the allow-list keeps."""
    alignment = ALIGNED_CLASSES.get(element.attrib.pop("class", ""))
    if element.tag in ("h2", "h3", "h4"):
        for bold in element.findall(".//strong"):
            bold.drop_tag()  # a heading's weight comes from its level in the layout
    if alignment:
        element.set("style", f"text-align:{alignment}")
    return lxml.html.tostring(element, encoding="unicode")


class _Upload(io.BytesIO):
    """Bytes that image_prepare can read like an uploaded file."""

    def __init__(self, data, name):
        super().__init__(data)
        self.size, self.name = len(data), name


def docx_articles(content):
    """([ImportedArticle], [problem messages], [stored file names]) from a checked .docx, its images stored.

    Raises forms.ValidationError, with every reason, when the document cannot be imported; then nothing is stored.
    """
    try:
        conversion = run_within_budget(docx_convert, content, messages=PARSE_BUDGET)
    except PdfRenderError as exc:
        raise forms.ValidationError(str(exc), code="budget") from exc
    if conversion.refusals:
        raise forms.ValidationError(conversion.refusals, code="limit")
    storage, stored = get_django_storage(), {}
    try:
        for number, (name, data) in conversion.images.items():
            stored[number] = storage.save(name, ContentFile(data, name=name))
    except BaseException:
        delete_stored(stored.values())
        raise

    def address(match):
        return f'src="{storage.url(stored[int(match[1])])}"'

    placeholder = _placeholders()
    for article in conversion.articles:
        article.body = placeholder.sub(address, article.body)
    return conversion.articles, conversion.problems, list(stored.values())


def delete_stored(names):
    storage = get_django_storage()
    for name in names:
        storage.delete(name)


class DocxImportIntoIssueForm(DocxImportForm):
    """The same upload for an existing draft: its series, dates, recipients and print run stay as they are."""

    series = None
    issue_date = None


class DocxImport:
    """The admin pages "从 Word 导入": upload a .docx, get a new draft with its articles, or append them to a draft."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def urls(self):
        wrap = self.model_admin.admin_site.admin_view
        return [path("import/", wrap(self.view), name="articles_issue_import"),
                path("<int:pk>/import/", wrap(self.view), name="articles_issue_import_into")]

    def view(self, request, pk=None):
        issue = None
        if pk is None:
            if not self.model_admin.has_add_permission(request):
                raise PermissionDenied
            form = DocxImportForm(request.POST or None, request.FILES or None)
        else:
            issue = get_object_or_404(Issue.objects.select_related("series"), pk=pk)
            if not self.model_admin.has_change_permission(request, issue):  # a draft, by someone who may change it
                raise PermissionDenied
            form = DocxImportIntoIssueForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                issue, found, problems = self._import(request.user, {**form.cleaned_data, "issue": issue})
            except forms.ValidationError as exc:
                form.add_error("document", exc)
            else:
                for problem in problems:
                    messages.warning(request, problem)
                done = (_("Imported %(count)s articles from %(name)s into a new draft; check the titles and the "
                          "text, then save.") if pk is None else
                        _("Imported %(count)s articles from %(name)s after this issue's articles; check the titles "
                          "and the text, then save."))
                messages.success(request, done % {"count": len(found), "name": form.cleaned_data["document"].name})
                return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[issue.pk]))
        context = {**self.model_admin.admin_site.each_context(request), "form": form, "issue": issue,
                   "title": _("Import a Word document") if issue is None else
                   _("Import a Word document into %(issue)s") % {"issue": issue},
                   "opts": self.model_admin.model._meta}
        # A refused document is a client error, with the reasons on the form.
        return TemplateResponse(request, "admin/articles/issue/import_docx.html", context,
                                status=400 if form.errors else 200)

    def _import(self, user, data):
        """(issue, articles, problems); a refusal or a failure leaves neither the issue nor any image behind."""
        found, problems, stored = docx_articles(data["content"])
        try:
            issue = self._create(user, data, found)
        except ValidationError as exc:  # a body only just within the limits before its images had addresses
            delete_stored(stored)
            raise forms.ValidationError(exc.messages) from exc
        except BaseException:
            delete_stored(stored)
            raise
        return issue, found, problems

    @staticmethod
    @transaction.atomic
    def _create(user, data, found):
        """A new draft holding `found`, or data["issue"] with `found` after its articles; recorded as a revision."""
        if data.get("issue") is None:
            issue = services.issue_create(actor=user, series=data["series"], issue_date=data["issue_date"],
                                          print_date=data["issue_date"])
            after = 0
        else:
            issue = Issue.objects.select_for_update().select_related("series").get(pk=data["issue"].pk)
            if issue.status != Issue.Status.DRAFT:
                raise ValidationError(_("This issue is no longer a draft; nothing was imported."), code="state")
            after = issue.articles.aggregate(n=Max("position"))["n"] or 0
        columns = {column.name: column for column in Column.objects.filter(series_id=issue.series_id)}
        for position, imported in enumerate(found, start=after + 1):
            column = columns.get(imported.column)
            body = imported.body
            if imported.column and column is None:  # no such 栏目 in this series: the line stays as text
                body = format_html("<p>【{}】</p>", imported.column) + body
            Article.objects.create(issue=issue, position=position, title=imported.title, subtitle=imported.subtitle,
                                   body=body, source=imported.source, column=column)
        if data.get("issue") is None:
            services.issue_address_as_usual(issue=issue)
        revision_record(issue, actor=user)
        return issue
