"""Revisions of an issue: one per save that changes something, compared as tracked changes, restored as new ones."""

import pytest
from django.urls import reverse

from articles import services
from articles.models import Article, Issue, IssueLog, IssueRevision
from articles.review.revisions import live_snapshot, revision_record, revision_snapshot
from tests import factories

pytestmark = pytest.mark.django_db


def _change_form_data(issue):
    """The admin change form's POST data for `issue` as it stands (articles and recipients included)."""
    articles = list(issue.articles.order_by("position", "pk"))
    data = {
        "series": issue.series_id, "issue_date": issue.issue_date.isoformat(),
        "print_date": issue.print_date.isoformat(), "print_run": issue.print_run, "disclosure": issue.disclosure,
        "extra_recipients": issue.extra_recipients,
        "articles-TOTAL_FORMS": len(articles), "articles-INITIAL_FORMS": len(articles),
        "articles-MIN_NUM_FORMS": 0, "articles-MAX_NUM_FORMS": 1000,
        "log-TOTAL_FORMS": 0, "log-INITIAL_FORMS": 0, "log-MIN_NUM_FORMS": 0, "log-MAX_NUM_FORMS": 1000,
    }
    for role, unit, group in issue.distributions.values_list("role", "recipient_id", "group_id"):
        data.setdefault(f"to_{role}", []).append(f"u{unit}" if unit else f"g{group}")
    for i, article in enumerate(articles):
        data.update({f"articles-{i}-id": article.pk, f"articles-{i}-issue": issue.pk,
                     f"articles-{i}-position": article.position, f"articles-{i}-kind": article.kind,
                     f"articles-{i}-title": article.title, f"articles-{i}-subtitle": article.subtitle,
                     f"articles-{i}-body": article.body})
    return data


def test_a_save_in_the_admin_makes_one_revision_and_a_save_that_changes_nothing_makes_none(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor, body="<p>会议由张三主持。</p>")
    client.force_login(editor)
    url = reverse("admin:articles_issue_change", args=[issue.pk])
    before = issue.revisions.count()

    data = _change_form_data(issue)
    data["articles-0-body"] = "<p>会议由李三主持。</p>"
    assert client.post(url, data).status_code == 302
    assert issue.revisions.count() == before + 1
    latest = issue.revisions.latest("number")
    assert latest.revision.user == editor and latest.status == Issue.Status.DRAFT and latest.kind == "edit"

    assert client.post(url, _change_form_data(issue)).status_code == 302
    assert issue.revisions.count() == before + 1


def test_every_workflow_step_points_at_the_content_it_acted_on():
    editor, leader = factories.editor(), factories.leader()
    issue = factories.draft_issue(author=editor)
    services.issue_submit(issue=issue, actor=editor)
    services.issue_return(issue=issue, actor=leader, comment="请修改")
    entries = list(issue.log.order_by("pk"))
    assert [e.action for e in entries] == ["issue.create", "issue.submit", "issue.return"]
    assert all(e.revision is not None and e.revision.issue_id == issue.pk for e in entries)


def test_revisions_survive_issuing_and_the_issued_one_is_the_last():
    issue = factories.issue_in(Issue.Status.ISSUED)
    publish = issue.log.get(action="issue.issue")
    assert publish.revision == issue.revisions.latest("number")
    assert revision_snapshot(publish.revision)["articles"][0]["body"] == "<p>正文。</p>"


def test_a_one_character_change_is_shown_as_exactly_that_character(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor, body="<p>会议由张三主持，传达学习了有关精神。</p>")
    first = revision_record(issue, actor=editor)
    Article.objects.filter(issue=issue).first()
    article = issue.articles.get()
    article.body = "<p>会议由李三主持，传达学习了有关精神。</p>"
    article.save()
    second = revision_record(issue, actor=editor)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_issue_compare", args=[issue.pk]),
                          {"a": first.number, "b": second.number})
    text = response.content.decode()
    assert '<del class="rev-del" title="删除">张</del><ins class="rev-ins" title="新增">李</ins>三主持' in text


