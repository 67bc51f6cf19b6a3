"""The issued PDF as an OFD package (GB/T 33190-2016), built from the PDF's own pages, fonts and outline.

Nothing is laid out a second time: every glyph, rule and image is read back from the PDF that was issued
(pdfplumber for positions, sizes and colours; pikepdf for the embedded font programs, images and the
outline) and written at the same place in millimetres. See docs/ofd.md.
"""

import dataclasses
import hashlib
import io
import zipfile

import pdfplumber
import pikepdf
from lxml import etree

from articles.printing.integrity import PdfProblem, file_problem

NS = "http://www.ofdspec.org/2016"
PT_TO_MM = 25.4 / 72
# Zip entries carry this time, so the same PDF always gives the same OFD bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
IMAGE_FORMATS = {".jpg": "JPEG", ".png": "PNG", ".jp2": "JPEG2000", ".tif": "TIFF"}
IMAGE_ERRORS = (pikepdf.PdfError, pikepdf.models.image.UnsupportedImageTypeError, NotImplementedError, ValueError,
                OSError, KeyError)
FONT_SUFFIXES = {"/FontFile2": "ttf", "/OpenType": "otf", "/CIDFontType0C": "cff", "/Type1C": "cff"}


class OfdError(Exception):
    """The PDF could not be turned into an OFD package; the message says why."""


@dataclasses.dataclass
class OfdMetadata:
    """What OFD.xml's DocInfo says of the document."""

    title: str
    author: str = ""
    creation_date: object = None  # a date
    custom: dict = dataclasses.field(default_factory=dict)


def _e(tag, attrs=None, *children, text=None):
    element = etree.Element(f"{{{NS}}}{tag}", nsmap={"ofd": NS})
    for key, value in (attrs or {}).items():
        if value is not None:
            element.set(key, value)
    element.extend(child for child in children if child is not None)
    if text is not None:
        element.text = text
    return element


def _n(value):
    """A length in mm as OFD writes it: at most three decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _mm(points):
    return points * PT_TO_MM


def _box(x, y, width, height):
    return " ".join(_n(v) for v in (x, y, width, height))


def _color(value):
    """A pdfplumber colour (gray, RGB or CMYK in 0–1) as OFD's RGB Value; None for no colour or a pattern."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, (int, float)):
        value = (value,)
    try:
        components = [float(c) for c in value]
    except (TypeError, ValueError):
        return None
    if len(components) == 1:
        components *= 3
    elif len(components) == 4:
        c, m, y, k = components
        components = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    elif len(components) != 3:
        return None
    return " ".join(str(round(min(max(c, 0.0), 1.0) * 255)) for c in components)


def _xml(element):
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def _clean(text):
    # XML 1.0 cannot carry most control characters; a glyph mapped to one prints nothing anyway.
    return "".join(c for c in text if c >= " " or c in "\t\n\r")


class _Ids:
    def __init__(self):
        self.last = 0

    def __call__(self):
        self.last += 1
        return self.last


