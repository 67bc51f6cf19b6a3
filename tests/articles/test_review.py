"""The review desk (核稿): formatted reading, corrections in place, tracked changes after return, comments."""

import re

import pytest
from django.urls import reverse

from articles import services
from articles.models import ArticleComment, Issue, IssueRevision
from tests import factories

pytestmark = pytest.mark.django_db

BODY = "<p>会议由张三主持，传达学习了有关精神。</p><h3>一、工作安排</h3><p><strong>一是</strong>抓好落实。</p>"


@pytest.fixture
def people():
    return factories.editor(first_name="拟稿人"), factories.leader(first_name="核稿人")


@pytest.fixture
def under_review(people):
    editor, _leader = people
    issue = factories.draft_issue(author=editor, body=BODY)
    return services.issue_submit(issue=issue, actor=editor)


def _review(client, issue, **params):
    return client.get(reverse("admin:articles_issue_review", args=[issue.pk]), params)


def _article_section(html, article):
    match = re.search(rf'<section class="article[^"]*" id="a{article.pk}".*?</section>', html, re.S)
    assert match, "the article is on the page"
    return match.group(0)


@pytest.mark.parametrize("who", ["editor", "leader"])
def test_the_review_screen_shows_the_issue_formatted_never_its_html_source(client, people, under_review, who):
    client.force_login(people[0] if who == "editor" else people[1])
    html = _review(client, under_review).content.decode()
    assert '<div class="body"><p>会议由张三主持' in html
    assert "<h3>一、工作安排</h3>" in html and "<strong>一是</strong>" in html
    assert "&lt;p&gt;" not in html and "&lt;strong&gt;" not in html
    assert "测试文章1" in html and "信息公开选项" in html


@pytest.mark.parametrize("state", ["review", "issued"])
def test_read_only_change_forms_show_formatted_bodies(client, people, state):
    editor, leader = people
    issue = factories.issue_in(Issue.Status.REVIEW if state == "review" else Issue.Status.ISSUED,
                               author=editor, body=BODY)
    client.force_login(leader)
    html = client.get(reverse("admin:articles_issue_change", args=[issue.pk])).content.decode()
    assert "<strong>一是</strong>抓好落实" in html
    assert "&lt;p&gt;" not in html and "&lt;strong&gt;" not in html


def test_a_reviewer_corrects_in_place_and_the_correction_is_a_revision_in_their_name(client, people, under_review):
    editor, leader = people
    article = under_review.articles.get()
    client.force_login(leader)
    form = _review(client, under_review, edit=article.pk).content.decode()
    assert f'id="correct-{article.pk}"' in form
    response = client.post(reverse("admin:articles_issue_review", args=[under_review.pk]), {
        "article": article.pk, "title": article.title, "subtitle": "",
        "body": BODY.replace("张三", "李三"),
    })
    assert response.status_code == 302
    article.refresh_from_db()
    assert "李三主持" in article.body
    latest = under_review.revisions.latest("number")
    assert latest.kind == IssueRevision.Kind.CORRECTION and latest.revision.user == leader
    assert latest.status == Issue.Status.REVIEW


def test_an_invalid_correction_keeps_what_was_typed(client, people, under_review):
    _editor, leader = people
    article = under_review.articles.get()
    client.force_login(leader)
    response = client.post(reverse("admin:articles_issue_review", args=[under_review.pk]), {
        "article": article.pk, "title": "", "subtitle": "", "body": "<p>改了一半的文字</p>"})
    assert response.status_code == 200
    assert "改了一半的文字" in response.content.decode()
    article.refresh_from_db()
    assert "张三" in article.body


@pytest.mark.parametrize("state", ["draft", "issued"])
def test_nobody_corrects_outside_review(client, people, state):
    editor, leader = people
    issue = factories.issue_in(Issue.Status.DRAFT if state == "draft" else Issue.Status.ISSUED, author=editor,
                               body=BODY)
    article = issue.articles.get()
    client.force_login(leader)
    response = client.post(reverse("admin:articles_issue_review", args=[issue.pk]), {
        "article": article.pk, "title": article.title, "subtitle": "", "body": "<p>改</p>"})
    assert response.status_code in (302, 403)
    article.refresh_from_db()
    assert article.body == BODY


def test_a_drafter_cannot_correct_an_issue_under_review(client, people, under_review):
    editor, _leader = people
    article = under_review.articles.get()
    client.force_login(editor)
    response = client.post(reverse("admin:articles_issue_review", args=[under_review.pk]), {
        "article": article.pk, "title": article.title, "subtitle": "", "body": "<p>改</p>"})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.body == BODY


def test_after_return_the_drafter_sees_exactly_what_the_reviewer_changed_and_the_comment(client, people, under_review):
    editor, leader = people
    article = under_review.articles.get()
    services.article_correct(article=article, actor=leader, title=article.title, subtitle="",
                             body=BODY.replace("张三", "李三"))
    services.comment_add(article=article, actor=leader, text="主持人姓名请核实", quote="张三主持")
    services.issue_return(issue=under_review, actor=leader, comment="请核实主持人")
    client.force_login(editor)
    change_form = client.get(reverse("admin:articles_issue_change", args=[under_review.pk])).content.decode()
    assert "请核实主持人" in change_form and "?changes=returned" in change_form
    section = _article_section(_review(client, under_review).content.decode(), article)
    assert '<del class="rev-del" title="删除">张</del><ins class="rev-ins" title="新增">李</ins>三主持' in section
    assert "主持人姓名请核实" in section and "张三主持" in section
    # Nothing else of the article is marked.
    assert section.count('class="rev-del"') == 1 and section.count('class="rev-ins"') == 1


