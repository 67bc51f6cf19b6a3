"""Inter-character justification for WeasyPrint 70, the way Chinese is set.

WeasyPrint justifies a line only at its spaces (U+0020, U+00A0). A line of Hanzi has none, so a line
that the line-start/line-end rules (避头尾) cut one character early, or that holds digits or Latin, ends
1–3 cells short of the right edge; a line with a single space stretches that one space by the whole
shortfall ("（WeChat ←→ Mini"). Chinese typesetting spreads the shortfall evenly between all the
characters of the line instead (CSS `text-justify: inter-character`, which WeasyPrint does not support).

`install()` replaces WeasyPrint's `justify_line` (called for every justified line that is not the last
of its paragraph) with one that adds the shortfall as letter spacing on the line's text boxes. The
text boxes keep their text: only their style's letter spacing changes, which WeasyPrint applies again
when it reshapes the text to draw it, so the extracted text gains no spaces.
"""

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline

# Spread at most this much per character (in em): a line much shorter than the measure (a long URL
# pushed to the next line) is better left short than letter-spaced into gaps.
MAX_SPACING_EM = 0.5
SLACK_PX = 0.8
_original = inline.justify_line


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
    count = sum(len(box.text) for box in texts)
    if count < 2 or not texts or line.style["direction"] == "rtl":
        return _original(context, line, extra_width)
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
        style = box.style.copy()
        current = style["letter_spacing"]
        style["letter_spacing"] = (0 if current == "normal" else current) + spacing
        box.style = style
        added = spacing * len(box.text)
        box.width += added
        return x_advance + added
    start = x_advance
    for child in box.children:
        if child.is_in_normal_flow():
            x_advance = _spread(child, spacing, x_advance)
    box.width += x_advance - start
    return x_advance


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
