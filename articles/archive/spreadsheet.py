"""CSV and .xlsx files that people open in Excel or WPS: Chinese read as Chinese, typed text never a formula."""

import csv
import io

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """Text as typed, with a leading apostrophe when Excel would read it as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_rows(rows):
    return [[cell(value) for value in row] for row in rows]


def csv_text(rows):
    """The rows as CSV text with a byte-order mark, so that Excel reads UTF-8 Chinese as Chinese; no cell a formula.

    Every CSV of the project is written here, so no cell escapes the formula check (safe_rows is idempotent).
    """
    out = io.StringIO()
    csv.writer(out).writerows(safe_rows(rows))
    return "\ufeff" + out.getvalue()