def test_a_resubmitted_issue_shows_the_reviewer_what_changed_since_the_previous_submission(client, people,
                                                                                          under_review):
    editor, leader = people
    services.issue_return(issue=under_review, actor=leader, comment="请补充")
    article = under_review.articles.get()
    article.body = BODY + "<p>补充的一段。</p>"
    article.save()
    services.issue_submit(issue=under_review, actor=editor)
    client.force_login(leader)
    html = _review(client, under_review).content.decode()
    assert "rev-block-ins" in html and "补充的一段。" in html
    clean = _review(client, under_review, changes="none").content.decode()
    assert "rev-block-ins" not in clean and "补充的一段。" in clean


def test_comments_are_kept_resolvable_and_stay_in_the_history(client, people, under_review):
    editor, leader = people
    article = under_review.articles.get()
    client.force_login(leader)
    client.post(reverse("admin:articles_issue_comment", args=[under_review.pk]),
                {"article": article.pk, "text": "标题太长", "quote": "测试文章1"})
    comment = ArticleComment.objects.get()
    assert (comment.author, comment.article, comment.quote) == (leader, article, "测试文章1")
    services.issue_return(issue=under_review, actor=leader, comment="见意见")
    client.force_login(editor)
    client.post(reverse("admin:articles_issue_comment_resolve", args=[under_review.pk, comment.pk]))
    comment.refresh_from_db()
    assert comment.resolved_by == editor and comment.is_resolved
    section = _article_section(_review(client, under_review).content.decode(), article)
    assert "标题太长" in section and "已处理" in section


def test_someone_without_a_role_cannot_comment(client, under_review):
    nobody = factories.nobody(is_staff=True)
    client.force_login(nobody)
    article = under_review.articles.get()
    client.post(reverse("admin:articles_issue_comment", args=[under_review.pk]),
                {"article": article.pk, "text": "随便说说"})
    assert not ArticleComment.objects.exists()


def test_an_empty_comment_is_refused_with_a_message(client, people, under_review):
    _editor, leader = people
    client.force_login(leader)
    response = client.post(reverse("admin:articles_issue_comment", args=[under_review.pk]),
                           {"article": under_review.articles.get().pk, "text": "  "}, follow=True)
    assert "意见不能为空" in response.content.decode()
    assert not ArticleComment.objects.exists()


def test_the_review_screen_costs_a_fixed_number_of_queries(client, people, django_assert_max_num_queries):
    editor, leader = people
    issue = factories.draft_issue(author=editor, articles=2, body=BODY)
    services.issue_submit(issue=issue, actor=editor)
    client.force_login(leader)
    with django_assert_max_num_queries(40) as few:
        assert _review(client, issue).status_code == 200
    more = factories.draft_issue(author=editor, articles=8, body=BODY)
    services.issue_submit(issue=more, actor=editor)
    for article in more.articles.all():
        services.comment_add(article=article, actor=leader, text="意见")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert _review(client, more).status_code == 200


@pytest.mark.parametrize("url_name", ["admin:articles_issue_review", "admin:articles_issue_comment"])
@pytest.mark.parametrize("article", ["abc", "", "１２", "99999999999999999999", "1 OR 1=1"])
def test_a_post_naming_no_article_of_the_issue_is_a_404_not_a_server_error(client, people, under_review, url_name,
                                                                           article):
    _editor, leader = people
    client.force_login(leader)
    revisions = under_review.revisions.count()
    data = {"article": article, "title": "改过的标题", "subtitle": "", "body": BODY, "text": "请核实。"}
    response = client.post(reverse(url_name, args=[under_review.pk]), data)
    assert response.status_code == 404
    assert under_review.revisions.count() == revisions
    assert under_review.articles.get().title != "改过的标题"
    assert not ArticleComment.objects.filter(issue=under_review).exists()


def test_the_desk_carries_the_decision_with_an_opinion_box_defaulting_to_agreed(client, people, under_review):
    from django.utils import translation

    editor, leader = people
    client.force_login(leader)
    with translation.override("zh-hans"):
        page = _review(client, under_review)
    html = page.content.decode()
    assert 'id="desk-decide"' in html and 'name="comment"' in html and 'value="desk"' in html

    response = client.post(reverse("admin:articles_issue_approve", args=[under_review.pk]),
                           {"step": "0", "back": "desk", "comment": "同意。请按规定印发。"})
    under_review.refresh_from_db()
    assert under_review.status == Issue.Status.ISSUED
    assert response["Location"] == reverse("admin:articles_issue_change", args=[under_review.pk])
    entry = under_review.log.last()
    assert entry.comment == "同意。请按规定印发。" and entry.actor == leader


def test_a_decision_on_the_desk_that_leaves_the_issue_under_review_returns_to_the_desk(client, fake_pdf):
    series = factories.two_step_series()
    editor = factories.editor()
    issue = services.issue_submit(issue=factories.draft_issue(author=editor, series=series), actor=editor)
    chief = factories.chief()
    client.force_login(chief)
    response = client.post(reverse("admin:articles_issue_approve", args=[issue.pk]),
                           {"step": "0", "back": "desk", "comment": "同意"})
    assert response["Location"] == reverse("admin:articles_issue_review", args=[issue.pk])
    page = client.get(reverse("admin:articles_issue_review", args=[issue.pk])).content.decode()
    assert 'id="desk-decisions"' in page and "同意" in page
