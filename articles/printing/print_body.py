"""An article body made ready for print: tables, lists and images marked up for the official style.

The body as stored (sanitised rich text, articles/content/sanitize.py) is parsed once per render and gets
* `data-grid` on every table and on the block holding an image, so that the renderer can put the
  lines after it back on the page's line grid (articles.printing.engine);
* a `<thead>` for a table whose first row is all header cells, so WeasyPrint repeats it on every page
  and keeps it with the first body row; `data-row` on each body row, to place 续表 where the table
  continues on a new page;
* `class="num"` on cells holding a number (aligned right) and `class="keep"` on short cells (a name is
  never broken in the middle);
* `class="span-cont"` on a body row that a rowspan from an earlier row covers (no page break before it,
  when the group fits a page), and `split_table` to cut a table where it continues on a new page with every
  cell still under its header: a rowspan crossing the cut is repeated in the continuation;
* the counter of an `<ol start>`, the depth of nested lists (`class="level-N"`: 1. →（1）→ ①, bullets
  indented by depth);
* `class="caption"` on a short "图…" paragraph right after an image, so that it stays with it;
* `<span class="latin-run">` around a run of 20 or more Latin letters, digits and ASCII marks without a space
  (a hash, a URL), with a zero-width space between its characters, so that it may break between any two and
  fills its lines: WeasyPrint 70 does not honour `word-break: break-all` at a run's own break opportunities
  ("/", "?"), and a zero-width space prints no glyph, so the PDF's text is exactly what was typed.
"""

import io
import re
import xml.etree.ElementTree as ET

import tinyhtml5

NUMBER = re.compile(r"^[-+−]?[￥$]?\d[\d,，.]*\s*[%‰]?$")
# A cell of at most this many characters is kept on one line: unit and person names, short labels.
KEEP_WHOLE = 10
# A cell without punctuation (a unit name) of at most this many characters is kept on one line too; the
# engine fits a table that grows wider than the type area by setting it smaller.
KEEP_WHOLE_NAME = 24
NAME = re.compile(r"^[\w（）()·]+$")
LATIN_RUN = re.compile(r"[!-~]{20,}")
# Emoji and the symbols only the symbols' face draws: arrows (↩), clocks (⌚⏰), media keys (⏩), geometric
# shapes (▪◾), dingbats, pictographs; keycaps (1️⃣) whole; joiners, variation and tag characters with them.
SYMBOL_RUN = re.compile("(?:[#*0-9]\ufe0f?\u20e3|[\u2139\u2194-\u21aa\u231a-\u23ff\u25aa-\u25fe\u2600-\u27bf"
                        "\u2934\u2935\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f\u200d\U000e0020-\U000e007f])+")
MARKED_RUNS = {"latin-run", "symbols"}
CAPTION = re.compile(r"^(图|圖|Figure|Fig\.?)\s*\d")
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
    for listing in [element for element in root.iter() if element.tag in {"ol", "ul"}]:
        depth, parent = 1, parents.get(listing)
        while parent is not None:
            depth += parent.tag == listing.tag
            parent = parents.get(parent)
        _add_class(listing, f"level-{min(depth, 3)}")
    for block in root.iter():
        for first, second in zip(block, list(block)[1:], strict=False):
            if (first.get("data-grid") and "image-block" in first.get("class", "") and second.tag == "p"
                    and CAPTION.match(_text(second)) and len(_text(second)) <= 40):
                _add_class(second, "caption")
    # A long Latin run (URL, hash) may break between any two characters.
    _mark_runs(root, LATIN_RUN, "latin-run", "\u200b")
    # Emoji and pictographs print in the symbols' face (fonts.SYMBOLS), whose taller ascent would push its line
    # off the 28.99 pt grid: their span adds nothing to the line's height (issue.css).
    _mark_runs(root, SYMBOL_RUN, "symbols")
    return (root.text or "") + "".join(ET.tostring(child, method="html", encoding="unicode") for child in root)


def _run_spans(text, pattern, name, joiner):
    """text cut into (text before, [span, …]): each run of `pattern` in a span of class `name`, its tail the text
    after; the run's characters joined by `joiner`."""
    pieces = pattern.split(text)
    spans = []
    for run, after in zip(pattern.findall(text), pieces[1:], strict=True):
        span = ET.Element("span", {"class": name})
        span.text, span.tail = joiner.join(run), after or None
        spans.append(span)
    return pieces[0], spans


def _mark_runs(root, pattern, name, joiner=""):
    """Put each run of `pattern` in the body's text into a <span class="name">."""
    for element in list(root.iter()):
        if element.tag in {"img", "span"} and element.get("class") in MARKED_RUNS:
            continue
        if element.text and pattern.search(element.text):
            element.text, spans = _run_spans(element.text, pattern, name, joiner)
            for position, span in enumerate(spans):
                element.insert(position, span)
        for child in list(element):
            if child.tail and pattern.search(child.tail):
                child.tail, spans = _run_spans(child.tail, pattern, name, joiner)
                index = list(element).index(child)
                for offset, span in enumerate(spans, start=1):
                    element.insert(index + offset, span)


