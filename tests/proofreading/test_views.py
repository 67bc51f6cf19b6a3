"""The findings on the draft's page and on the review desk: marked in their text, with 采纳 / 忽略 buttons."""

import pytest
from django.urls import reverse

from articles.models import Issue, ProofreadIgnore
from articles.proofreading.engine import proofread_issue
from tests import factories

pytestmark = pytest.mark.django_db

BODY = "<p>截止目前，全市已完成任务。</p>"


def test_the_draft_page_lists_the_findings_with_the_quote_marked_and_asks_before_submitting(client):
    author = factories.editor()
    issue = factories.draft_issue(author=author, body=BODY)
    client.force_login(author)
    html = client.get(reverse("admin:articles_issue_change", args=[issue.pk])).content.decode()
    assert 'id="proofread"' in html and "<mark>截止目前</mark>" in html
    assert "采纳：截至目前" in html and "忽略" in html
    assert 'data-confirm="校对发现1处问题尚未处理。仍要送审吗？"' in html
    assert "bulletin/proofread.js" in html and "<script>" not in html


def test_the_review_desk_lists_the_findings_and_the_reviewer_applies_one(client):
    author, boss = factories.editor(), factories.leader()
    issue = factories.issue_in(Issue.Status.REVIEW, author=author, body=BODY)
    client.force_login(boss)
    html = client.get(reverse("admin:articles_issue_review", args=[issue.pk])).content.decode()
    assert "<mark>截止目前</mark>" in html and "校对发现1处问题尚未处理。" in html  # in the 签发 confirmation
    finding = proofread_issue(issue)[0]
    response = client.post(reverse("admin:articles_issue_proofread", args=[issue.pk]), {
        "article": finding.article.pk, "key": finding.key, "action": "accept", "back": "desk"})
    assert response.status_code == 302 and response["Location"].endswith("/review/#proofread")
    assert "截至目前" in issue.articles.get().body


def test_the_drafter_sees_the_findings_on_the_desk_but_no_buttons_under_review(client):
    author = factories.editor()
    issue = factories.issue_in(Issue.Status.REVIEW, author=author, body=BODY)
    client.force_login(author)
    html = client.get(reverse("admin:articles_issue_review", args=[issue.pk])).content.decode()
    assert "<mark>截止目前</mark>" in html and 'value="accept"' not in html
    finding = proofread_issue(issue)[0]
    client.post(reverse("admin:articles_issue_proofread", args=[issue.pk]), {
        "article": finding.article.pk, "key": finding.key, "action": "accept", "back": "desk"})
    assert "截止目前" in issue.articles.get().body


def test_ignore_from_the_draft_page(client):
    author = factories.editor()
    issue = factories.draft_issue(author=author, body=BODY)
    client.force_login(author)
    finding = proofread_issue(issue)[0]
    response = client.post(reverse("admin:articles_issue_proofread", args=[issue.pk]), {
        "article": finding.article.pk, "key": finding.key, "action": "ignore", "back": "issue"})
    assert response["Location"].endswith(f"/{issue.pk}/change/#proofread")
    assert ProofreadIgnore.objects.filter(issue=issue).count() == 1
    html = client.get(reverse("admin:articles_issue_change", args=[issue.pk])).content.decode()
    assert 'id="proofread"' not in html and "data-confirm=\"校对" not in html


def test_an_article_of_another_issue_is_not_found(client):
    author = factories.editor()
    issue, other = factories.draft_issue(author=author, body=BODY), factories.draft_issue(author=author, body=BODY)
    client.force_login(author)
    finding = proofread_issue(other)[0]
    response = client.post(reverse("admin:articles_issue_proofread", args=[issue.pk]), {
        "article": finding.article.pk, "key": finding.key, "action": "ignore"})
    assert response.status_code == 404
