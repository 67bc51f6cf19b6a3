"""The renderer: an issue → its print HTML (templates/print/issue.html) → a PDF in the official layout.

The print HTML is built here, in the worker (it reads the database); the engine lays it out and
writes the PDF within the render budget.
"""

import logging
import re
import unicodedata

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from articles.printing import fonts, print_body
from articles.printing.budget import run_within_budget
from articles.printing.engine import PdfRenderError, RenderedPdf, unexpected_failure, write_pdf

logger = logging.getLogger(__name__)

__all__ = ["IssueRenderer", "PdfRenderError", "RenderedPdf", "render_issue"]

WATERMARKS = {"draft": "草稿", "review": "送审稿"}
# Issued PDFs are PDF/A-2b unless BULLETIN_PDF_VARIANT names another WeasyPrint variant ("none": a plain PDF).
# 2b is the level both validators the tests run check (pikepdf.pdfa: 1b/2b/3b; page-validation: 2b, 2u, 3b, 3u…).
DEFAULT_PDF_VARIANT = "pdf/a-2b"
PLAIN = {"none", "plain", "off"}
TYPE_AREA_WIDTH_PT = 156 * 72 / 25.4
TITLE_SIZE_PT = 22
# A title line may be squeezed by up to 0.06 em per character to stay as the editor set it: the 22 pt heavy
# face's side bearings are wider than that, so glyphs never touch. A line that needs more is broken.
MAX_TITLE_SQUEEZE_PT = 0.06 * TITLE_SIZE_PT


class IssueRenderer:
    """Renders one issue, final or preview, through the print template.

    The template context and the print HTML are built once per renderer (the database is read once):
    issuing takes the digest of the very HTML it then lays out.
    """

    template_name = "print/issue.html"

    def __init__(self, issue, *, preview):
        self.issue = issue
        self.preview = preview
        self._layouts = None

    def context(self):
        from articles.selectors import address_lines

        issue, series = self.issue, self.issue.printed_series
        final = not self.preview or issue.is_issued
        articles = list(issue.articles.select_related("column").order_by("position", "pk"))
        previous_column = None
        for article in articles:
            # 【栏目】 once, before the first of a run of articles in the same column.
            article.column_heading = article.column.heading if article.column_id and \
                article.column_id != previous_column else ""
            previous_column = article.column_id
            article.print_title_lines = print_title_lines(article.title_lines)
            article.print_body = mark_safe(print_body.prepare(article.body, f"a{article.pk}"))
        number = issue.number if final else None
        return {
            "issue": issue,
            "series": series,
            "articles": articles,
            "address_lines": [(prefix, unit_names(names, prefix)) for prefix, names in address_lines(issue)],
            "extra_recipients": unit_names(issue.extra_recipients, "本期增发"),
            "number": number,
            "total_number": issue.total_number if number and series.show_total_number else None,
            "title": f"{series.name} {issue.year}年第{number or '__'}期",
            "watermark": None if final else WATERMARKS.get(issue.status, "草稿"),
            "force_even": False,
            "unnumbered_end": False,
            "fonts": {role: mark_safe(fonts.css_family(role)) for role in fonts.STACKS},
            "bold": {role: (mark_safe(family), weight)
                     for role in fonts.BOLD_SUBSTITUTES for family, weight in [fonts.bold_face(role)]},
            "title_weight": fonts.resolve("xiaobiaosong").weight,
            "font_faces": mark_safe(fonts.font_face_rules()),
        }

    def html(self):
        """The print template rendered for this issue: everything the PDF shows comes from this string."""
        return self.layouts()[0]

    def layouts(self):
        """The print HTML of every layout render() may need: as is, then (if the series asks) with the end block
        moved to an even page, then also with the blank page before it unnumbered. Built once."""
        if self._layouts is None:
            context = self.context()
            variants = [{}]
            if self.issue.printed_series.end_block_on_even_page:
                variants += [{"force_even": True}, {"force_even": True, "unnumbered_end": True}]
            self._layouts = [render_to_string(self.template_name, {**context, **flags}) for flags in variants]
        return self._layouts

    def render(self):
        """Lay out the print HTML and write the PDF within the render budget."""
        variant = "" if self.preview else pdf_variant()
        return run_within_budget(write_pdf, self.layouts(), variant)


