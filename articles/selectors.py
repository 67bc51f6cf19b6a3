"""Reads about an issue's addressees: the end block's lines, the units it reaches, the address book."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from articles.models import ROLE_ORDER, ROLE_PREFIX, DefaultAddressee, Distribution, Recipient, RecipientGroup


def address_lines(issue):
    """The end block's 报 / 送 / 发 lines: [(prefix, "甲，乙。"), ...], only roles that have someone."""
    # Only issuing fills these (before rendering), so an issued issue and its PDF share them.
    if issue.address_lines:
        return [tuple(line) for line in issue.address_lines]  # as printed, whatever was renamed since
    return _lines(Distribution.objects.filter(issue=issue).select_related("recipient", "group"))


def usual_address_lines(series):
    """A series' usual 报 / 送 / 发 as they would print: [(prefix, "甲，乙。"), ...]."""
    return _lines(DefaultAddressee.objects.filter(series=series).select_related("recipient", "group"))


def _lines(rows):
    """[(prefix, "甲，乙。"), ...] of address rows (a unit or a group each), in print order, only roles with someone."""
    entries = sorted(rows, key=lambda d: (ROLE_ORDER.index(d.role), (d.recipient or d.group).sort_order,
                                          (d.recipient or d.group).name))
    lines = []
    for role in ROLE_ORDER:
        names = [(d.recipient or d.group).name for d in entries if d.role == role]
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


@dataclass
class AddressBook:
    """The address book as the issue form lists it: each group with its units, then the units in no group."""

    sections: list  # [(RecipientGroup or None, [Recipient, ...])], groups and units in their print order
    members: dict  # group pk -> {unit pk}, every member (inactive ones too)
    units: dict  # unit pk -> Recipient, the units listed
    groups: dict  # group pk -> RecipientGroup


def address_book(*, keep_units=()):
    """The active units (and `keep_units`, already on the issue) by group, in print order: three queries."""
    units = list(Recipient.objects.filter(Q(is_active=True) | Q(pk__in=list(keep_units))))
    groups = list(RecipientGroup.objects.all())
    members = defaultdict(set)
    for group_id, unit_id in RecipientGroup.members.through.objects.values_list("recipientgroup_id", "recipient_id"):
        members[group_id].add(unit_id)
    in_a_group = set().union(*members.values())
    sections = [(group, [unit for unit in units if unit.pk in members[group.pk]]) for group in groups]
    others = [unit for unit in units if unit.pk not in in_a_group]
    if others:
        sections.append((None, others))
    return AddressBook(sections=sections, members=dict(members), units={unit.pk: unit for unit in units},
                       groups={group.pk: group for group in groups})