def test_restoring_an_earlier_revision_makes_a_new_one_and_logs_it():
    editor = factories.editor()
    issue = factories.draft_issue(author=editor, articles=2, body="<p>原文。</p>")
    v1 = revision_record(issue, actor=editor)
    first, second = issue.articles.order_by("position")
    first.body = "<p>改过的。</p>"
    first.save()
    second.delete()
    Article.objects.create(issue=issue, position=3, title="新文章", body="<p>新的。</p>")
    v2 = revision_record(issue, actor=editor)

    v3 = services.issue_restore(issue=issue, issue_revision=v1, actor=editor)

    assert v3.number == v2.number + 1 and v3.kind == IssueRevision.Kind.RESTORE
    assert [(a.title, a.body) for a in issue.articles.order_by("position")] == [
        ("测试文章1", "<p>原文。</p>"), ("测试文章2", "<p>原文。</p>")]
    assert v3.digest == v1.digest
    assert issue.log.filter(action=IssueLog.Action.RESTORE, revision=v3).exists()


def test_only_a_draft_can_be_restored():
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    v1 = revision_record(issue, actor=editor)
    services.issue_submit(issue=issue, actor=editor)
    with pytest.raises(services.WorkflowError):
        services.issue_restore(issue=issue, issue_revision=v1, actor=editor)


def test_a_reader_without_permission_cannot_restore(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    v1 = revision_record(issue, actor=editor)
    client.force_login(factories.leader())
    client.post(reverse("admin:articles_issue_restore", args=[issue.pk, v1.number]))
    assert issue.log.filter(action=IssueLog.Action.RESTORE).count() == 0


def test_the_live_snapshot_and_the_latest_revision_agree():
    editor = factories.editor()
    unit = factories.RecipientFactory(name="甲单位")
    issue = factories.issue_in(Issue.Status.DRAFT, author=editor, recipients=[(unit, "send")])
    revision = revision_record(issue, actor=editor)
    assert revision_snapshot(revision) == live_snapshot(issue)
    assert ("发", "甲单位") in live_snapshot(issue)["recipients"]


def test_the_revision_list_and_the_compare_page_cost_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor, articles=3)
    for n in range(6):
        article = issue.articles.first()
        article.body = f"<p>第{n}稿。</p>"
        article.save()
        revision_record(issue, actor=editor)
    client.force_login(editor)
    with django_assert_max_num_queries(33) as change_form:
        assert client.get(reverse("admin:articles_issue_change", args=[issue.pk])).status_code == 200
    with django_assert_max_num_queries(20) as compare:
        assert client.get(reverse("admin:articles_issue_compare", args=[issue.pk])).status_code == 200
    # More revisions cost no more queries.
    for n in range(6):
        article.body = f"<p>再改{n}。</p>"
        article.save()
        revision_record(issue, actor=editor)
    with django_assert_max_num_queries(len(change_form.captured_queries)):
        client.get(reverse("admin:articles_issue_change", args=[issue.pk]))
    with django_assert_max_num_queries(len(compare.captured_queries)):
        client.get(reverse("admin:articles_issue_compare", args=[issue.pk]))


def test_restore_is_a_workflow_transition_with_one_rule():
    from articles import workflow

    editor, reader = factories.editor(), factories.leader()
    issue = factories.draft_issue(author=editor)
    assert workflow.allowed(workflow.Transition.RESTORE, editor, issue)
    assert workflow.refusal(workflow.Transition.RESTORE, reader, issue).code == "permission"
    issued = factories.issue_in(Issue.Status.ISSUED, author=editor)
    assert workflow.refusal(workflow.Transition.RESTORE, editor, issued).code == "issued"


def test_a_version_of_another_issue_is_not_restored():
    editor = factories.editor()
    issue, other = factories.draft_issue(author=editor), factories.draft_issue(author=editor)
    foreign = revision_record(other, actor=editor)
    before = revision_record(issue, actor=editor)
    with pytest.raises(services.WorkflowError) as refused:
        services.issue_restore(issue=issue, issue_revision=foreign, actor=editor)
    assert refused.value.code == "invalid"
    assert issue.revisions.order_by("-number").first() == before


def test_the_source_unit_is_part_of_a_version_and_of_the_comparison():
    from articles.review.diff import compare

    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    before = revision_record(issue, actor=editor)
    article = issue.articles.get()
    article.source = "成都市地方志工作办公室"
    article.save()
    after = revision_record(issue, actor=editor)
    assert after.digest != before.digest
    diff = compare(revision_snapshot(before), revision_snapshot(after))
    assert "成都市地方志工作办公室" in str(diff.articles[0].__dict__)
