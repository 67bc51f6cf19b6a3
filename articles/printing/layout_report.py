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

MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * MM, 297 * MM
LEFT, RIGHT, TOP, BOTTOM = 28 * MM, 184 * MM, 37 * MM, 262 * MM
PITCH = 225 * MM / 22
CELL = 156 * MM / 28
THICK, THIN = 0.35 * MM, 0.25 * MM
TOLERANCE = 1 * MM  # GB/T 9704 allows ± 1 mm on the margins
GRID_TOLERANCE = 1.0  # pt: a baseline off the page's line grid by more than this is a deviation
PAGE_NUMBER = re.compile(r"^— (\d+) —$")
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

    CHECKS = ["pages", "margins", "grid", "line_fill", "fonts", "page_numbers", "end_block", "pdfa"]

    def run(self, checks=None):
        try:
            for name in checks or self.CHECKS:
                getattr(self, f"check_{name}")()
        finally:
            self.pdf.close()
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
