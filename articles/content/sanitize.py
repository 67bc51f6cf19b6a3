"""The allow-list that rich text passes through before it is saved.

It keeps what the print layout can show (paragraphs, bold, the heading levels,
lists, tables, images from our own media library) and drops everything else:
scripts, event handlers, inline styles (but centred and right alignment) and classes pasted from Word or WPS,
links, and any URL that leaves the site.
"""

import posixpath
import re
from urllib.parse import unquote, urlsplit

import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "sub", "sup",
    "h2", "h3", "h4", "h5",
    "ul", "ol", "li", "blockquote",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "figure", "figcaption", "img",
}
ALIGNED = ("p", "h2", "h3", "h4", "h5")
ALIGNMENTS = {"text-align:center", "text-align:right"}
ALLOWED_ATTRIBUTES = {
    **{tag: {"style"} for tag in ALIGNED},  # only the alignments the print layout has (see _filter_attribute)
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
# Their content goes with them, not only the tags.
SRCLESS_IMG = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
DROPPED_WITH_CONTENT = {"script", "style", "title", "noscript", "iframe", "object", "embed", "svg", "math", "template"}


def is_own_media_url(url):
    """True for a path inside MEDIA_URL on this site, with no tricks."""
    if not url:
        return False
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or parts.query or parts.fragment:
        return False
    path = unquote(parts.path)
    if "\\" in path or "\x00" in path:
        return False
    media = settings.MEDIA_URL
    return path.startswith(media) and posixpath.normpath(path).startswith(media) and ".." not in path


def _filter_attribute(tag, attribute, value):
    if attribute == "style":
        value = re.sub(r"\s+", "", value).rstrip(";").lower()
        return value if value in ALIGNMENTS else None
    if tag == "img" and attribute == "src":
        return value if is_own_media_url(value) else None
    if attribute in {"width", "height", "colspan", "rowspan", "start"}:
        return value if value.isdigit() and len(value) <= 4 else None
    return value


def sanitize_html(html):
    """Return rich text reduced to the allow-list."""
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=set(),
        link_rel=None,
        strip_comments=True,
    )
    # An <img> whose src was refused would print as an empty box: drop it.
    return SRCLESS_IMG.sub("", cleaned)
