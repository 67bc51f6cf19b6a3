"""Reads about an issue's addressees: the end block's lines and the units it reaches."""

from django.db.models import Q

from articles.models import ROLE_ORDER, ROLE_PREFIX, Distribution, Recipient


def address_lines(issue):
    """The end block's 报 / 送 / 发 lines: [(prefix, "甲，乙。"), ...], only roles that have someone."""
    # Only issuing fills these (before rendering), so an issued issue and its PDF share them.
    if issue.address_lines:
        return [tuple(line) for line in issue.address_lines]  # as printed, whatever was renamed since
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
    """Every unit the issue is addressed to now, directly or through a group (on issue this becomes its receipts)."""
    return Recipient.objects.filter(
        Q(pk__in=Distribution.objects.filter(issue=issue).values("recipient_id"))
        | Q(pk__in=Recipient.groups.through.objects.filter(
            recipientgroup__distributions__issue=issue).values("recipient_id"))
    )
