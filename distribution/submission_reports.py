"""采用统计 as files offices circulate: an .xlsx table and a .docx 通报 listing the units by score."""

import io
from decimal import Decimal

import docx
import openpyxl
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from articles.archive.spreadsheet import safe_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def period(year, quarter):
    return f"{year}年第{quarter}季度" if quarter else f"{year}年"


def file_name(year, quarter, kind):
    return f"{period(year, quarter)}信息报送采用统计.{kind}"


def stats_table(rows):
    """The statistics as plain rows, header first: rank, unit, submitted, adopted, per 栏目, score. The page, the
    .xlsx and the .docx all show this table, so they cannot disagree."""
    columns = sorted({c for row in rows for c in row["by_column"]})
    with translation.override(settings.LANGUAGE_CODE):
        header = [_("rank"), _("unit"), _("submitted"), _("adopted"),
                  *(f"{_('adopted in')} {c or _('no column')}" for c in columns), _("score")]
    table = [[str(h) for h in header]]
    for rank, row in enumerate(rows, start=1):
        table.append([rank, row["unit"], row["submitted"], row["adopted"],
                      *(row["by_column"].get(c, 0) for c in columns), row["score"]])
    return table


def stats_rows(rows):
    """stats_table for a file: unit names (typed by staff) never a formula, scores as numbers."""
    return safe_rows([[float(cell) if isinstance(cell, Decimal) else cell for cell in row]
                      for row in stats_table(rows)])


def render(kind, rows, *, year, quarter):
    """(bytes, content type) of the statistics as an .xlsx or a .docx 通报."""
    out = io.BytesIO()
    table = stats_rows(rows)
    if kind == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "采用统计"
        for row in table:
            sheet.append(row)
        book.save(out)
        return out.getvalue(), XLSX
    document = docx.Document()
    with translation.override(settings.LANGUAGE_CODE):
        document.add_heading(_("Notice on the adoption of submitted items in %(period)s") % {
            "period": period(year, quarter)}, level=1)
        document.add_paragraph(_(
            "The units' submissions and adoptions in %(period)s are as follows (an adopted item scores 1 point, "
            "one in 特别关注 2 points; merged items share the score equally).") % {"period": period(year, quarter)})
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    grid.style = "Table Grid"
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = str(value)
    document.save(out)
    return out.getvalue(), DOCX
