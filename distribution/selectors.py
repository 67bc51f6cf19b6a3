"""Reads about who receives an issue."""

from distribution.models import ROLE_ORDER, ROLE_PREFIX, Distribution


def address_lines(issue):
    """The end block's 报 / 送 / 发 lines: [(prefix, "甲，乙。"), ...], only roles that have someone."""
    entries = sorted(
        Distribution.objects.filter(issue=issue).select_related("recipient", "group"),
        key=lambda d: (ROLE_ORDER.index(d.role), d.addressee.sort_order, d.addressee.name),
    )
    lines = []
    for role in ROLE_ORDER:
        names = [d.addressee.name for d in entries if d.role == role]
        if names:
            lines.append((ROLE_PREFIX[role], "，".join(names) + "。"))
    return lines


def recipient_units(issue):
    """Every unit the issue is addressed to, directly or through a group."""
    from django.db.models import Q

    from distribution.models import Recipient

    return Recipient.objects.filter(
        Q(distributions__issue=issue) | Q(groups__distributions__issue=issue)
    ).distinct()
