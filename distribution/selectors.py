"""Reads about who receives an issue and who may see it: every portal access rule lives here."""

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q

from articles.models import Article, Issue
from distribution.models import ROLE_ORDER, ROLE_PREFIX, Distribution, Receipt, Recipient


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
    return Recipient.objects.filter(
        Q(pk__in=Distribution.objects.filter(issue=issue).values("recipient_id"))
        | Q(pk__in=Recipient.groups.through.objects.filter(
            recipientgroup__distributions__issue=issue).values("recipient_id"))
    )


def sees_all_issued(user):
    """Staff who may view issues see every issued issue on the portal (drafts only in the admin)."""
    return user.is_active and user.is_staff and user.has_perm("articles.view_issue")


def _units_of(user):
    return Recipient.objects.filter(members=user, is_active=True)


def _addressed_to(units):
    """Issues addressed to any of `units`, directly or through a group, as a filter (subqueries, no extra query)."""
    # Two subqueries rather than one with OR, so each can use its index.
    return Q(pk__in=Distribution.objects.filter(recipient__in=units).values("issue_id")) | Q(
        pk__in=Distribution.objects.filter(group__members__in=units).values("issue_id")
    )


def issues_visible_to(user):
    """The issued issues `user` may read on the portal."""
    issues = Issue.objects.issued()
    if not user.is_authenticated:
        return issues.filter(disclosure=Issue.Disclosure.PUBLIC)
    if sees_all_issued(user):
        return issues
    return issues.filter(Q(disclosure=Issue.Disclosure.PUBLIC) | _addressed_to(_units_of(user)))


def visible_issue(user, pk):
    """The issued issue `pk` with its series if `user` may read it, else None (whether or not it exists)."""
    return issues_visible_to(user).select_related("series").filter(pk=pk).first()


def can_view_issue(user, issue):
    """Whether `user` may read `issue` on the portal."""
    return issues_visible_to(user).filter(pk=issue.pk).exists()


def addressed_units(user, issue):
    """The user's units that `issue` is addressed to: the units on whose behalf they view and acknowledge."""
    if not user.is_authenticated:
        return Recipient.objects.none()
    return _units_of(user).filter(pk__in=recipient_units(issue).values("pk"))


def unit_receipts(user, issue):
    """[(unit, receipt or None)] for the user's units that `issue` is addressed to, in two queries at most."""
    units = list(addressed_units(user, issue))
    if not units:
        return []
    receipts = {
        r.recipient_id: r
        for r in Receipt.objects.filter(issue=issue, recipient__in=units).select_related("acknowledged_by")
    }
    return [(unit, receipts.get(unit.pk)) for unit in units]


def issues_for_units_of(user, limit=20):
    """The latest issued issues addressed to the user's units, each with `unread` (no unit of theirs opened it)."""
    if not user.is_authenticated:
        return []
    units = _units_of(user)
    read = Receipt.objects.filter(issue=OuterRef("pk"), recipient__in=units, first_viewed_at__isnull=False)
    return list(
        Issue.objects.issued().filter(_addressed_to(units))
        .select_related("series").annotate(unread=~Exists(read))
        .order_by("-issue_date", "-pk")[:limit]
    )


ARCHIVE_TITLES = Article.objects.only("issue_id", "title").order_by("position", "pk")


def archive(user, *, series=None, year=None, query=""):
    """The issues `user` may read, newest first, optionally by series, year and words in a title or text."""
    issues = (
        issues_visible_to(user).select_related("series").order_by("-issue_date", "-pk")
        .prefetch_related(Prefetch("articles", queryset=ARCHIVE_TITLES))
    )
    if series:
        issues = issues.filter(series_id=series)
    if year:
        issues = issues.filter(year=year)
    for word in query.split():
        issues = issues.filter(
            pk__in=Article.objects.filter(Q(title__icontains=word) | Q(body__icontains=word)).values("issue_id")
        )
    return issues


def issued_version():
    """A value that changes whenever an issue is issued (issued issues themselves never change)."""
    latest = Issue.objects.issued().aggregate(n=Count("pk"), last=Max("approved_at"))
    return f"{latest['n']}|{latest['last']}"


def archive_facets(user):
    """The series and years the user's archive can be narrowed to: ([(id, name)], [year, ...])."""
    rows = list(issues_visible_to(user).order_by().values_list("series_id", "series__name", "year").distinct())
    series = sorted({(pk, name) for pk, name, _year in rows}, key=lambda s: s[1])
    years = sorted({year for _pk, _name, year in rows}, reverse=True)
    return series, years


def receipt_counts(issue):
    """How many addressed units have viewed, downloaded and acknowledged `issue`, and how many there are."""
    return Receipt.objects.filter(issue=issue).aggregate(
        units=Count("pk"),
        viewed=Count("pk", filter=Q(first_viewed_at__isnull=False)),
        downloaded=Count("pk", filter=Q(first_downloaded_at__isnull=False)),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
    )
