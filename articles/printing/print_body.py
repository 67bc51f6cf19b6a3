"""An article body made ready for print: tables, lists and images marked up for the official style.

The body as stored (sanitised rich text, articles/content/sanitize.py) is parsed once per render and gets
* `data-grid` on every table and on the block holding an image, so that the renderer can put the
  lines after it back on the page's line grid (articles.printing.engine);
* a `<thead>` for a table whose first row is all header cells, so WeasyPrint repeats it on every page
  and keeps it with the first body row; `data-row` on each body row, to place 续表 where the table
  continues on a new page;
* `class="num"` on cells holding a number (aligned right) and `class="keep"` on short cells (a name is
  never broken in the middle);
* the counter of an `<ol start>`.
"""

import io
import re
import xml.etree.ElementTree as ET

import tinyhtml5

NUMBER = re.compile(r"^[-+−]?[￥$]?\d[\d,，.]*\s*[%‰]?$")
# A cell of at most this many characters is kept on one line: unit and person names, short labels.
KEEP_WHOLE = 10
BLOCKS = {"p", "figure", "div", "li", "blockquote", "td", "th"}


def _text(element):
    return re.sub(r"\s+", "", "".join(element.itertext()))


def _add_class(element, name):
    classes = element.get("class", "").split()
    if name not in classes:
        element.set("class", " ".join([*classes, name]))


def prepare(body, prefix):
    """The body's HTML with the print marks; prefix makes the data-grid names unique in the issue."""
    # A stream, never a str: tinyhtml5 takes a str under 200 characters for a possible file name and
    # stat()s it, which fails ("File name too long") on a one-paragraph item or reads a local file.
    source = io.StringIO(f"<div>{body}</div>")
    root = tinyhtml5.parse(source, namespace_html_elements=False).find("./body/div")
    parents = {child: parent for parent in root.iter() for child in parent}
    marks = 0
    for table in root.iter("table"):
        marks += 1
        table.set("data-grid", f"{prefix}-{marks}")
        _prepare_table(table)
    for image in root.iter("img"):
        block = image
        while block in parents and block.tag not in BLOCKS:
            block = parents[block]
        if block.tag in {"td", "th"} or block is root or block.get("data-grid"):
            continue
        marks += 1
        block.set("data-grid", f"{prefix}-{marks}")
        _add_class(block, "image-block")
    for listing in root.iter("ol"):
        start = listing.get("start", "")
        if start.lstrip("-").isdigit():
            listing.set("style", f"counter-reset: item {int(start) - 1}")
    return (root.text or "") + "".join(ET.tostring(child, method="html", encoding="unicode") for child in root)


def _prepare_table(table):
    rows = [row for row in table.iter("tr")]
    thead = table.find("thead")
    if thead is None and rows and all(cell.tag == "th" for cell in rows[0]):
        body = next((part for part in table if part.tag == "tbody" and rows[0] in list(part)), None)
        if body is not None:
            body.remove(rows[0])
            thead = ET.Element("thead")
            thead.append(rows[0])
            table.insert(list(table).index(body), thead)
    header_rows = set(thead.iter("tr")) if thead is not None else set()
    number = 0
    for row in rows:
        if row in header_rows:
            continue
        row.set("data-row", str(number))
        number += 1
        for cell in row:
            if cell.tag not in {"td", "th"}:
                continue
            text = _text(cell)
            if NUMBER.match(text):
                _add_class(cell, "num")
            if 0 < len(text) <= KEEP_WHOLE:
                _add_class(cell, "keep")
