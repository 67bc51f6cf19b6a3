"""Reads about who receives an issue and who may see it: every portal access rule lives here."""

from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q

from articles.models import Article, Issue, Recipient
from distribution.models import Receipt, Submission


def sees_all_issued(user):
    """Staff who may view issues see every issued issue on the portal (drafts only in the admin)."""
    return user.is_active and user.is_staff and user.has_perm("articles.view_issue")


def unit_ids(user):
    """Ids of the active units `user` is an account of (one query, remembered on the user object like its perms)."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_portal_unit_ids"):
        units = Recipient.objects.filter(members=user, is_active=True)
        user._portal_unit_ids = list(units.values_list("pk", flat=True))
    return user._portal_unit_ids


def _addressed_to(ids):
    """Issues that were addressed to any of the units `ids` when they were issued, as a filter."""
    # The receipts made on issue record who it went to; later changes to groups do not change that.
    return Q(pk__in=Receipt.objects.filter(recipient__in=ids).values("issue_id"))


def public_issues():
    """The issued 主动公开 issues: what anyone may read, signed in or not (and all the public feed shows)."""
    return Issue.objects.issued().filter(disclosure=Issue.Disclosure.PUBLIC)


def issues_visible_to(user):
    """The issued issues `user` may read on the portal."""
    issues = Issue.objects.issued()
    if not user.is_authenticated:
        return public_issues()
    if sees_all_issued(user):
        return issues
    ids = unit_ids(user)
    if not ids:
        return public_issues()
    return issues.filter(Q(disclosure=Issue.Disclosure.PUBLIC) | _addressed_to(ids))


def issued_issue(pk):
    """The issued issue `pk` with its series, or None; whether the user may read it is reader_access's call."""
    return next(iter(Issue.objects.issued().select_related("series").filter(pk=pk)[:1]), None)


# A missing or not (yet) issued id is cached as this, so that looking up an issued issue one may not read
# and an id that is no issue cost the same (one cache read): timing tells nothing about which ids exist.
NOT_ISSUED = "not-issued"
ISSUED_ISSUE_TTL = 300
# What a missing id is checked against (reader_access), so that the check costs what it costs for a real issue.
NOBODYS_ISSUE = Issue(pk=0, disclosure=Issue.Disclosure.NOT_PUBLIC)


def _issued_issue_key(pk):
    return f"portal:issued-issue:{pk}"


def issued_issue_cached(pk):
    """issued_issue(pk) through the cache, misses included (an issued issue never changes)."""
    key = _issued_issue_key(pk)
    issue = cache.get(key)
    if issue is None:
        issue = issued_issue(pk)
        cache.set(key, issue if issue is not None else NOT_ISSUED, ISSUED_ISSUE_TTL)
    return None if issue == NOT_ISSUED else issue


def issued_issue_forget(pk):
    """Drop the cached answer for `pk` once it is issued (its cached miss would hide it)."""
    cache.delete(_issued_issue_key(pk))


def reader_access(user, issue):
    """(may `user` read the issued `issue`, [(unit, receipt)] for their units it is addressed to)."""
    units = unit_receipts(user, issue)
    # The same rule as issues_visible_to, for one issue: public, addressed to one of their units, or staff.
    return bool(issue.is_public or units or sees_all_issued(user)), units


def unit_receipts(user, issue):
    """[(unit, receipt)] for the user's units that `issue` was addressed to on issue, in one query at most."""
    ids = unit_ids(user)
    if not ids:
        return []
    receipts = Receipt.objects.filter(issue=issue, recipient__in=ids).select_related("recipient", "acknowledged_by")
    return [(receipt.recipient, receipt) for receipt in receipts]