class OfdWriter:
    """Reads one PDF and writes its OFD package: `OfdWriter(pdf_bytes, metadata).write()` returns the bytes."""

    doc_root = "Doc_0"

    def __init__(self, pdf_bytes, metadata):
        self.pdf_bytes = pdf_bytes
        self.metadata = metadata
        self.ids = _Ids()
        self.files = {}  # path in the package -> bytes
        self.fonts = {}  # PDF BaseFont name -> (ID, Font element)
        self.styles = {}  # font ID -> (Weight, Italic) for its TextObjects
        self.media = []  # MultiMedia elements
        self.page_ids = []

    # --- the package -------------------------------------------------------------------------------------

    def write(self):
        try:
            pike = pikepdf.open(io.BytesIO(self.pdf_bytes))
            plumber = pdfplumber.open(io.BytesIO(self.pdf_bytes))
        except Exception as exc:  # pikepdf and pdfminer raise many kinds on a damaged file
            raise OfdError(f"the PDF cannot be read: {exc}") from exc
        with pike, plumber:
            self._collect_fonts(pike)
            page_sizes = []
            for index, (pike_page, page) in enumerate(zip(pike.pages, plumber.pages, strict=True)):
                page_id = self.ids()
                self.page_ids.append(page_id)
                page_sizes.append((float(page.width), float(page.height)))
                self.files[f"{self.doc_root}/Pages/Page_{index}/Content.xml"] = _xml(
                    self._page(page, pike_page, page_sizes[-1]))
            outlines = self._outlines(pike)
        if not page_sizes:
            raise OfdError("the PDF has no pages")
        self.files[f"{self.doc_root}/PublicRes.xml"] = _xml(
            _e("Res", {"BaseLoc": "Res"}, _e("Fonts", None, *(font for _id, font in self.fonts.values()))
               if self.fonts else None))
        self.files[f"{self.doc_root}/DocumentRes.xml"] = _xml(
            _e("Res", {"BaseLoc": "Res"}, _e("MultiMedias", None, *self.media) if self.media else None))
        self.files[f"{self.doc_root}/Document.xml"] = _xml(self._document(page_sizes, outlines))
        self.files["OFD.xml"] = _xml(self._ofd())
        buffer = io.BytesIO()
        # Level 1: the fonts are most of the bytes; it packs them to 28 % in two thirds of level 6's time.
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            for name in ["OFD.xml", *sorted(n for n in self.files if n != "OFD.xml")]:
                info = zipfile.ZipInfo(name, ZIP_TIME)
                package.writestr(info, self.files[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
        return buffer.getvalue()

    def _ofd(self):
        meta = self.metadata
        info = [
            _e("DocID", text=hashlib.sha256(self.pdf_bytes).hexdigest()[:32]),
            _e("Title", text=_clean(meta.title)),
            _e("Author", text=_clean(meta.author)) if meta.author else None,
            _e("CreationDate", text=meta.creation_date.isoformat()) if meta.creation_date else None,
            _e("Creator", text="bulletin_cms"),
        ]
        if meta.custom:
            info.append(_e("CustomDatas", None, *(
                _e("CustomData", {"Name": name}, text=_clean(str(value))) for name, value in meta.custom.items())))
        return _e("OFD", {"Version": "1.0", "DocType": "OFD"},
                  _e("DocBody", None, _e("DocInfo", None, *info),
                     _e("DocRoot", text=f"{self.doc_root}/Document.xml")))

    def _document(self, page_sizes, outlines):
        width, height = page_sizes[0]
        return _e(
            "Document", None,
            _e("CommonData", None,
               _e("MaxUnitID", text=str(self.ids.last)),
               _e("PageArea", None, _e("PhysicalBox", text=_box(0, 0, _mm(width), _mm(height)))),
               _e("PublicRes", text="PublicRes.xml"),
               _e("DocumentRes", text="DocumentRes.xml")),
            _e("Pages", None, *(
                _e("Page", {"ID": str(page_id), "BaseLoc": f"Pages/Page_{index}/Content.xml"})
                for index, page_id in enumerate(self.page_ids))),
            _e("Outlines", None, *outlines) if outlines else None,
        )

    # --- fonts --------------------------------------------------------------------------------------------

    def _collect_fonts(self, pike):
        for page in pike.pages:
            fonts = page.obj.get("/Resources", {}).get("/Font", {})
            for font in fonts.values():
                base = str(font.get("/BaseFont", "")).lstrip("/")
                if base and base not in self.fonts:
                    self.fonts[base] = self._font(base, font)

    def _font(self, base, font):
        font_id = self.ids()
        descendant = font["/DescendantFonts"][0] if "/DescendantFonts" in font else font
        descriptor = descendant.get("/FontDescriptor", {})
        name = base.split("+", 1)[-1]
        family = descriptor.get("/FontFamily")
        flags = int(descriptor.get("/Flags", 0))
        bold = float(descriptor.get("/FontWeight", 400)) >= 600 or "Bold" in name
        weight = min(max(int(round(float(descriptor.get("/FontWeight", 700 if bold else 400)), -2)), 100), 900)
        # Readers that draw with a system font of the family (ofd.js) take the weight from the TextObject.
        self.styles[font_id] = (str(weight) if weight != 400 else None, "true" if flags & 64 else None)
        element = _e("Font", {
            "ID": str(font_id), "FontName": name,
            "FamilyName": _clean(str(family)) if family is not None else name.split("-Bold")[0].replace("-", " "),
            "Bold": "true" if bold else None,
            "Italic": self.styles[font_id][1],
            "Serif": "true" if flags & 2 else None,
            "FixedWidth": "true" if flags & 1 else None,
        })
        for key in ("/FontFile2", "/FontFile3", "/FontFile"):
            stream = descriptor.get(key)
            if stream is None:
                continue
            subtype = str(stream.get("/Subtype", key)) if key == "/FontFile3" else key
            suffix = FONT_SUFFIXES.get(subtype)
            if suffix:
                file_name = f"font_{font_id}.{suffix}"
                self.files[f"{self.doc_root}/Res/{file_name}"] = stream.read_bytes()
                element.append(_e("FontFile", text=file_name))
            break
        return font_id, element

    # --- pages --------------------------------------------------------------------------------------------

    def _page(self, page, pike_page, size):
        width, height = size
        objects = [*self._paths(page, height), *self._images(page, pike_page, height), *self._texts(page, height)]
        return _e("Page", None, _e("Content", None, _e("Layer", {"ID": str(self.ids()), "Type": "Body"}, *objects)))

    def _texts(self, page, height):
        run = []
        for char in page.chars:
            if run and not self._continues(run, char):
                yield self._text_object(run, height)
                run = []
            run.append(char)
        if run:
            yield self._text_object(run, height)

    @staticmethod
    def _key(char):
        return (char["fontname"], round(char["size"], 3), char.get("non_stroking_color"), char.get("upright"),
                round(char["matrix"][5], 2), char["matrix"][:4])

    def _continues(self, run, char):
        last = run[-1]
        return self._key(last) == self._key(char) and char["matrix"][4] >= last["matrix"][4]

    def _text_object(self, run, height):
        first = run[0]
        font_id = self.fonts[first["fontname"]][0] if first["fontname"] in self.fonts else None
        if font_id is None:  # a Type 3 or otherwise unnamed font: still carry the text
            font_id = self._fallback_font(first["fontname"])
        baseline = _mm(height - first["matrix"][5])
        left = _mm(min(c["x0"] for c in run))
        top = min(_mm(min(c["top"] for c in run)), baseline - _mm(first["size"]))
        right = _mm(max(c["x1"] for c in run))
        bottom = max(_mm(max(c["bottom"] for c in run)), baseline + _mm(first["size"]) * 0.3)
        # Each origin rounded once, the deltas taken between rounded origins: no error adds up along a line.
        origins = [round(_mm(char["matrix"][4]) - left, 3) for char in run]
        text, deltas = [], []
        for i, char in enumerate(run):
            codes = _clean(char["text"])
            if i:
                deltas.append(_n(origins[i] - origins[i - 1]))
                deltas.extend("0" for _ in range(max(len(text[-1]) - 1, 0)))
            text.append(codes)
        code = _e("TextCode", {"X": _n(origins[0]), "Y": _n(baseline - top),
                               "DeltaX": " ".join(deltas) if deltas else None}, text="".join(text))
        color = _color(first.get("non_stroking_color"))
        weight, italic = self.styles.get(font_id, (None, None))
        return _e("TextObject", {"ID": str(self.ids()), "Boundary": _box(left, top, right - left, bottom - top),
                                 "Font": str(font_id), "Size": _n(_mm(first["size"])),
                                 "Weight": weight, "Italic": italic},
                  _e("FillColor", {"Value": color}) if color and color != "0 0 0" else None, code)

    def _fallback_font(self, fontname):
        key = f"fallback:{fontname}"
        if key not in self.fonts:
            font_id = self.ids()
            name = fontname.split("+")[-1] or "SimSun"
            self.fonts[key] = (font_id, _e("Font", {"ID": str(font_id), "FontName": name}))
        return self.fonts[key][0]

    def _paths(self, page, height):
        for shape in [*page.rects, *page.lines, *page.curves]:
            points = shape.get("pts") or []
            if shape["object_type"] == "rect":
                points = [(shape["x0"], shape["top"]), (shape["x1"], shape["top"]),
                          (shape["x1"], shape["bottom"]), (shape["x0"], shape["bottom"])]
            if len(points) < 2:
                continue
            fill = bool(shape.get("fill")) and shape["object_type"] != "line"
            stroke = bool(shape.get("stroke"))
            if not (fill or stroke):
                continue
            line_width = _mm(float(shape.get("linewidth") or 0))
            pad = line_width / 2
            left = _mm(min(x for x, _y in points)) - pad
            top = _mm(min(y for _x, y in points)) - pad
            right = _mm(max(x for x, _y in points)) + pad
            bottom = _mm(max(y for _x, y in points)) + pad
            data = " ".join(f"{'M' if i == 0 else 'L'} {_n(_mm(x) - left)} {_n(_mm(y) - top)}"
                            for i, (x, y) in enumerate(points))
            if shape["object_type"] == "rect" or (fill and shape.get("closed", True)):
                data += " C"
            stroke_color, fill_color = _color(shape.get("stroking_color")), _color(shape.get("non_stroking_color"))
            yield _e("PathObject", {
                "ID": str(self.ids()), "Boundary": _box(left, top, max(right - left, 0.001), max(bottom - top, 0.001)),
                "LineWidth": _n(line_width) if stroke else None,
                "Stroke": "true" if stroke else "false", "Fill": "true" if fill else "false",
            },
                _e("StrokeColor", {"Value": stroke_color or "0 0 0"}) if stroke else None,
                _e("FillColor", {"Value": fill_color or "0 0 0"}) if fill else None,
                _e("AbbreviatedData", text=data))

    def _images(self, page, pike_page, height):
        xobjects = pike_page.obj.get("/Resources", {}).get("/XObject", {})
        for image in page.images:
            stream = xobjects.get(f"/{image['name']}")
            if stream is None:
                continue
            media_id = self._medium(stream)
            if media_id is None:
                continue
            left, top = _mm(image["x0"]), _mm(image["top"])
            width, h = _mm(image["x1"] - image["x0"]), _mm(image["bottom"] - image["top"])
            yield _e("ImageObject", {"ID": str(self.ids()), "Boundary": _box(left, top, width, h),
                                     "CTM": f"{_n(width)} 0 0 {_n(h)} 0 0", "ResourceID": str(media_id)})

    def _medium(self, stream):
        try:
            image = pikepdf.PdfImage(stream)
            out = io.BytesIO()
            suffix = image.extract_to(stream=out)
        except IMAGE_ERRORS:  # an encoding pikepdf cannot export as is: as PNG through Pillow
            try:
                out = io.BytesIO()
                pikepdf.PdfImage(stream).as_pil_image().save(out, "PNG")
                suffix = ".png"
            except IMAGE_ERRORS:
                return None  # an image no reader could show either; the page keeps its text
        media_id = self.ids()
        file_name = f"image_{media_id}{suffix}"
        self.files[f"{self.doc_root}/Res/{file_name}"] = out.getvalue()
        image_format = IMAGE_FORMATS.get(suffix, suffix[1:].upper())
        self.media.append(_e("MultiMedia", {"ID": str(media_id), "Type": "Image", "Format": image_format},
                             _e("MediaFile", text=file_name)))
        return media_id

    # --- bookmarks ------------------------------------------------------------------------------------------

    def _outlines(self, pike):
        page_numbers = {page.obj.objgen: index for index, page in enumerate(pike.pages)}
        with pike.open_outline() as outline:
            return [self._outline(item, pike, page_numbers) for item in outline.root]

    def _outline(self, item, pike, page_numbers):
        dest = item.destination
        if dest is None and item.action is not None and item.action.get("/S") == "/GoTo":
            dest = item.action.get("/D")
        if isinstance(dest, (pikepdf.Name, pikepdf.String, str)):
            dest = _named_destination(pike, dest)
        actions = None
        if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0], pikepdf.Dictionary):
            index = page_numbers.get(dest[0].objgen)
            if index is not None:
                page_height = float(pike.pages[index].mediabox[3])
                left = float(dest[2]) if len(dest) > 2 and dest[1] == "/XYZ" and dest[2] is not None else 0
                top = float(dest[3]) if len(dest) > 3 and dest[1] == "/XYZ" and dest[3] is not None else page_height
                actions = _e("Actions", None, _e("Action", {"Event": "CLICK"}, _e("Goto", None, _e("Dest", {
                    "Type": "XYZ", "PageID": str(self.page_ids[index]),
                    "Left": _n(_mm(left)), "Top": _n(_mm(page_height - top))}))))
        children = [self._outline(child, pike, page_numbers) for child in item.children]
        return _e("OutlineElem", {"Title": _clean(str(item.title)) or "-"}, actions, *children)


