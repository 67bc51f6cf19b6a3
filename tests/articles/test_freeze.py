"""The freeze of issued issues (articles.freeze): Python refuses with a message, and so does the database."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from articles import services
from articles.models import Article, Issue, IssuedIssueError, Meeting, Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(fake_pdf):
    """An issued issue with an addressee and a meeting report, all written before issuing."""
    issue = factories.issue_in(Issue.Status.REVIEW, recipients=[(factories.RecipientFactory(), Role.SEND)])
    Meeting.objects.create(article=issue.articles.first(), date=datetime.date(2025, 3, 1), organiser="省方志办",
                           name="全省工作会议")
    return services.issue_approve(issue=issue, actor=factories.leader())


def raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_change_an_issued_issue_even_through_raw_sql(issued):
    with pytest.raises(IntegrityError, match="issued issues are frozen"):
        raw("UPDATE articles_issue SET print_run = 99 WHERE id = %s", [issued.pk])
    assert Issue.objects.get(pk=issued.pk).print_run == issued.print_run


@pytest.mark.parametrize("sql", [
    "INSERT INTO articles_article (issue_id, position, kind, title, subtitle, body) "
    "VALUES (%s, 9, 'general', '塞进来的', '', '<p>x</p>')",
    "UPDATE articles_article SET title = '改过的' WHERE issue_id = %s",
    "UPDATE distribution_distribution SET role = 'report' WHERE issue_id = %s",
    "UPDATE articles_meeting SET name = '改过的' "
    "WHERE article_id IN (SELECT id FROM articles_article WHERE issue_id = %s)",
], ids=["add an article", "change an article", "change an addressee", "change a meeting"])
def test_the_database_refuses_to_change_the_content_of_an_issued_issue(issued, sql):
    before = (list(issued.articles.values_list("title", flat=True)),
              list(issued.distributions.values_list("role", flat=True)), Meeting.objects.get().name)
    with pytest.raises(IntegrityError, match="issued issues are frozen"):
        raw(sql, [issued.pk])
    assert (list(issued.articles.values_list("title", flat=True)),
            list(issued.distributions.values_list("role", flat=True)), Meeting.objects.get().name) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE free for flush (articles.freeze)")
def test_postgresql_also_refuses_to_delete_an_issued_issue_or_its_articles(issued):
    for sql in ("DELETE FROM articles_article WHERE issue_id = %s", "DELETE FROM articles_issue WHERE id = %s"):
        with pytest.raises(IntegrityError, match="issued issues are frozen"):
            raw(sql, [issued.pk])
    assert Article.objects.filter(issue=issued).exists()


def test_python_refuses_first_with_a_message_in_the_users_language(issued):
    article = issued.articles.first()
    article.title = "改过的"
    with pytest.raises(IssuedIssueError) as refused:
        article.save()
    assert refused.value.code == "issued"


def test_drafts_and_issues_under_review_stay_writable_at_the_database(fake_pdf):
    issue = factories.issue_in(Issue.Status.REVIEW)
    raw("UPDATE articles_article SET title = '核稿改过' WHERE issue_id = %s", [issue.pk])
    assert issue.articles.first().title == "核稿改过"


def test_the_triggers_are_put_back_idempotently_after_migrate(issued):
    from articles.freeze import install_triggers

    install_triggers(connection)
    install_triggers(connection)  # as every post_migrate does
    with pytest.raises(IntegrityError, match="issued issues are frozen"):
        raw("UPDATE articles_issue SET print_run = 99 WHERE id = %s", [issued.pk])


@pytest.mark.django_db(transaction=True)
def test_the_migrations_that_rebuild_content_tables_run_both_ways_with_issued_issues_and_their_triggers():
    """An existing database holds issued issues and the freeze triggers; SQLite rebuilds tables in 0019/0021."""
    from django.core.management import call_command

    from tests.factories import issue_in

    issue_in(Issue.Status.ISSUED)
    call_command("migrate", "articles", "0018", verbosity=0)
    call_command("migrate", verbosity=0)  # every app: migrating articles back unapplied what depends on it
    assert Issue.objects.issued().count() == 1
    issued = Issue.objects.issued().get()
    # The database's own freeze is back after migrate: a raw UPDATE, past every Python guard, is refused.
    with pytest.raises((IntegrityError, Exception)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE articles_issue SET extra_recipients = 'x' WHERE id = %s", [issued.pk])
    issued.refresh_from_db()
    assert issued.extra_recipients != "x"
