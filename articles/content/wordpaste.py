"""Word and WPS in: what a pasted or imported Word document brings, turned into the print layout's markup.

Applied to every body before the allow-list (articles.models.stored_body), so pasting, importing a
.docx and saving agree:

- A short line that starts with 一、 / （一） / 1. is a heading of the print layout: 一级 (h2, 黑体),
  二级 (h3, 楷体), 三级 (h4, 仿宋加粗). （1） stays body text, as GB/T 9704 customs have it. Long
  paragraphs that start with a number keep their paragraph (offices write "1.切实加强学习。要……").
- A list item that carries its own number in its text ("1. 一、切实加强学习" in print: Word or WPS
  numbering plus a typed number) loses the list, so it is never numbered twice.
- Word's hidden list markers (mso-list:Ignore) are dropped.
- Centred and right-aligned paragraphs (表1 captions, signatures, dates) keep their alignment, as
  style="text-align:center|right" (the only style the allow-list keeps).
- Images that are not in our media library (file:///…clip_image001.png from Word, http(s) elsewhere,
  data: URLs) cannot be kept: `image_problems` names them, and every form that saves a body
  (Article.clean) refuses them with that message, keeping what was typed, instead of dropping them
  silently; the editor warns at the paste already (static/bulletin/paste.js).
"""

import re

import lxml.html
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from articles.content.sanitize import is_own_media_url

HEADINGS = [
    (re.compile(r"^[一二三四五六七八九十百]+、"), "h2"),
    (re.compile(r"^[（(][一二三四五六七八九十百]+[）)]"), "h3"),
    (re.compile(r"^\d{1,2}[.．](?!\d)"), "h4"),
]
NUMBERED_TEXT = re.compile(r"^([一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百\d]+[）)]|\d{1,2}[.．、](?!\d))")
# A heading is one short line: no full stop inside it, at most this many characters.
HEADING_MAX = 40
ALIGN = re.compile(r"text-align\s*:\s*(center|right)", re.I)
BLOCKS = ("p", "h2", "h3", "h4", "h5", "li")


def _text(element):
    return re.sub(r"\s+", "", element.text_content() or "")


def _heading_level(text):
    if len(text) > HEADING_MAX or "。" in text.rstrip("。")[:-1]:
        return None
    for pattern, tag in HEADINGS:
        if pattern.match(text):
            return tag
    return None


def normalize(html):
    """The body with Word's and WPS's numbering and alignment turned into the print layout's markup."""
    if not html or not html.strip():
        return html or ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for marker in root.xpath('.//*[contains(translate(@style, "MSOLIST", "msolist"), "mso-list:ignore")]'):
        marker.drop_tree()
    for office in [el for el in root.iter() if isinstance(el.tag, str) and ":" in el.tag]:
        office.drop_tag()  # Word's <o:p> and friends: their text stays
    # List items numbered in their own text: out of the list, so the number prints once.
    for lst in root.xpath(".//ol | .//ul"):
        items = lst.findall("li")
        if items and all(NUMBERED_TEXT.match(_text(li)) for li in items):
            index = lst.getparent().index(lst)
            parent = lst.getparent()
            for offset, li in enumerate(items):
                li.tag = "p"
                parent.insert(index + offset, li)
            parent.remove(lst)
    for element in root.iter(*BLOCKS):
        align = (element.get("align") or "").lower()
        match = ALIGN.search(element.get("style", ""))
        value = match.group(1).lower() if match else align if align in ("center", "right") else None
        for attribute in ("style", "align", "class"):
            element.attrib.pop(attribute, None)
        if value:
            element.set("style", f"text-align:{value}")
        if element.tag == "p" and not value:
            level = _heading_level(_text(element))
            if level:
                element.tag = level
    # A picture without alternative text takes its caption's, so screen readers say what it shows.
    for figure in root.iter("figure"):
        caption = figure.find("figcaption")
        text = " ".join(caption.text_content().split()) if caption is not None else ""
        for img in figure.iter("img"):
            if text and not (img.get("alt") or "").strip():
                img.set("alt", text[:200])
    wrapped = lxml.html.tostring(root, encoding="unicode")
    return wrapped[len("<div>"):-len("</div>")]


def image_problems(html):
    """The images of a body that cannot be kept, as messages naming each one."""
    if not html or "<img" not in html.lower():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    problems = []
    for number, img in enumerate(root.iter("img"), start=1):
        src = (img.get("src") or "").strip()
        if is_own_media_url(src):
            continue
        shown = src if len(src) <= 80 else src[:60] + "…" + src[-15:]
        if src.lower().startswith("file:"):
            why = _("it is a file on your computer (Word keeps pasted pictures there)")
        elif src.lower().startswith("data:"):
            why = _("it is embedded in the pasted text, not uploaded")
        elif src.lower().startswith(("http://", "https://", "//")):
            why = _("it is on another website")
        else:
            why = _("it is not a picture uploaded to this system")
        problems.append(_("Image %(number)s (%(src)s) cannot be kept: %(why)s. Upload the picture with the "
                          "editor's image button instead.") % {"number": number, "src": shown or "—", "why": why})
    return problems


def check_images(html):
    problems = image_problems(html)
    if problems:
        raise ValidationError(problems, code="image")