def _named_destination(pike, name):
    name = str(name).lstrip("/")
    root = pike.Root
    if "/Dests" in root and f"/{name}" in root.Dests:
        dest = root.Dests[f"/{name}"]
        return dest.get("/D") if isinstance(dest, pikepdf.Dictionary) else dest
    if "/Names" in root and "/Dests" in root.Names:
        tree = pikepdf.NameTree(root.Names.Dests)
        if name in tree:
            dest = tree[name]
            return dest.get("/D") if isinstance(dest, pikepdf.Dictionary) else dest
    return None


def ofd_from_pdf(pdf_bytes, metadata):
    """The OFD package (bytes) of a PDF: same pages, glyphs at the same places, its fonts, rules and images."""
    return OfdWriter(pdf_bytes, metadata).write()


def issue_metadata(issue):
    """DocInfo of an issued issue: its name, the compiling office, the issue date and its numbers."""
    series = issue.printed_series
    custom = {"期号": issue.label, "刊名": series.name}
    if issue.total_number:
        custom["总期号"] = f"总第{issue.total_number}期"
    if getattr(series, "issuing_office", ""):
        custom["印发单位"] = series.issuing_office
    return OfdMetadata(title=f"{series.name} {issue.label}", author=series.compiling_office,
                       creation_date=issue.issue_date, custom=custom)


def issue_ofd(issue):
    """The OFD package of an issued issue, built from its stored PDF (never rendered again)."""
    with issue.pdf_file.open("rb") as fh:
        content = fh.read()
    return ofd_from_pdf(content, issue_metadata(issue))


def ofd_problem(ofd, *, cached=True):
    """None when the stored OFD is the one written (its SHA-256), else the PdfProblem (missing or mismatch)."""
    if ofd is None:
        return PdfProblem.MISSING
    return file_problem(ofd.ofd_file, ofd.ofd_sha256, cached=cached)
