"""The history of an issue's content before it is issued: revisions, snapshots for comparing them, restore.

django-reversion stores each revision: it serialises the issue together with the objects it
follows (articles, their meeting and award facts, the 报 / 送 / 发 lines) in one `Revision`, with
who and when, and can rebuild any of them. Our `IssueRevision` row adds what reversion does not know:
which issue, its version number, the state it was in, the kind of save, and a digest of the content
that makes "nothing changed" cost no revision.
"""

import hashlib
import json

import reversion
from django.db import transaction
from django.db.models import Max
from django.utils.formats import date_format
from reversion.models import Version

from articles.models import (
    ROLE_ORDER,
    ROLE_PREFIX,
    Article,
    Award,
    Column,
    Distribution,
    Issue,
    IssueRevision,
    Meeting,
    Recipient,
    RecipientGroup,
)

# The issue's own fields that are content (the rest is workflow state, numbering and the stored PDF).
ISSUE_CONTENT_FIELDS = ["series", "issue_date", "print_date", "print_run", "disclosure", "extra_recipients"]
ARTICLE_FIELDS = ["position", "kind", "title", "subtitle", "body", "source", "column_id"]
MEETING_FIELDS = ["date", "organiser", "name", "chair", "attendees", "topics"]
AWARD_FIELDS = ["awarding_body", "award_name", "awardee", "date", "notice"]


def register():
    """Tell reversion what one revision of an issue holds (called once, from AppConfig.ready)."""
    if reversion.is_registered(Issue):
        return
    reversion.register(Issue, follow=["articles", "distributions"])
    reversion.register(Article, follow=["meeting", "award"])
    reversion.register(Meeting)
    reversion.register(Award)
    reversion.register(Distribution)