def pdf_variant():
    """The WeasyPrint pdf_variant of issued PDFs: settings.BULLETIN_PDF_VARIANT, PDF/A-2b when it is empty."""
    variant = (settings.BULLETIN_PDF_VARIANT or DEFAULT_PDF_VARIANT).strip().lower()
    return "" if variant in PLAIN else variant



END_BLOCK_SIZE_PT = 14
# A unit name up to this many cells (14 pt) is kept on one line of the end block: the type area less one
# character each side and the hanging indent of a one-character prefix ("报：", three characters in all), so a
# 27-character name with its comma stays whole. A longer name may break, or it would run past the type area.
MAX_UNBROKEN_NAME = int((TYPE_AREA_WIDTH_PT - 2 * END_BLOCK_SIZE_PT) / END_BLOCK_SIZE_PT) - 2


def _ems(text):
    return sum(1 if unicodedata.east_asian_width(char) in "WFA" else 0.55 for char in text)


def unit_names(names, prefix="报"):
    """A recipient list ("甲，乙。") cut into (name with its punctuation, keep whole) pieces for the end block;
    a name is kept whole when it fits on a line after the prefix's hanging indent (templates/print/issue.html)."""
    room = MAX_UNBROKEN_NAME + 1 - len(prefix)
    pieces = re.findall(r"[^，、；。]+[，、；。]*|[，、；。]+", names or "")
    return [(piece, _ems(piece) <= room) for piece in pieces]


def title_letter_spacing(line):
    """Negative letter spacing (pt) that keeps one editor-set title line on one printed line, or 0 (the line
    fits, or it would need more squeezing than the glyphs allow: print_title_lines breaks it)."""
    # Aim a few points short of the type area: the spacing also follows the last character.
    overflow = _ems(line) * TITLE_SIZE_PT - TYPE_AREA_WIDTH_PT
    if overflow <= 0 or not line:
        return 0
    spacing = (overflow + 4) / len(line)
    return -round(spacing, 2) if spacing <= MAX_TITLE_SQUEEZE_PT else 0


def print_title_lines(lines):
    """(line, letter spacing) for each printed title line: an editor-set line that fits (perhaps slightly
    squeezed) as it is, a longer one broken into balanced lines between words, never squeezed further."""
    printed = []
    for line in lines:
        spacing = title_letter_spacing(line)
        if spacing or _ems(line) * TITLE_SIZE_PT <= TYPE_AREA_WIDTH_PT:
            printed.append((line, spacing))
        else:
            printed += [(part, title_letter_spacing(part)) for part in _break_title(line)]
    return printed


TITLE_BREAK_AFTER = "，、：；？！）》”—"


def _break_title(line):
    """A too-long title line in as few balanced lines as fit, broken between words (jieba) and preferably
    after punctuation."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    capacity = (TYPE_AREA_WIDTH_PT - 4) / TITLE_SIZE_PT
    count = int(_ems(line) // capacity) + 1
    words = list(jieba.cut(line, HMM=False))
    parts, rest = [], words
    for remaining in range(count, 1, -1):
        target = sum(_ems(w) for w in rest) / remaining
        best, best_cost, width = 1, None, 0
        for index, word in enumerate(rest[:-1], start=1):
            width += _ems(word)
            if width > capacity:
                break
            cost = abs(width - target) - (1.5 if word[-1] in TITLE_BREAK_AFTER else 0)
            if best_cost is None or cost < best_cost:
                best, best_cost = index, cost
        parts.append("".join(rest[:best]))
        rest = rest[best:]
    parts.append("".join(rest))
    return [part for part in parts if part]


def render_issue(issue, *, preview, renderer=None):
    """Render an issue to PDF (with `renderer` when its HTML is already built); any failure becomes a
    PdfRenderError with the reason."""
    try:
        return (renderer or IssueRenderer(issue, preview=preview)).render()
    except PdfRenderError as exc:
        logger.error("PDF rendering failed for issue %s: %s", issue.pk, exc)
        raise
    except Exception as exc:  # noqa: BLE001 - any failure must leave the issue as it was
        logger.exception("PDF rendering failed for issue %s", issue.pk)
        raise PdfRenderError(unexpected_failure(exc)) from exc

