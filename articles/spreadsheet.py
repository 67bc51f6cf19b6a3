"""Rows for CSV and .xlsx files that people open in Excel or WPS: typed text never becomes a formula."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """Text as typed, with a leading apostrophe when Excel would read it as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_rows(rows):
    return [[cell(value) for value in row] for row in rows]