def _content(issue):
    """The issue's content as plain data, in a stable order (what the digest covers)."""
    articles = list(Article.objects.filter(issue=issue).select_related("meeting", "award").order_by("position", "pk"))
    content = {
        "issue": {name: _plain(getattr(issue, Issue._meta.get_field(name).attname)) for name in ISSUE_CONTENT_FIELDS},
        "articles": [],
        "distributions": sorted(
            Distribution.objects.filter(issue=issue).values_list("role", "recipient_id", "group_id"),
            key=lambda row: tuple(str(v) for v in row),
        ),
    }
    for article in articles:
        meeting = getattr(article, "meeting", None)
        award = getattr(article, "award", None)
        content["articles"].append({
            "id": article.pk,
            **{name: _plain(getattr(article, name)) for name in ARTICLE_FIELDS},
            "meeting": {name: _plain(getattr(meeting, name)) for name in MEETING_FIELDS} if meeting else None,
            "award": {name: _plain(getattr(award, name)) for name in AWARD_FIELDS} if award else None,
        })
    return content


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def content_digest(issue):
    """SHA-256 of the issue's content: equal digests mean nothing a reader would see has changed."""
    return hashlib.sha256(json.dumps(_content(issue), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def revision_record(issue, *, actor, kind=IssueRevision.Kind.EDIT, comment=""):
    """Record the issue's content as a new revision, unless it equals the latest one; return the latest."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        digest = content_digest(issue)
        latest = issue.revisions.order_by("-number").first()
        if latest is not None and latest.digest == digest:
            return latest
        number = (issue.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
        with reversion.create_revision(manage_manually=True):
            reversion.set_user(actor)
            reversion.set_comment(comment)
            reversion.add_to_revision(issue)
            reversion.add_meta(IssueRevision, issue=issue, number=number, status=issue.status, kind=kind,
                               digest=digest)
        return issue.revisions.get(number=number)


def latest_revision(issue):
    return issue.revisions.order_by("-number").first()


def stale_edit(issue, base):
    """The latest revision when it is newer than `base` (the version a form was opened on), else None.

    Every save of content makes a revision, so a newer one means someone else saved since: saving the
    form would silently overwrite their work.
    """
    if issue is None or issue.pk is None or not (isinstance(base, str) and base.isascii() and base.isdigit()):
        return None
    latest = issue.revisions.select_related("revision__user").order_by("-number").first()
    if latest is not None and latest.number > int(base[:9]):
        return latest
    return None


# --- snapshots for comparing ----------------------------------------------------------------------


def _date(value):
    return date_format(value, "Y年n月j日") if value else ""


def revision_snapshot(issue_revision):
    """The revision as the diff reads it: issue fields, 报 / 送 / 发 lines and articles, as display text."""
    versions = list(Version.objects.filter(revision_id=issue_revision.revision_id).select_related("content_type"))
    by_model = {}
    for version in versions:
        by_model.setdefault(version.content_type.model_class(), []).append(version.field_dict)
    (issue_fields,) = by_model.get(Issue, [{}]) or [{}]
    return _snapshot(
        issue_fields,
        articles=by_model.get(Article, []),
        meetings={m["article_id"]: m for m in by_model.get(Meeting, [])},
        awards={a["article_id"]: a for a in by_model.get(Award, [])},
        distributions=by_model.get(Distribution, []),
    )


def live_snapshot(issue):
    """The issue's content now, in the same shape as revision_snapshot."""
    articles = list(Article.objects.filter(issue=issue).select_related("meeting", "award"))
    fields = {Issue._meta.get_field(n).attname: getattr(issue, Issue._meta.get_field(n).attname)
              for n in ISSUE_CONTENT_FIELDS}
    return _snapshot(
        fields,
        articles=[{"id": a.pk, **{n: getattr(a, n) for n in ARTICLE_FIELDS}} for a in articles],
        meetings={a.pk: _fields(a.meeting, MEETING_FIELDS) for a in articles if _has(a, "meeting")},
        awards={a.pk: _fields(a.award, AWARD_FIELDS) for a in articles if _has(a, "award")},
        distributions=list(Distribution.objects.filter(issue=issue).values("role", "recipient_id", "group_id")),
    )


def _has(article, name):
    return getattr(article, name, None) is not None


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def _snapshot(issue_fields, *, articles, meetings, awards, distributions):
    from articles.models import Series

    series = Series.objects.filter(pk=issue_fields.get("series_id")).values_list("name", flat=True).first() or ""
    opts = Issue._meta
    disclosure = dict(Issue.Disclosure.choices).get(issue_fields.get("disclosure"), "")
    fields = [
        (str(opts.get_field("series").verbose_name), series),
        (str(opts.get_field("issue_date").verbose_name), _date(issue_fields.get("issue_date"))),
        (str(opts.get_field("print_date").verbose_name), _date(issue_fields.get("print_date"))),
        (str(opts.get_field("print_run").verbose_name), str(issue_fields.get("print_run", ""))),
        (str(opts.get_field("disclosure").verbose_name), str(disclosure)),
        (str(opts.get_field("extra_recipients").verbose_name), issue_fields.get("extra_recipients", "")),
    ]
    return {
        "fields": fields,
        "recipients": _recipient_lines(distributions),
        "articles": [
            _article_snapshot(a, meetings.get(a["id"]), awards.get(a["id"]))
            for a in sorted(articles, key=lambda a: (a["position"], a["id"]))
        ],
    }


def _recipient_lines(distributions):
    units = dict(Recipient.objects.filter(pk__in=[d["recipient_id"] for d in distributions if d["recipient_id"]])
                 .values_list("pk", "name"))
    groups = dict(RecipientGroup.objects.filter(pk__in=[d["group_id"] for d in distributions if d["group_id"]])
                  .values_list("pk", "name"))
    lines = [
        (ROLE_PREFIX[d["role"]], units.get(d["recipient_id"]) or groups.get(d["group_id"]) or "?")
        for d in distributions
    ]
    return sorted(lines, key=lambda line: (_role_index(line[0]), line[1]))


def _role_index(prefix):
    return next((i for i, role in enumerate(ROLE_ORDER) if ROLE_PREFIX[role] == prefix), len(ROLE_ORDER))


def _article_snapshot(article, meeting, award):
    facts = []
    if meeting:
        facts += [(str(Meeting._meta.get_field(name).verbose_name), _fact(meeting[name])) for name in MEETING_FIELDS]
    if award:
        facts += [(str(Award._meta.get_field(name).verbose_name), _fact(award[name])) for name in AWARD_FIELDS]
    if article.get("source"):
        facts.append((str(Article._meta.get_field("source").verbose_name), article["source"]))
    if article.get("column_id"):
        column = Column.objects.filter(pk=article["column_id"]).values_list("name", flat=True).first()
        facts.append((str(Article._meta.get_field("column").verbose_name), column or "?"))
    return {
        "id": article["id"],
        "kind": str(dict(Article.Kind.choices).get(article["kind"], article["kind"])),
        "title": article["title"],
        "subtitle": article["subtitle"],
        "body": article["body"],
        "facts": facts,
    }


def _fact(value):
    if hasattr(value, "year"):
        return _date(value)
    return "" if value is None else str(value)


def empty_snapshot():
    return {"fields": [], "recipients": [], "articles": []}


# --- restore ----------------------------------------------------------------------------------------


def revision_apply(issue, issue_revision):
    """Put back the content the issue had in `issue_revision` (the caller holds the row lock and checked the rules)."""
    versions = list(Version.objects.filter(revision_id=issue_revision.revision_id).select_related("content_type"))
    old = {}
    for version in versions:
        old.setdefault(version.content_type.model_class(), []).append(version)
    # What the issue holds now and the revision does not, goes; then the revision's objects come back
    # through their models' own save(), so sanitising and the issued-issue guard apply as usual.
    keep_articles = {int(v.object_id) for v in old.get(Article, [])}
    keep_lines = {int(v.object_id) for v in old.get(Distribution, [])}
    Distribution.objects.filter(issue=issue).exclude(pk__in=keep_lines).delete()
    Article.objects.filter(issue=issue).exclude(pk__in=keep_articles).delete()
    for model in (Meeting, Award):
        keep = {int(v.object_id) for v in old.get(model, [])}
        model.objects.filter(article__issue=issue).exclude(pk__in=keep).delete()
    (issue_version,) = old[Issue]
    for name in ISSUE_CONTENT_FIELDS:
        attname = Issue._meta.get_field(name).attname
        setattr(issue, attname, issue_version.field_dict[attname])
    issue.year = issue.issue_date.year
    issue.save(update_fields=[*[Issue._meta.get_field(n).attname for n in ISSUE_CONTENT_FIELDS], "year"])
    for model in (Article, Meeting, Award, Distribution):
        for version in old.get(model, []):
            version._object_version.object.save()
