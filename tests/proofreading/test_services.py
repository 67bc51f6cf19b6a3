"""采纳 and 忽略: a finding applied as a tracked change, or kept with the issue; who may do which, in which state."""

import pytest

from articles import services
from articles.models import Issue, IssueLog, IssueRevision, ProofreadIgnore
from articles.proofreading.engine import open_count, proofread_issue
from tests import factories

pytestmark = pytest.mark.django_db

BODY = "<p>截止目前，全市已<strong>完成</strong>任务。</p><p>这是我们的的责任。</p>"


def _finding(issue, quote):
    return next(f for f in proofread_issue(issue) if f.quote == quote)


def test_a_drafter_applies_a_suggestion_to_a_draft_and_it_is_a_new_version():
    author = factories.editor()
    issue = factories.draft_issue(author=author, body=BODY)
    before = issue.revisions.count()
    finding = _finding(issue, "截止目前")
    services.finding_accept(article=finding.article, key=finding.key, actor=author)
    article = issue.articles.get()
    assert article.body.startswith("<p>截至目前，全市已<strong>完成</strong>")
    assert issue.revisions.count() == before + 1
    assert issue.revisions.order_by("-number").first().kind == IssueRevision.Kind.EDIT


def test_a_reviewer_applies_a_suggestion_under_review_as_a_correction_in_their_name():
    author, reviewer = factories.editor(), factories.leader()
    issue = factories.issue_in(Issue.Status.REVIEW, author=author, body=BODY)
    finding = _finding(issue, "的的")
    services.finding_accept(article=finding.article, key=finding.key, actor=reviewer)
    assert "这是我们的责任" in issue.articles.get().body
    latest = issue.revisions.order_by("-number").first()
    assert latest.kind == IssueRevision.Kind.CORRECTION and latest.revision.user == reviewer


def test_a_drafter_cannot_apply_a_suggestion_under_review():
    author = factories.editor()
    issue = factories.issue_in(Issue.Status.REVIEW, author=author, body=BODY)
    finding = _finding(issue, "的的")
    with pytest.raises(services.WorkflowError):
        services.finding_accept(article=finding.article, key=finding.key, actor=author)
    assert "的的" in issue.articles.get().body


def test_someone_without_the_change_permission_cannot_touch_a_draft():
    issue = factories.draft_issue(body=BODY)
    finding = _finding(issue, "的的")
    for service in (services.finding_accept, services.finding_ignore):
        with pytest.raises(services.WorkflowError):
            service(article=finding.article, key=finding.key, actor=factories.nobody())
    assert not ProofreadIgnore.objects.exists()


def test_an_issued_issue_is_not_proofread_any_more(fake_pdf):
    issue = factories.issue_in(Issue.Status.ISSUED, body=BODY)
    finding = proofread_issue(issue)[0]
    with pytest.raises(services.WorkflowError):
        services.finding_ignore(article=finding.article, key=finding.key, actor=factories.superuser())


def test_an_ignored_finding_is_kept_with_the_issue_and_not_shown_again():
    author = factories.editor()
    issue = factories.draft_issue(author=author, body=BODY)
    count = open_count(issue)
    finding = _finding(issue, "的的")
    services.finding_ignore(article=finding.article, key=finding.key, actor=author)
    services.finding_ignore(article=finding.article, key=finding.key, actor=author)  # twice: kept once
    assert open_count(issue) == count - 1
    assert ProofreadIgnore.objects.get().quote == "的的"
    assert "的的" in issue.articles.get().body


def test_a_finding_the_text_no_longer_has_is_refused():
    author = factories.editor()
    issue = factories.draft_issue(author=author, body=BODY)
    finding = _finding(issue, "的的")
    services.finding_accept(article=finding.article, key=finding.key, actor=author)
    with pytest.raises(services.WorkflowError) as refused:
        services.finding_accept(article=finding.article, key=finding.key, actor=author)
    assert refused.value.code == "stale"


def test_a_finding_without_a_mechanical_fix_is_refused_for_apply():
    author = factories.editor()
    issue = factories.draft_issue(author=author, body="<p>学习《条例的精神。</p>")
    finding = proofread_issue(issue)[0]
    assert not finding.fixable
    with pytest.raises(services.WorkflowError):
        services.finding_accept(article=finding.article, key=finding.key, actor=author)


def test_submitting_and_issuing_log_the_count_of_open_findings(client, fake_pdf):
    from django.urls import reverse

    author, boss = factories.editor(), factories.leader()
    issue = factories.draft_issue(author=author, body=BODY)
    client.force_login(author)
    client.post(reverse("admin:articles_issue_submit", args=[issue.pk]))
    submitted = IssueLog.objects.get(issue=issue, action=IssueLog.Action.SUBMIT)
    assert submitted.comment == "校对：尚有2处未处理"
    client.force_login(boss)
    client.post(reverse("admin:articles_issue_approve", args=[issue.pk]), {"comment": "同意", "step": "0"})
    assert IssueLog.objects.get(issue=issue, action=IssueLog.Action.ISSUE).comment == "同意（校对：尚有2处未处理）"