def _span(cell, name):
    value = cell.get(name, "1")
    return max(1, min(int(value), 1000)) if value.isdigit() else 1


def _header_rows(rows):
    """The leading rows that are all header cells, with the rows their rowspans reach into."""
    count, reach = 0, 0
    for row in rows:
        cells = [cell for cell in row if cell.tag in {"td", "th"}]
        if not (cells and all(cell.tag == "th" for cell in cells)) and count >= reach:
            break
        reach = max(reach, *(count + _span(cell, "rowspan") for cell in cells)) if cells else reach
        count += 1
    return rows[:count] if count < len(rows) else []


def _prepare_table(table):
    rows = [row for row in table.iter("tr")]
    thead = table.find("thead")
    if thead is None:
        leading = _header_rows(rows)
        body = next((part for part in table if part.tag == "tbody" and leading and leading[0] in list(part)), None)
        if body is not None and all(row in list(body) for row in leading):
            thead = ET.Element("thead")
            for row in leading:
                body.remove(row)
                thead.append(row)
            table.insert(list(table).index(body), thead)
    header_rows = set(thead.iter("tr")) if thead is not None else set()
    number, covered_until = 0, 0
    for row in rows:
        if row in header_rows:
            continue
        row.set("data-row", str(number))
        if number < covered_until:
            _add_class(row, "span-cont")
        for cell in row:
            if cell.tag not in {"td", "th"}:
                continue
            covered_until = max(covered_until, number + _span(cell, "rowspan"))
            text = _text(cell)
            if NUMBER.match(text):
                _add_class(cell, "num")
            if 0 < len(text) <= KEEP_WHOLE or (len(text) <= KEEP_WHOLE_NAME and NAME.match(text)):
                _add_class(cell, "keep")
        number += 1


def _grid(rows):
    """{(row index, column): (cell, first row of the cell)} over the rows, rowspans and colspans filled in."""
    grid = {}
    for r, row in enumerate(rows):
        column = 0
        for cell in row:
            if cell.tag not in {"td", "th"}:
                continue
            while (r, column) in grid:
                column += 1
            for dr in range(_span(cell, "rowspan")):
                for dc in range(_span(cell, "colspan")):
                    grid.setdefault((r + dr, column + dc), (cell, r))
            column += _span(cell, "colspan")
    return grid


def split_table(html, row, widths=None):
    """One marked table's HTML cut before its body row `row`: the part before it, a 续表 mark, the rest with
    the header repeated. A rowspan that crosses the cut is shortened above it and its cell repeated below
    (so no cell moves under another header); `widths` (percentages) fix both parts' columns alike."""
    root = tinyhtml5.parse(io.StringIO(html), namespace_html_elements=False).find("./body")
    table = root.find(".//table")
    if table is None:
        return html
    body_rows = [tr for tr in table.iter("tr") if tr.get("data-row") is not None]
    cut = next((i for i, tr in enumerate(body_rows) if tr.get("data-row") == str(row)), None)
    if not cut:
        return html
    grid = _grid(body_rows)
    columns = 1 + max((column for _r, column in grid), default=0)
    inserts = []
    for column in range(columns):
        cell, first = grid.get((cut, column), (None, None))
        if cell is None or first >= cut or any(c is cell for c, *_ in inserts):
            continue
        copy = ET.fromstring(ET.tostring(cell))
        remaining = first + _span(cell, "rowspan") - cut
        cell.set("rowspan", str(cut - first))
        copy.set("rowspan", str(remaining))
        inserts.append((cell, copy, column))
    target = body_rows[cut]
    for _cell, copy, column in inserts:
        after = [c for c in target if c.tag in {"td", "th"}
                 and next(col for (r, col), (g, _f) in grid.items() if r == cut and g is c) > column]
        target.insert(list(target).index(after[0]) if after else len(target), copy)
    rest = ET.fromstring(ET.tostring(table))
    rest.set("data-grid", f"{table.get('data-grid')}-{row}")
    for part in (table, rest):
        sections = [p for p in part if p.tag in {"tbody", "tfoot"}]
        keep = body_rows[:cut] if part is table else None
        for section in sections:
            for tr in list(section):
                number = tr.get("data-row")
                if number is None:
                    continue
                if (part is table) != (int(number) < row):
                    section.remove(tr)
        if keep is not None and widths:
            _fix_widths(part, widths)
    if widths:
        _fix_widths(rest, widths)
    first_row = next((tr for tr in rest.iter("tr") if tr.get("data-row") is not None), None)
    if first_row is not None:
        first_row.set("class", " ".join(c for c in first_row.get("class", "").split() if c != "span-cont"))
    return (ET.tostring(table, method="html", encoding="unicode") + '<p class="continued">续表</p>'
            + ET.tostring(rest, method="html", encoding="unicode"))


def _fix_widths(table, widths):
    for old in table.findall("colgroup"):
        table.remove(old)
    colgroup = ET.Element("colgroup")
    for width in widths:
        ET.SubElement(colgroup, "col", style=f"width: {width}%")
    position = next((i for i, child in enumerate(table) if child.tag not in {"caption"}), 0)
    table.insert(position, colgroup)
    table.set("style", "table-layout: fixed")
