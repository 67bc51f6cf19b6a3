"""Where each article of an issued PDF begins: the page its title's bookmark points at."""

import pikepdf


def article_start_pages(pdf):
    """{article index (0-based, in print order): 0-based page} read from the top-level bookmarks of `pdf`
    (a pikepdf.Pdf); an article whose bookmark is missing or points nowhere is left out."""
    pages = {}
    with pdf.open_outline() as outline:
        for position, item in enumerate(outline.root):
            destination = item.destination
            if isinstance(destination, pikepdf.Array) and len(destination):
                try:
                    pages[position] = pdf.pages.index(pikepdf.Page(destination[0]))
                except ValueError:
                    pass
    return pages
