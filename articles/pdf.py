"""The PDF renderer: an issue → a PDF in the official print layout (first cut)."""

import dataclasses

from django.template.loader import render_to_string
from weasyprint import HTML


class PdfRenderError(Exception):
    """Rendering failed; the message says why."""


@dataclasses.dataclass
class RenderedPdf:
    content: bytes
    pages: int


def render_issue(issue, *, preview):
    from distribution.selectors import address_lines

    html = render_to_string("print/issue.html", {
        "issue": issue, "articles": issue.articles.all(), "address_lines": address_lines(issue), "preview": preview,
    })
    try:
        document = HTML(string=html, base_url="/").render()
        return RenderedPdf(content=document.write_pdf(), pages=len(document.pages))
    except Exception as exc:  # noqa: BLE001 - any failure must leave the issue as it was
        raise PdfRenderError(str(exc)) from exc
