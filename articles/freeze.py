"""The freeze of issued issues, in one place: once issued, an issue and its content never change.

Python refuses every write with a clear message (IssuedIssueError): save() and delete() of an issue and
of anything that belongs to it (ContentOfIssueMixin), and the bulk writes of their querysets
(GuardedQuerySet). The database refuses them too, with triggers installed by migration 0011 (SQL
below; reinstalled after every migrate, see install_triggers), so raw SQL, another program or a forgotten
code path cannot change an issued issue either.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

ISSUED = "issued"


def _issues():
    return apps.get_model("articles", "Issue")._base_manager


ISSUED_IS_FINAL = _("This issue has been issued and can no longer be changed.")


class IssuedIssueError(ValidationError):
    """Raised when anything tries to change an issued issue or its content."""

    def __init__(self):
        super().__init__(ISSUED_IS_FINAL, code="issued")


class ContentOfIssueMixin:
    """Refuses writes to anything that belongs to an issued issue."""

    def _refuse_if_issued(self):
        issue_id = self._issue_for_guard_id()
        if issue_id and _issues().filter(pk=issue_id, status=ISSUED).exists():
            raise IssuedIssueError()

    def save(self, *args, **kwargs):
        self._refuse_if_issued()
        if self.pk:
            # Moving content out of an issued issue is a change to it as well.
            old = type(self).objects.filter(pk=self.pk).first()
            if old is not None:
                old._refuse_if_issued()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_issued()
        return super().delete(*args, **kwargs)


class GuardedQuerySet(models.QuerySet):
    """Bulk writes (create, update, delete) refuse rows that belong, or would belong, to issued issues."""

    issue_lookup = "issue__status"

    def _touches_issued(self):
        return self.filter(**{self.issue_lookup: ISSUED}).exists()

    def _parent_field(self):
        field_name, _, lookup = self.issue_lookup.partition("__")
        return self.model._meta.get_field(field_name), lookup

    def _any_issued(self, parent_pks):
        """True when any of these parents (issues, or articles for facts) is or belongs to an issued issue."""
        field, lookup = self._parent_field()
        pks = {pk for pk in parent_pks if pk is not None}
        return bool(pks) and field.related_model._base_manager.filter(
            pk__in=pks, **{lookup: ISSUED}
        ).exists()

    def _moves_into_issued(self, kwargs):
        """True when the update would point rows at an issued issue (or at content of one)."""
        field, _ = self._parent_field()
        for key in (field.name, field.attname):
            if key in kwargs:
                return self._any_issued([getattr(kwargs[key], "pk", kwargs[key])])
        return False

    def _objs_in_issued(self, objs):
        field, _ = self._parent_field()
        return self._any_issued(getattr(obj, field.attname) for obj in objs)

    def update(self, **kwargs):
        if self._touches_issued() or self._moves_into_issued(kwargs):
            raise IssuedIssueError()
        return super().update(**kwargs)

    def delete(self):
        if self._touches_issued():
            raise IssuedIssueError()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if self._objs_in_issued(objs):
            raise IssuedIssueError()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if self._objs_in_issued(objs) or self.filter(pk__in=[obj.pk for obj in objs])._touches_issued():
            raise IssuedIssueError()
        return super().bulk_update(objs, fields, *args, **kwargs)


class IssueGuardedQuerySet(models.QuerySet):
    """Issues' bulk writes refuse issued issues."""

    def update(self, **kwargs):
        if self.filter(status=ISSUED).exists():
            raise IssuedIssueError()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=ISSUED).exists():
            raise IssuedIssueError()
        return super().delete()


# --- the database's side ------------------------------------------------------------------------------

MESSAGE = "issued issues are frozen"
# (table, how a row names its issue: a column of the row, or a subquery from its article)
CONTENT_TABLES = [
    ("articles_article", "{row}.issue_id"),
    ("distribution_distribution", "{row}.issue_id"),
    ("articles_meeting", "(SELECT issue_id FROM articles_article WHERE id = {row}.article_id)"),
    ("articles_award", "(SELECT issue_id FROM articles_article WHERE id = {row}.article_id)"),
]


