"""Template tags for the admin's 待我处理: the 信息报送 inbox's count."""

from django import template

from distribution import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def submissions_waiting(context):
    """How many submissions wait for a decision (待处理), for someone who may decide on them; else None."""
    user = context["request"].user
    return selectors.submissions_waiting() if selectors.decides_submissions(user) else None
