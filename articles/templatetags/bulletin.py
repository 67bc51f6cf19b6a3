"""Template filters for showing an article's text on the web as the print layout marks it."""

from django import template
from django.utils.safestring import mark_safe

from articles.printing import print_body

register = template.Library()


@register.filter
def marked_body(article):
    """The article's body with the print marks (numbers and short names in cells kept whole: class num / keep)."""
    return mark_safe(print_body.prepare(article.body, f"a{article.pk}"))