def _issued(row, ref):
    return f"(SELECT status FROM articles_issue WHERE id = {ref.format(row=row)}) = '{ISSUED}'"


def trigger_sql(vendor):
    """(install, uninstall) statements of the freeze triggers for this database vendor."""
    if vendor == "postgresql":
        install = [f"""
            CREATE OR REPLACE FUNCTION articles_refuse_frozen() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END;
            $$ LANGUAGE plpgsql""",
            "DROP TRIGGER IF EXISTS articles_issue_frozen ON articles_issue",
            "CREATE TRIGGER articles_issue_frozen BEFORE UPDATE OR DELETE ON articles_issue FOR EACH ROW "
            f"WHEN (OLD.status = '{ISSUED}') EXECUTE FUNCTION articles_refuse_frozen()"]
        uninstall = ["DROP TRIGGER IF EXISTS articles_issue_frozen ON articles_issue"]
        for table, ref in CONTENT_TABLES:
            # A function per table: PostgreSQL's WHEN cannot hold a subquery.
            install += [f"""
                CREATE OR REPLACE FUNCTION {table}_refuse_frozen() RETURNS trigger AS $$
                BEGIN
                  IF (TG_OP <> 'INSERT' AND {_issued('OLD', ref)}) OR (TG_OP <> 'DELETE' AND {_issued('NEW', ref)})
                  THEN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END IF;
                  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                END; $$ LANGUAGE plpgsql""",
                f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}",
                f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION {table}_refuse_frozen()"]
            uninstall += [f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}",
                          f"DROP FUNCTION IF EXISTS {table}_refuse_frozen()"]
        uninstall.append("DROP FUNCTION IF EXISTS articles_refuse_frozen()")
        return install, uninstall
    if vendor == "sqlite":
        # No DELETE triggers on SQLite: its TRUNCATE is "DELETE FROM", which `flush` (and the test runner)
        # must be able to run; deletes there are refused by Python only.
        raise_ = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        install = [f"CREATE TRIGGER IF NOT EXISTS articles_issue_frozen BEFORE UPDATE ON articles_issue "
                   f"WHEN OLD.status = '{ISSUED}' {raise_}"]
        uninstall = ["DROP TRIGGER IF EXISTS articles_issue_frozen"]
        for table, ref in CONTENT_TABLES:
            install += [
                f"CREATE TRIGGER IF NOT EXISTS {table}_frozen_insert BEFORE INSERT ON {table} "
                f"WHEN {_issued('NEW', ref)} {raise_}",
                f"CREATE TRIGGER IF NOT EXISTS {table}_frozen_update BEFORE UPDATE ON {table} "
                f"WHEN {_issued('OLD', ref)} OR {_issued('NEW', ref)} {raise_}",
            ]
            uninstall += [f"DROP TRIGGER IF EXISTS {table}_frozen_insert",
                          f"DROP TRIGGER IF EXISTS {table}_frozen_update"]
        return install, uninstall
    return [], []


def drop_triggers_for_migration(apps, schema_editor):
    """RunPython for a migration that makes SQLite rebuild a content table: the freeze triggers of the tables
    that refer to it would stop the rebuild's rename; post_migrate installs them again (install_triggers)."""
    for statement in trigger_sql(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement)


def install_triggers(connection):
    """(Re)install the triggers, idempotently: after migrate, since SQLite drops them when it rebuilds a table."""
    tables = set(connection.introspection.table_names())
    if not {"articles_issue", *(table for table, _ref in CONTENT_TABLES)} <= tables:
        return  # not migrated that far yet
    with connection.cursor() as cursor:
        for statement in trigger_sql(connection.vendor)[0]:
            cursor.execute(statement)
