"""Template filters for showing an article's text on the web as the print layout marks it."""

from django import template
from django.utils.safestring import mark_safe

from articles import roles
from articles.printing import print_body

register = template.Library()


@register.filter
def marked_body(article):
    """The article's body with the print marks (numbers and short names in cells kept whole: class num / keep)."""
    return mark_safe(print_body.prepare(article.body, f"a{article.pk}"))


@register.filter
def person(user):
    """A person by their name (articles.roles.person_name), never their login name while a name is set."""
    return roles.person_name(user)
