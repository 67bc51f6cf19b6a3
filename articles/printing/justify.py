"""Inter-character justification for WeasyPrint 70, the way Chinese is set.

WeasyPrint justifies a line only at its spaces (U+0020, U+00A0). A line of Hanzi has none, so a line
that the line-start/line-end rules (避头尾) cut one character early, or that holds digits or Latin, ends
1–3 cells short of the right edge; a line with a single space stretches that one space by the whole
shortfall ("（WeChat ←→ Mini"). Chinese typesetting spreads the shortfall evenly between all the
characters of the line instead (CSS `text-justify: inter-character`, which WeasyPrint does not support).

`install()` replaces WeasyPrint's `justify_line` (called for every justified line that is not the last
of its paragraph) with one that adds the shortfall as letter spacing, but only where Chinese text allows
it: after each Chinese character or punctuation mark (East Asian width W or F) and each space, never
between the letters of a Latin word or the digits of a number ("https", "2024", "3,456,789" keep their
natural spacing; the gap between such a run and the Chinese text around it takes half a share). The text
boxes keep their text: their style only records the extra spacing (CJK_EXTRA), which the patched
`Layout.set_text` turns into Pango letter-spacing attributes on those characters' byte ranges when
WeasyPrint reshapes the text to draw it, so the extracted text gains no spaces.
"""

import re

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text import line_break
from weasyprint.text.ffi import TO_UNITS, ffi, pango

# Spread at most this much per character (in em): a line much shorter than the measure (a long URL
# pushed to the next line) is better left short than letter-spaced into gaps.
MAX_SPACING_EM = 0.5
SLACK_PX = 0.8
# The style key (not a CSS property) carrying a text box's extra spacing per spreadable character, in px.
CJK_EXTRA = "cjk_extra_spacing"
# Chinese (and other East Asian wide) characters and punctuation, fullwidth forms, quotes, dashes, ellipses
# and spaces: the characters after which justification may add space. One regex, so counting is C-speed.
WIDE = ("\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3"
        "\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd")
SPREADABLE = re.compile(f"[{WIDE}\u3000 \u00a0\u2014\u2026\u201c\u201d\u2018\u2019]")
SPREADABLE_RUN = re.compile(f"{SPREADABLE.pattern}+")
_original = inline.justify_line
_original_set_text = line_break.Layout.set_text


def spreadable(text):
    """How many characters of text take extra spacing: Chinese characters and punctuation, and spaces."""
    return len(SPREADABLE.findall(text))


def _text_boxes(box):
    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, boxes.LineBox | boxes.InlineBox):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _text_boxes(child)


def justify_line(context, line, extra_width):
    """Spread extra_width over the gaps between the line's characters (all of them, spaces included)."""
    texts = list(_text_boxes(line))
    if not texts or line.style["direction"] == "rtl":
        return _original(context, line, extra_width)
    count = sum(spreadable(box.text) for box in texts)
    if count < 2:
        return None  # a line of Latin or digits: left as it is, never letter-spaced
    # Spread over every character (the last one's spacing falls after it, outside the ink), so the line
    # never runs past the type area; its last character ends within a fraction of a point of the edge.
    # WeasyPrint's line width can already run a few tenths of a point into the letter spacing after the
    # last character; keep SLACK_PX of the shortfall unspread so the ink never passes the edge.
    spacing = max(0, extra_width - SLACK_PX) / count
    if spacing > MAX_SPACING_EM * line.style["font_size"]:
        return None
    _spread(line, spacing, 0)
    return None


def _spread(box, spacing, x_advance):
    """Move the box by x_advance, widen its text by spacing per character; the advance after it."""
    if not isinstance(box, boxes.TextBox | boxes.LineBox | boxes.InlineBox):
        box.translate(dx=x_advance)  # an image or inline block: moved whole, not spread
        return x_advance
    box.position_x += x_advance
    if isinstance(box, boxes.TextBox):
        count = spreadable(box.text)
        if count:
            style = box.style.copy()
            style[CJK_EXTRA] = spacing
            box.style = style
        added = spacing * count
        box.width += added
        return x_advance + added
    start = x_advance
    for child in box.children:
        if child.is_in_normal_flow():
            x_advance = _spread(child, spacing, x_advance)
    box.width += x_advance - start
    return x_advance


def set_text(self, text, justify=False):
    """WeasyPrint's Layout.set_text, then the extra spacing of a justified line on its spreadable characters."""
    _original_set_text(self, text, justify)
    extra = dict.get(self.style, CJK_EXTRA) if justify else None
    if not extra or not self.text:
        return
    base = self.style["letter_spacing"]
    spacing = int(((0 if base == "normal" else base) + extra) * TO_UNITS)
    attr_list = pango.pango_layout_get_attributes(self.layout)
    if attr_list == ffi.NULL:
        attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    position, byte = 0, 0
    for run in SPREADABLE_RUN.finditer(self.text):
        byte += len(self.text[position:run.start()].encode())
        end = byte + len(run.group().encode())
        attr = pango.pango_attr_letter_spacing_new(spacing)
        attr.start_index, attr.end_index = byte, end
        pango.pango_attr_list_change(attr_list, attr)
        position, byte = run.end(), end
    pango.pango_layout_set_attributes(self.layout, attr_list)


class UnsupportedWeasyPrint(RuntimeError):
    """The installed WeasyPrint is not the version this patch was written for."""


# The WeasyPrint major version whose internals (inline.justify_line, box attributes) this module knows.
WRITTEN_FOR = "70"


def supported():
    """True when the installed WeasyPrint is the version this patch was written for."""
    return weasyprint.__version__.split(".")[0] == WRITTEN_FOR


def install():
    """Use inter-character justification in WeasyPrint's inline layout; called on the render path only.

    Nothing is patched at import or at django.setup(): with another WeasyPrint the site runs and only
    rendering fails (the engine says why, in Chinese; the system check articles.W003 warns).
    """
    if inline.justify_line is justify_line:
        return
    if not supported():
        raise UnsupportedWeasyPrint(weasyprint.__version__)
    inline.justify_line = justify_line
    line_break.Layout.set_text = set_text
