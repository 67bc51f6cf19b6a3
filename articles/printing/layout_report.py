"""The layout report: an issued PDF measured against GB/T 9704 (the print layout, docs/pdf.md).

Everything is read from the PDF bytes (pdfplumber for characters and rules, pypdfium2 through
pdfplumber for the ink of the page-number dashes, page-validation and pikepdf.pdfa for PDF/A), so the
report describes the file the office archived, not what the code would print today.
"""

import dataclasses
import io
import re

import pdfplumber
from django.utils.translation import gettext as _

from articles.printing.pdfa import declared_pdfa, pdfa_findings
from articles.printing.print_body import CAPTION  # what the print marks as a caption is what is checked

MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * MM, 297 * MM
LEFT, RIGHT, TOP, BOTTOM = 28 * MM, 184 * MM, 37 * MM, 262 * MM
PITCH = 225 * MM / 22
CELL = 156 * MM / 28
THICK, THIN = 0.35 * MM, 0.25 * MM
TOLERANCE = 1 * MM  # GB/T 9704 allows ± 1 mm on the margins
GRID_TOLERANCE = 1.0  # pt: a baseline off the page's line grid by more than this is a deviation
PAGE_NUMBER = re.compile(r"^— (\d+) —$")
LEVEL_1 = re.compile(r"^[一二三四五六七八九十]+、")
LEVEL_2 = re.compile(r"^（[一二三四五六七八九十]+）")
LEVEL_3 = re.compile(r"^\d{1,2}[.．]\S")
NESTED = re.compile(r"^（(\d+)）")
LATIN_PAIR = re.compile(r"^[A-Za-z0-9]{2}$")
TITLE_SIZE = 22
MAX_TITLE_OVERLAP = 0.1 * TITLE_SIZE  # pt: the heavy 22 pt glyphs touch when squeezed more (0.06 em is allowed)
MAX_LETTER_GAP = 1.0  # pt: a gap between two letters or digits of one word wider than this is letter spacing
MAX_HOLE_LINES = 2
HEITI, KAITI, FANGSONG = ("Hei", "Sans"), ("Kai",), ("Fang", "FangSong")
SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")


@dataclasses.dataclass(frozen=True)
class Deviation:
    check: str
    page: int | None  # 1-based; None for the whole file
    message: str

    def __str__(self):
        where = _("page %(page)s") % {"page": self.page} if self.page else _("whole file")
        return f"[{self.check}] {where}: {self.message}"


@dataclasses.dataclass
class LayoutReport:
    pages: int
    checks: list
    deviations: list

    @property
    def ok(self):
        return not self.deviations


def _baseline(page, char):
    return page.height - char["matrix"][5]


def _is_black(char):
    return char["non_stroking_color"] in ((0,), (0, 0, 0), [0], [0, 0, 0], (0, 0, 0, 1), [0, 0, 0, 1])