def issues_for_units_of(user, limit=10):
    """The latest issued issues addressed to the user's units, each with `unread` (no unit of theirs opened it)."""
    ids = unit_ids(user)
    if not ids:
        return []
    read = Receipt.objects.filter(issue=OuterRef("pk"), recipient__in=ids, first_viewed_at__isnull=False)
    # 待签收 while a unit of theirs it is addressed to has not acknowledged it.
    pending = Receipt.objects.filter(issue=OuterRef("pk"), recipient__in=ids, acknowledged_at__isnull=True)
    return list(
        Issue.objects.issued().filter(_addressed_to(ids))
        .select_related("series").annotate(unread=~Exists(read), to_acknowledge=Exists(pending))
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
    latest = Issue.objects.issued().aggregate(n=Count("pk"), last=Max("issued_at"))
    return f"{latest['n']}|{latest['last']}"


def archive_scope(user):
    """A key for everything that decides which issues `user` may see (with issued_version(), the whole archive)."""
    if not user.is_authenticated:
        return "anonymous"
    if sees_all_issued(user):
        return "all"
    # Who an issued issue went to is fixed on issue (its receipts), so its readers follow from their units.
    return f"units:{sorted(unit_ids(user))}"


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


# --- 信息报送 -------------------------------------------------------------------------------------------------

SUBMISSION_LIST = Submission.objects.select_related(
    "unit", "column", "adopted_column", "adopted_article__issue__series")


def submissions_of(user):
    """The submissions of the user's units, newest first (nobody else's, whoever asks)."""
    return SUBMISSION_LIST.filter(unit__in=unit_ids(user)).order_by("-created_at", "-pk")


def submission_of(user, pk):
    """Submission `pk` if it belongs to one of the user's units, else None (a 404 for anyone else)."""
    return submissions_of(user).filter(pk=pk).first()


def decides_submissions(user):
    """Editors (anyone who may change issues) adopt, merge, decline and return submissions."""
    return user.is_active and user.has_perm("articles.change_issue")


def submissions_waiting():
    """How many submissions wait for an editor's decision (待处理)."""
    return Submission.objects.filter(status=Submission.Status.SUBMITTED).count()


def adopted_in(submission):
    """(issue, column, page of its PDF or None) once the issue the submission was adopted into is issued,
    else None (a draft is not shown to units)."""
    article = submission.adopted_article
    if submission.status != Submission.Status.ADOPTED or article is None or not article.issue.is_issued:
        return None
    return article.issue, submission.adopted_column, submission.adopted_page


# 采用统计: the office's scoring rules (docs/submissions.md). A merged article's score is shared equally by its
# submissions.
SCORE_ADOPTED = Decimal(1)
SCORE_BY_COLUMN = {"特别关注": Decimal(2)}
QUARTERS = {1: (1, 3), 2: (4, 6), 3: (7, 9), 4: (10, 12)}


def submission_score(submission):
    """What one adopted submission scores: its column's points (or SCORE_ADOPTED), shared when merged."""
    column = submission.adopted_column.name if submission.adopted_column else ""
    return SCORE_BY_COLUMN.get(column, SCORE_ADOPTED) / submission.adopted_share_of


def submission_stats(*, year, quarter=None):
    """Per unit, for the submissions of `year` (and `quarter`): submitted, adopted, adopted per 栏目 and score,
    the highest score first (one query)."""
    rows = Submission.objects.filter(created_at__year=year)
    if quarter:
        first, last = QUARTERS[quarter]
        rows = rows.filter(created_at__month__gte=first, created_at__month__lte=last)
    units = {}
    for submission in rows.select_related("unit", "adopted_column").order_by():
        row = units.setdefault(submission.unit_id, {
            "unit": submission.unit.name, "sort": (submission.unit.sort_order, submission.unit.name),
            "submitted": 0, "adopted": 0, "score": Decimal(0), "by_column": {}})
        row["submitted"] += 1
        if submission.status == Submission.Status.ADOPTED:
            row["adopted"] += 1
            column = submission.adopted_column.name if submission.adopted_column else ""
            row["by_column"][column] = row["by_column"].get(column, 0) + 1
            row["score"] += submission_score(submission)
    result = sorted(units.values(), key=lambda r: (-r["score"], -r["adopted"], r["sort"]))
    for row in result:
        row["score"] = row["score"].quantize(Decimal("0.01"))
        del row["sort"]
    return result
