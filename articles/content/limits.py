"""Bounds on what an article body may hold, so that every issue can be laid out within the render budget.

Measured before the limits: a 1 MB table took 218 s and 1.77 GiB to preview, 10,000 nested lists
270 s and 2.1 GiB before WeasyPrint hit a RecursionError, 2 MB of text 30–57 s. The body is measured
as typed, before sanitising (nh3 itself takes 3 s on 40,000 nested <div>), in one linear pass over
the tags that keeps a stack of tag names and never recurses; the size check comes first, so that pass
never sees more than max_chars characters. Images are counted in the sanitised body, once the
structure is known to be within bounds: only the images the allow-list keeps will print.
"""

import collections
import dataclasses
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from articles.content.sanitize import sanitize_html


@dataclasses.dataclass(frozen=True)
class BodyLimits:
    max_chars: int = 200_000
    max_depth: int = 20
    max_table_rows: int = 300
    max_table_cells: int = 3_000
    max_images: int = 20


LIMITS = BodyLimits()

# Elements that never have content, so never add a level.
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
}
# An element the HTML parser closes when a sibling of the same kind starts (<li>a<li>b), with the
# elements that bound that search: an <li> inside a nested list does not close the outer one.
IMPLIED_END = {
    "p": {"table", "td", "th", "li", "blockquote", "figure"},
    "li": {"ul", "ol"},
    "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr", "table"},
    "th": {"tr", "table"},
    "thead": {"table"},
    "tbody": {"table"},
    "tfoot": {"table"},
}
# A block that starts closes an open <p> (HTML's "close a p element"), as html5ever does when sanitising.
CLOSES_P = {
    "address", "article", "aside", "blockquote", "div", "dl", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "ol", "p", "pre", "section", "table", "ul",
}


@dataclasses.dataclass
class BodyMeasure:
    """What the limits look at: characters, deepest nesting, the largest table, images that will print."""

    chars: int = 0
    depth: int = 0
    table_rows: int = 0
    table_cells: int = 0
    images: int = 0


TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
# Their content is text, not markup, up to their own end tag.
RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}


def _tags(html):
    """Yield (tag name, is an end tag) for each tag of `html`, in one linear pass.

    Not html.parser: on this Python (3.11.7) it is quadratic on unclosed tags (100,000 × "<a" took
    57 s) and raises AssertionError on "<![<![". Every search here starts after the previous one,
    and the next ">" is found once for all the "<" before it.
    """
    lower = html.lower()
    gt = -1
    start = html.find("<")
    while start != -1:
        if html.startswith("<!--", start):
            end = html.find("-->", start + 4)
            if end == -1:
                return
            start = html.find("<", end + 3)
            continue
        if gt < start:
            gt = html.find(">", start)
            if gt == -1:
                return
        match = TAG.match(html, start, gt)
        if match is None:
            start = html.find("<", start + 1)
            continue
        name, is_end = match[2].lower(), bool(match[1])
        yield name, is_end
        start = html.find("<", gt + 1)
        if name in RAW_TEXT and not is_end:
            start = lower.find(f"</{name}", gt + 1)


class _Measurer:
    """Follows the open elements of a body closely enough to count its nesting, tables and images."""

    def __init__(self):
        self.measure = BodyMeasure()
        self.open = []  # tag names of the open elements, outermost first
        # Where each tag name is open in self.open: finding the element an end tag (or an implied end)
        # closes takes constant time, so a hostile body cannot make the measuring quadratic.
        self.positions = collections.defaultdict(list)
        self.tables = []  # [rows, cells] of each open table, innermost last

    def feed(self, html):
        for tag, is_end in _tags(html):
            if is_end:
                self.end(tag)
            else:
                self.start(tag)
        return self.measure

    def start(self, tag):
        if tag in VOID_ELEMENTS:
            return
        if tag in CLOSES_P or tag == "li":
            self._close_implied("p")
        if tag in IMPLIED_END and tag != "p":  # an open <p> was closed just above
            self._close_implied(tag)
        if tag == "table":
            self.tables.append([0, 0])
        elif self.tables and tag == "tr":
            self.tables[-1][0] += 1
            self.measure.table_rows = max(self.measure.table_rows, self.tables[-1][0])
        elif self.tables and tag in ("td", "th"):
            self.tables[-1][1] += 1
            self.measure.table_cells = max(self.measure.table_cells, self.tables[-1][1])
        self.positions[tag].append(len(self.open))
        self.open.append(tag)
        self.measure.depth = max(self.measure.depth, len(self.open))

    def end(self, tag):
        # An end tag with nothing open to close is ignored, as browsers ignore it.
        if self.positions[tag]:
            self._pop_to(self.positions[tag][-1])

    def _close_implied(self, tag):
        """Close the open `tag` unless one of the elements that bound it was opened inside it."""
        if not self.positions[tag]:
            return
        index = self.positions[tag][-1]
        if not any(self.positions[bound] and self.positions[bound][-1] > index for bound in IMPLIED_END[tag]):
            self._pop_to(index)

    def _pop_to(self, index):
        """Close the element at `index` and everything opened inside it."""
        while len(self.open) > index:
            tag = self.open.pop()
            self.positions[tag].pop()
            if tag == "table":
                self.tables.pop()


def measure_body(html, *, limits=LIMITS):
    """Measure a body as typed; the rest only below the size limit, images only below the depth limit too."""
    if not html or len(html) > limits.max_chars:
        return BodyMeasure(chars=len(html or ""))
    measure = _Measurer().feed(html)
    measure.chars = len(html)
    if measure.depth <= limits.max_depth:
        # Only the images the allow-list keeps will print (pasted ones with outside addresses are dropped);
        # below the size and depth limits sanitising takes milliseconds.
        measure.images = sanitize_html(html).count("<img")
    return measure


def body_errors(html, limits=LIMITS):
    """The limits a body exceeds, as translated messages naming the limit and the measured value."""
    measure = measure_body(html, limits=limits)
    checks = [
        (measure.chars, limits.max_chars,
         _("The body is too long (%(value)s characters, at most %(limit)s).")),
        (measure.depth, limits.max_depth,
         _("The body is nested too deeply (%(value)s levels, at most %(limit)s).")),
        (measure.table_rows, limits.max_table_rows,
         _("A table in the body has too many rows (%(value)s rows, at most %(limit)s).")),
        (measure.table_cells, limits.max_table_cells,
         _("A table in the body has too many cells (%(value)s cells, at most %(limit)s).")),
        (measure.images, limits.max_images,
         _("The body has too many images (%(value)s, at most %(limit)s).")),
    ]
    return [
        ValidationError(message, code="limit", params={"value": value, "limit": limit})
        for value, limit, message in checks
        if value > limit
    ]


def check_body(html, limits=LIMITS):
    """Raise a ValidationError listing every limit the body exceeds."""
    errors = body_errors(html, limits)
    if errors:
        raise ValidationError(errors)
