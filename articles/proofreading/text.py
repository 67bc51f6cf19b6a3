"""An article as the proofreader reads it: one plain text (title, subtitle, body paragraphs, one per line),
and the way back from a span of that text to the stored field, so a suggestion can be applied in place."""

import html
import re
from dataclasses import dataclass

TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>|&(?:#[xX][0-9a-fA-F]+|#\d+|[a-zA-Z][a-zA-Z0-9]*);|[^<&]+|[<&]")
# Tags that end a paragraph (or a cell) as a reader sees it.
BREAKS = {"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "tr", "div", "blockquote", "figcaption",
          "caption", "table", "ul", "ol", "figure"}


def body_text(body):
    """(text, starts, ends) of a stored HTML body: text[i] is body[starts[i]:ends[i]] as a reader sees it, or a
    line break the markup makes (start -1); paragraphs are separated by one newline."""
    chars, starts, ends = [], [], []

    def add(text, start, end):
        for i, char in enumerate(text):
            chars.append(char)
            if end - start == len(text):  # plain characters: one for one
                starts.append(start + i)
                ends.append(start + i + 1)
            else:  # an entity: its characters map to the whole entity
                starts.append(start)
                ends.append(end)

    def newline():
        if chars and chars[-1] != "\n":
            chars.append("\n")
            starts.append(-1)
            ends.append(-1)

    for match in TOKEN.finditer(body or ""):
        token = match.group(0)
        if match.group(2):
            if match.group(2).lower() in BREAKS:
                newline()
        elif token.startswith("&") and len(token) > 1:
            add(html.unescape(token).replace("\xa0", " "), match.start(), match.end())
        else:
            if not token.strip() and "\n" in token:
                continue  # indentation between tags
            if "\n" in token or "\r" in token or "\t" in token:
                # a run of whitespace inside text reads as one space
                for sub in re.finditer(r"[ \t\r\n\f]+|[^ \t\r\n\f]+", token):
                    value = sub.group(0)
                    if value[0] in " \t\r\n\f":
                        chars.append(" ")
                        starts.append(match.start() + sub.start())
                        ends.append(match.start() + sub.end())
                    else:
                        add(value, match.start() + sub.start(), match.start() + sub.end())
            else:
                add(token, match.start(), match.end())
    while chars and chars[-1] == "\n":
        chars.pop()
        starts.pop()
        ends.pop()
    return "".join(chars), starts, ends


@dataclass
class Segment:
    field: str
    start: int  # in the article's text
    end: int
    starts: list | None = None  # for the body: where each character comes from in the HTML
    ends: list | None = None


class ArticleText:
    """The text of one article as proofread: title lines, subtitle, then the body's paragraphs, one per line."""

    def __init__(self, *, title="", subtitle="", body=""):
        self.values = {"title": title or "", "subtitle": subtitle or "", "body": body or ""}
        parts, self.segments, offset = [], [], 0
        pieces = [("title", self.values["title"], None, None), ("subtitle", self.values["subtitle"], None, None)]
        text, starts, ends = body_text(self.values["body"])
        pieces.append(("body", text, starts, ends))
        for field, value, starts, ends in pieces:
            if not value:
                continue
            if parts:
                parts.append("\n")
                offset += 1
            parts.append(value)
            self.segments.append(Segment(field, offset, offset + len(value), starts, ends))
            offset += len(value)
        self.text = "".join(parts)

    @classmethod
    def of(cls, article):
        return cls(title=article.title, subtitle=article.subtitle, body=article.body)

    def replaced(self, start, end, replacement):
        """The article's fields with text[start:end] replaced, or None when the span cannot be replaced in place
        (it crosses fields or paragraphs, or formatting inside it)."""
        for segment in self.segments:
            if segment.start <= start and end <= segment.end and start < end:
                a, b = start - segment.start, end - segment.start
                value = self.values[segment.field]
                if segment.starts is None:
                    new = value[:a] + replacement + value[b:]
                else:
                    starts, ends = segment.starts[a:b], segment.ends[a:b]
                    if -1 in starts or any(ends[i] != starts[i + 1] and starts[i] != starts[i + 1]
                                           for i in range(len(starts) - 1)):
                        return None
                    new = value[:starts[0]] + html.escape(replacement, quote=False) + value[ends[-1]:]
                return {**self.values, segment.field: new}
        return None