class _Measure:
    """One PDF measured page by page; each check appends its deviations."""

    def __init__(self, content, *, address_lines=(), end_block_on_even_page=True, pdf_variant="pdf/a-2b"):
        self.content = content
        self.pdf = pdfplumber.open(io.BytesIO(content))
        self.pages = self.pdf.pages
        self.address_lines = address_lines
        self.end_block_on_even_page = end_block_on_even_page
        self.pdf_variant = pdf_variant
        self.deviations = []
        self.lines = [page.extract_text_lines() for page in self.pages]

    def add(self, check, page, message, **values):
        self.deviations.append(Deviation(check, page, message % values if values else message))

    def body_lines(self, index):
        """16 pt black lines of the body: not the masthead (above page 1's red rule), titles, end block, numbers."""
        page = self.pages[index]
        floor = 0
        if index == 0:
            red = [r for r in page.rects if r["non_stroking_color"] and len(r["non_stroking_color"]) == 3
                   and r["non_stroking_color"][0] > 0.8 and r["width"] > 300]
            floor = red[0]["bottom"] if red else 0
        rules = self.end_rules(index)
        ceiling = rules[0]["top"] - 2 * PITCH if rules else page.height
        return [line for line in self.lines[index]
                if line["chars"] and round(line["chars"][0]["size"]) == 16 and floor < line["top"] < ceiling
                and all(_is_black(c) for c in line["chars"])]

    def end_rules(self, index):
        page = self.pages[index]
        return sorted((r for r in page.rects if r["width"] > 400 and r["top"] > TOP + 50 and r["height"] < 2
                       and not (r["non_stroking_color"] and len(r["non_stroking_color"]) == 3
                                and r["non_stroking_color"][0] > 0.8)), key=lambda r: r["top"])

    # --- the checks ---------------------------------------------------------------------------------

    def check_pages(self):
        for number, page in enumerate(self.pages, 1):
            if abs(page.width - PAGE_W) > 0.5 or abs(page.height - PAGE_H) > 0.5:
                self.add("page", number, _("page is %(w).0f × %(h).0f pt, not A4"), w=page.width, h=page.height)

    def check_margins(self):
        for number, lines in enumerate(self.lines, 1):
            for line in lines:
                text = line["text"]
                if PAGE_NUMBER.match(text) or text.startswith("（共印"):
                    continue  # below the type area by design
                if (line["x0"] < LEFT - TOLERANCE or line["x1"] > RIGHT + TOLERANCE
                        or line["top"] < TOP - TOLERANCE or line["bottom"] > BOTTOM + TOLERANCE):
                    self.add("margins", number, _("text outside the type area: “%(text)s”"), text=text[:20])

    def check_grid(self):
        """Every body baseline on one grid of 28.99 pt from the top of the type area, the same on every page."""
        phases = []
        for index in range(len(self.pages)):
            for line in self.body_lines(index):
                base = _baseline(self.pages[index], line["chars"][0])
                phases.append((index + 1, line["text"], (base - TOP) % PITCH))
        if not phases:
            return
        reference = sorted(p for _n, _t, p in phases)[len(phases) // 2]
        for number, text, phase in phases:
            off = (phase - reference + PITCH / 2) % PITCH - PITCH / 2
            if abs(off) > GRID_TOLERANCE:
                self.add("grid", number, _("line off the line grid by %(off)+.1f pt: “%(text)s”"), off=off,
                         text=text[:14])

    def check_line_fill(self):
        """A body line followed by a flush-left line of the same paragraph must end on the right edge."""
        for index in range(len(self.pages)):
            lines = self.body_lines(index)
            for line, following in zip(lines, lines[1:], strict=False):
                if abs(following["top"] - line["top"] - PITCH) > 2 or abs(line["x0"] - following["x0"]) > 2:
                    continue  # next line is a new block (indent) or not the next grid line
                if abs(line["x0"] - LEFT) > 2:
                    continue
                if RIGHT - line["x1"] > CELL / 2:
                    self.add("line-fill", index + 1,
                             _("full line ends %(short).1f pt short of the right edge: “%(text)s”"),
                             short=RIGHT - line["x1"], text=line["text"][-12:])
            for line in lines:
                spaces = re.findall(r" +", line["text"])
                if spaces and any(len(s) > 1 for s in spaces):
                    self.add("line-fill", index + 1, _("a space stretched in “%(text)s”"), text=line["text"][:20])

    def check_fonts(self):
        names = {c["fontname"] for page in self.pages for c in page.chars}
        for name in sorted(names):
            if not SUBSET_PREFIX.match(name):
                self.add("fonts", None, _("font %(name)s is not an embedded subset"), name=name)

    def check_page_numbers(self):
        count = len(self.pages)
        for number, (page, lines) in enumerate(zip(self.pages, self.lines, strict=True), 1):
            line = next((ln for ln in lines if PAGE_NUMBER.match(ln["text"])), None)
            if line is None:
                # GB/T 9704 7.5: only a blank page before the end-block page, and that page, go unnumbered.
                blank = not (page.extract_text() or "").strip()
                before_end = number == count - 1 and blank
                end_after_blank = number == count and count > 1 and not (self.pages[-2].extract_text() or "").strip()
                if not (before_end or end_after_blank):
                    self.add("page-number", number, _("no page number"))
                continue
            if line["text"] != f"— {number} —":
                self.add("page-number", number, _("page number reads “%(text)s”"), text=line["text"])
            if {round(c["size"]) for c in line["chars"]} != {14}:
                self.add("page-number", number, _("page number is not 14 pt"))
            if number % 2 and abs(line["x1"] - (RIGHT - 14)) > 1:
                self.add("page-number", number, _("odd page number not one character in from the right edge"))
            if not number % 2 and abs(line["x0"] - (LEFT + 14)) > 1:
                self.add("page-number", number, _("even page number not one character in from the left edge"))
            dash = self.dash_top(page, line)
            if dash is None or abs(dash - (BOTTOM + 7 * MM)) > TOLERANCE:
                self.add("page-number", number, _("dash %(mm).1f mm below the type area, not 7 mm"),
                         mm=((dash or 0) - BOTTOM) / MM)

    @staticmethod
    def dash_top(page, line):
        """The top of the first dash's ink (pt from the page top), read from a 300 dpi rendering of it."""
        dash = line["chars"][0]
        box = (dash["x0"], dash["top"] - 2, dash["x1"], dash["bottom"] + 2)
        image = page.crop(box).to_image(resolution=300).original.convert("L")
        width, height = image.size
        pixels = image.load()
        for y in range(height):
            if sum(1 for x in range(width) if pixels[x, y] < 128) > width / 3:
                return box[1] + y * 72 / 300
        return None

    def check_end_block(self):
        count = len(self.pages)
        last = count - 1
        imprint_pages = [n for n, lines in enumerate(self.lines) if any(ln["text"].endswith("印发") for ln in lines)]
        if imprint_pages != [last]:
            self.add("end-block", (imprint_pages or [None])[0] and imprint_pages[0] + 1,
                     _("the end block is not on the last page alone"))
            return
        if self.end_block_on_even_page and count % 2:
            self.add("end-block", count, _("the end block is on an odd page"))
        rules = self.end_rules(last)
        if len(rules) < 2:
            self.add("end-block", count, _("the end block has %(n)s rules, at least 2 expected"), n=len(rules))
            return
        for position, rule in enumerate(rules):
            expected = THICK if position in (0, len(rules) - 1) else THIN
            if abs(rule["height"] - expected) > 0.05:
                self.add("end-block", count, _("rule %(n)s is %(mm).2f mm thick, not %(want).2f mm"),
                         n=position + 1, mm=rule["height"] / MM, want=expected / MM)
            if abs(rule["x0"] - LEFT) > 0.5 or abs(rule["x1"] - RIGHT) > 0.5:
                self.add("end-block", count, _("rule %(n)s does not span the type area"), n=position + 1)
        if abs(rules[-1]["bottom"] - BOTTOM) > TOLERANCE:
            self.add("end-block", count, _("the last rule lies %(mm).1f mm from the type area's bottom edge"),
                     mm=(rules[-1]["bottom"] - BOTTOM) / MM)
        block_lines = [ln for ln in self.lines[last] if ln["top"] > rules[0]["top"] - 2 * PITCH]
        for _prefix, names in self.address_lines:
            for name in filter(None, re.split(r"[，、；。]", names)):
                if not any(name in re.sub(r"\s+", "", ln["text"]) for ln in block_lines):
                    self.add("end-block", count, _("unit name broken across lines: %(name)s"), name=name)

    def check_pdfa(self):
        if self.pdf_variant:
            for finding in pdfa_findings(self.content, self.pdf_variant):
                self.add("pdf/a", None, "%(finding)s", finding=finding)

    # --- issue 19: images, titles, headings, tables, numbering, letter spacing, widows ---------------------

    def flow(self, index):
        """What the page's flow holds (lines of the type area, images, table rules), top to bottom: (top, bottom,
        kind, item); not the page number, nor the end block."""
        page = self.pages[index]
        rules = self.end_rules(index) if index == len(self.pages) - 1 else []
        ceiling = rules[0]["top"] - 2 * PITCH if rules else page.height
        items = [(ln["top"], ln["bottom"], "line", ln) for ln in self.lines[index]
                 if not PAGE_NUMBER.match(ln["text"]) and ln["top"] < ceiling]
        items += [(im["top"], im["bottom"], "image", im) for im in page.images]
        return sorted(items, key=lambda item: item[0])

    def check_images(self):
        """Every image inside the type area and clear of the page number; its caption on its page, right under
        it; no hole of more than two lines at the foot of the page before an image."""
        for index, page in enumerate(self.pages):
            number = index + 1
            page_number = next((ln for ln in self.lines[index] if PAGE_NUMBER.match(ln["text"])), None)
            for image in page.images:
                if (image["x0"] < LEFT - TOLERANCE or image["x1"] > RIGHT + TOLERANCE
                        or image["top"] < TOP - TOLERANCE or image["bottom"] > BOTTOM + TOLERANCE):
                    self.add("images", number, _("image outside the type area (%(w).0f × %(h).0f mm at %(top).0f mm "
                                                 "from the top)"),
                             w=(image["x1"] - image["x0"]) / MM, h=(image["bottom"] - image["top"]) / MM,
                             top=image["top"] / MM)
                if page_number and image["bottom"] > page_number["top"] and image["top"] < page_number["bottom"] \
                        and image["x0"] < page_number["x1"] and image["x1"] > page_number["x0"]:
                    self.add("images", number, _("image over the page number"))
            for line in self.lines[index]:
                if not CAPTION.match(line["text"]) or round(line["chars"][0]["size"]) > 16:
                    continue
                above = [im for im in page.images if im["bottom"] <= line["top"] + 1]
                if not above or line["top"] - max(im["bottom"] for im in above) > 1.5 * PITCH:
                    self.add("images", number, _("caption separated from its image: “%(text)s”"),
                             text=line["text"][:20])
            content = self.flow(index)
            if index and content and content[0][2] == "image":
                before = self.flow(index - 1)
                bottom = max((item[1] for item in before), default=TOP)
                hole = (BOTTOM - bottom) / PITCH
                if before and hole > MAX_HOLE_LINES + 0.2:
                    self.add("images", index, _("a hole of %(lines).0f empty lines before the image on the next page"),
                             lines=hole)

    def check_titles(self):
        """Title lines (22 pt) never squeezed until their glyphs overlap, and never at a page foot with fewer than
        two body lines under them."""
        for index, lines in enumerate(self.lines):
            titles = [ln for ln in lines if ln["chars"] and round(ln["chars"][0]["size"]) == TITLE_SIZE]
            for line in titles:
                chars = [c for c in line["chars"] if c["text"].strip()]
                overlap = max((a["x1"] - b["x0"] for a, b in zip(chars, chars[1:], strict=False)), default=0)
                if overlap > MAX_TITLE_OVERLAP:
                    self.add("titles", index + 1, _("title squeezed, its glyphs overlap by %(pt).1f pt: “%(text)s”"),
                             pt=overlap, text=line["text"][:20])
            if titles and index < len(self.pages) - 1:
                last = titles[-1]
                under = [ln for ln in self.body_lines(index) if ln["top"] > last["bottom"]]
                if len(under) < 2 and last["bottom"] > BOTTOM - 4 * PITCH:
                    self.add("titles", index + 1, _("title at the page foot with %(n)s body lines under it: "
                                                    "“%(text)s”"), n=len(under), text=last["text"][:20])

    def _stroked(self, index):
        """Boxes (top, bottom, x0, x1 in pdfplumber's coordinates) of text drawn filled and stroked (Tr 2: the
        synthetic bold of a one-weight face)."""
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c

        if not hasattr(self, "_pdfium"):
            self._pdfium = pdfium.PdfDocument(self.content)
        page = self._pdfium[index]
        height = page.get_height()
        boxes = []
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
            if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) == pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE:
                left, bottom, right, top = obj.get_bounds()
                boxes.append((height - top, height - bottom, left, right))
        return boxes

    def check_headings(self):
        """GB/T 9704 7.3.3: level 1 "一、" in 黑体, level 2 "（一）" in 楷体, level 3 "1." in bold 仿宋."""
        for index in range(len(self.pages)):
            stroked = None
            for line in self.body_lines(index):
                text, face = line["text"], line["chars"][0]["fontname"].split("+")[-1]
                # A heading stands alone on its line: a full line opening with 一、 is a paragraph's lead-in
                # (real bulletins set 一、切实加强…。 as body text), not a heading.
                alone = line["x1"] < RIGHT - CELL
                if LEVEL_1.match(text) and not any(mark in face for mark in HEITI) and len(text) <= 30 and alone:
                    self.add("headings", index + 1, _("level-1 heading not in 黑体: “%(text)s”"), text=text[:20])
                elif LEVEL_2.match(text) and not any(mark in face for mark in KAITI) and len(text) <= 30 \
                        and not text.endswith(("。", "；")) and alone:
                    self.add("headings", index + 1, _("level-2 heading not in 楷体: “%(text)s”"), text=text[:20])
                elif (LEVEL_3.match(text) and len(text) <= 30 and not text.endswith(("。", "；", "："))
                      and "，" not in text and line["x1"] < RIGHT - CELL):  # a heading stands alone on its line
                    if any(mark in face for mark in HEITI):
                        self.add("headings", index + 1, _("level-3 heading in 黑体, not bold 仿宋: “%(text)s”"),
                                 text=text[:20])
                        continue
                    stroked = self._stroked(index) if stroked is None else stroked
                    char = line["chars"][2]
                    middle = ((char["top"] + char["bottom"]) / 2, (char["x0"] + char["x1"]) / 2)
                    bold = "Bold" in face or any(t <= middle[0] <= b and x0 <= middle[1] <= x1
                                                 for t, b, x0, x1 in stroked)
                    if not bold:
                        self.add("headings", index + 1, _("level-3 heading not bold: “%(text)s”"), text=text[:20])

    def check_tables(self):
        """Every table inside the type area, each row with all its cells (no cell moved under another header),
        and a 续表 with the column widths of the part before it."""
        previous = None
        for index, page in enumerate(self.pages):
            for table in page.find_tables():
                x0, top, x1, bottom = table.bbox
                if x0 < LEFT - TOLERANCE or x1 > RIGHT + TOLERANCE:
                    self.add("tables", index + 1, _("table %(w).0f mm wide, wider than the type area"),
                             w=(x1 - x0) / MM)
                area = sum((c[2] - c[0]) * (c[3] - c[1]) for c in table.cells)
                if area < (x1 - x0) * (bottom - top) * 0.995:
                    self.add("tables", index + 1, _("a table row is short of cells: data under the wrong header"))
                edges = sorted({round(c[0]) for c in table.cells} | {round(c[2]) for c in table.cells})
                continued = any(ln["text"] == "续表" and ln["bottom"] <= top + 2 and top - ln["bottom"] < PITCH
                                for ln in self.lines[index])
                if continued and previous and (len(edges) != len(previous)
                                               or any(abs(a - b) > 1 for a, b in zip(edges, previous, strict=False))):
                    self.add("tables", index + 1, _("the 续表 columns differ from the table before it"))
                previous = edges

    def check_numbering(self):
        """Nested list levels numbered 1. →（1）→ ①: a "（1）" right after a "（n）" item is a nested level
        printed with its parent's numbers."""
        for index in range(len(self.pages)):
            last = None
            for line in self.body_lines(index):
                match = NESTED.match(line["text"])
                if match and match.group(1) == "1" and last is not None:
                    self.add("numbering", index + 1, _("a nested list numbered like its parent: “%(text)s”"),
                             text=line["text"][:20])
                if match:
                    last = line
                elif abs(line["x0"] - LEFT) > 2:  # a new paragraph or item that is not “（n）”
                    last = None

    def check_letter_spacing(self):
        """Justification never spaces the letters of a Latin word or the digits of a number (the page's own
        characters, spaces included: a line's extracted characters leave the spaces out)."""
        for index, page in enumerate(self.pages):
            for line in self.body_lines(index):
                chars = sorted((c for c in page.chars if abs(c["top"] - line["top"]) < 1
                                and line["x0"] - 1 <= c["x0"] <= line["x1"] + 1), key=lambda c: c["x0"])
                for a, b in zip(chars, chars[1:], strict=False):
                    if LATIN_PAIR.match(a["text"] + b["text"]) and b["x0"] - a["x1"] > MAX_LETTER_GAP:
                        self.add("letter-spacing", index + 1,
                                 _("letters spaced %(pt).1f pt apart in “%(text)s”"), pt=b["x0"] - a["x1"],
                                 text=line["text"][:24])
                        break

    def check_widows(self):
        """No paragraph leaves a single line at the foot of a page (orphan) or at the top of the next (widow)."""
        for index in range(len(self.pages) - 1):
            here, there = self.body_lines(index), self.body_lines(index + 1)
            if not here or not there:
                continue
            indent = LEFT + 2 * CELL
            continues = abs(there[0]["x0"] - LEFT) < 2 and there[0]["top"] < TOP + PITCH
            if not continues:
                continue
            last = self.flow(index)[-1]
            if abs(here[-1]["x0"] - indent) < 2 and last[3] is here[-1]:  # nothing below it on its page
                self.add("widows", index + 1, _("a paragraph's first line alone at the page foot: “%(text)s”"),
                         text=here[-1]["text"][:20])
            following = there[1] if len(there) > 1 else None
            if following is None or following["top"] - there[0]["top"] > 1.5 * PITCH \
                    or abs(following["x0"] - LEFT) > 2:
                self.add("widows", index + 2, _("a paragraph's last line alone at the page top: “%(text)s”"),
                         text=there[0]["text"][:20])

    CHECKS = ["pages", "margins", "grid", "line_fill", "fonts", "page_numbers", "end_block", "images", "titles",
              "headings", "tables", "numbering", "letter_spacing", "widows", "pdfa"]

    def run(self, checks=None):
        try:
            for name in checks or self.CHECKS:
                getattr(self, f"check_{name}")()
        finally:
            self.pdf.close()
            if hasattr(self, "_pdfium"):
                self._pdfium.close()
        return LayoutReport(len(self.pages), list(checks or self.CHECKS), self.deviations)


def measure_pdf(content, *, checks=None, **expectations):
    """The layout report of PDF bytes: address_lines, end_block_on_even_page and pdf_variant say what to expect."""
    return _Measure(content, **expectations).run(checks)


def issue_layout_report(issue, *, checks=None):
    """The layout report of an issued issue's stored PDF."""
    with issue.pdf_file.open("rb") as fh:
        content = fh.read()
    return measure_pdf(
        content, checks=checks, address_lines=[tuple(line) for line in issue.address_lines or []],
        end_block_on_even_page=issue.printed_series.end_block_on_even_page,
        pdf_variant=declared_pdfa(content),
    )
