"""Splitting an article at a paragraph and joining it with the one before (articles.services), and their page."""

import datetime

import lxml.html
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from articles import services
from articles.models import Article, Column, Issue, Meeting
from articles.review.revisions import latest_revision
from tests import factories

pytestmark = pytest.mark.django_db

WHOLE = ("<p>1月12日，省地方志办召开学习会。</p><h2>一、切实加强学习</h2><p>要深刻领会全会精神。</p>"
         "<p>成都市召开2021年<br>地方志工作会议</p><p>1月15日，成都市召开会议。</p>")


def issue_with(*bodies, author=None):
    """A draft whose articles have these bodies, titled 第N篇."""
    issue = factories.draft_issue(articles=0, author=author)
    for position, body in enumerate(bodies, start=1):
        issue.articles.create(position=position, title=f"第{position}篇", body=body)
    return issue


def titles(issue):
    return list(issue.articles.order_by("position").values_list("position", "title"))


def test_splitting_at_a_missed_title_makes_it_the_next_articles_title():
    issue = issue_with("<p>前一篇。</p>", WHOLE, "<p>后一篇。</p>")
    column = Column.objects.create(series=issue.series, name="市州动态")
    article = issue.articles.get(position=2)
    article.column, article.source = column, "成都市地方志工作办公室"
    article.save()

    new = services.article_split(article=article, paragraph_index=3, actor=issue.created_by)

    assert titles(issue) == [(1, "第1篇"), (2, "第2篇"), (3, "成都市召开2021年\n地方志工作会议"), (4, "第3篇")]
    article.refresh_from_db()
    assert article.body == "<p>1月12日，省地方志办召开学习会。</p><h2>一、切实加强学习</h2><p>要深刻领会全会精神。</p>"
    assert new.body == "<p>1月15日，成都市召开会议。</p>"
    # The source line ends the text, so it goes with the second part; the column is both parts'.
    assert (article.source, new.source, new.column) == ("", "成都市地方志工作办公室", column)
    revision = latest_revision(issue)
    assert revision.revision.user == issue.created_by and "第 4 段" in revision.revision.comment


def test_splitting_at_a_long_paragraph_starts_an_untitled_article_with_it():
    issue = issue_with("<p>第一段。</p><p>" + "很长的一段正文，" * 20 + "</p>")
    new = services.article_split(article=issue.articles.get(), paragraph_index=1, actor=issue.created_by)
    assert new.title == "无标题文章" and new.body.startswith("<p>很长的一段正文")


@pytest.mark.parametrize("index", [0, 5, -1, None, "2"])
def test_an_article_is_split_only_after_its_first_paragraph_and_within_it(index):
    issue = issue_with(WHOLE)
    with pytest.raises(services.WorkflowError, match="请选择第一段之后的某一段"):
        services.article_split(article=issue.articles.get(), paragraph_index=index, actor=issue.created_by)
    assert issue.articles.get().body == WHOLE


def test_joining_puts_the_title_and_text_at_the_end_of_the_article_before():
    issue = issue_with("<p>前一篇。</p>", "<p>后一篇。</p>", "<p>第三篇。</p>")
    first, second, _third = issue.articles.order_by("position")
    first.source, second.subtitle, second.source = "综合处", "——副标题", "年鉴处"
    first.save()
    second.save()

    joined = services.article_join(article=second, actor=issue.created_by)

    assert joined == first and titles(issue) == [(1, "第1篇"), (2, "第3篇")]
    assert joined.body == ('<p>前一篇。</p><p style="text-align:right">（综合处）</p><p>第2篇</p>'
                           '<p style="text-align:center">——副标题</p><p>后一篇。</p>')
    assert Article.objects.get(pk=first.pk).source == "年鉴处"
    assert "已与上一篇合并" in latest_revision(issue).revision.comment


def test_a_split_joined_again_gives_the_text_back():
    issue = issue_with(WHOLE)
    article = issue.articles.get()
    new = services.article_split(article=article, paragraph_index=3, actor=issue.created_by)
    services.article_join(article=new, actor=issue.created_by)
    assert issue.articles.get().body == WHOLE


def test_the_first_article_has_nothing_to_be_joined_with():
    issue = issue_with("<p>一。</p>", "<p>二。</p>")
    with pytest.raises(services.WorkflowError, match="第一篇文章之前没有文章"):
        services.article_join(article=issue.articles.get(position=1), actor=issue.created_by)


def test_an_article_with_meeting_facts_is_not_joined_and_keeps_them():
    issue = issue_with("<p>一。</p>", "<p>二。</p>")
    second = issue.articles.get(position=2)
    second.kind = Article.Kind.MEETING
    second.save()
    Meeting.objects.create(article=second, date=datetime.date(2025, 1, 12), organiser="党组", name="学习会")
    with pytest.raises(services.WorkflowError, match="带有会议或表彰信息"):
        services.article_join(article=second, actor=issue.created_by)
    assert issue.articles.count() == 2 and Meeting.objects.exists()


def test_a_join_beyond_the_body_limits_is_refused_and_changes_nothing():
    long = "<p>" + "长" * 120_000 + "</p>"
    issue = issue_with(long, long)
    with pytest.raises(services.WorkflowError, match="正文过长"):
        services.article_join(article=issue.articles.get(position=2), actor=issue.created_by)
    assert issue.articles.count() == 2 and issue.articles.get(position=1).body == long


@pytest.mark.parametrize("status", [Issue.Status.REVIEW, Issue.Status.ISSUED])
def test_articles_of_an_issue_no_longer_a_draft_are_neither_split_nor_joined(status):
    issue = factories.issue_in(status)
    article = issue.articles.first()
    with pytest.raises(services.WorkflowError, match="只有草稿中的文章才能拆分或合并"):
        services.article_split(article=article, paragraph_index=1, actor=issue.created_by)
    with pytest.raises(services.WorkflowError, match="只有草稿中的文章才能拆分或合并"):
        services.article_join(article=article, actor=issue.created_by)


def test_a_leader_neither_splits_nor_joins_a_draft():
    issue = issue_with(WHOLE, "<p>二。</p>")
    leader = factories.leader()
    with pytest.raises(services.WorkflowError, match="permission|不允许|无权"):
        services.article_split(article=issue.articles.get(position=1), paragraph_index=1, actor=leader)
    with pytest.raises(services.WorkflowError):
        services.article_join(article=issue.articles.get(position=2), actor=leader)
    assert issue.articles.count() == 2


# Without < and >: django-ckeditor-5's field stores a body whose only text is "<" as empty (it unescapes
# before stripping tags), whatever is done to the article.
PARAGRAPH = st.text(alphabet="省志办会议一二、（）。，1.&\"' ", min_size=1, max_size=40).filter(str.strip)


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=st.lists(PARAGRAPH, min_size=2, max_size=8), data=st.data())
def test_split_then_join_keeps_every_word_in_order(paragraphs, data):
    from django.utils.html import format_html_join

    issue = issue_with(format_html_join("", "<p>{}</p>", ((text,) for text in paragraphs)))
    article = issue.articles.get()
    index = data.draw(st.integers(min_value=1, max_value=len(paragraphs) - 1))
    new = services.article_split(article=article, paragraph_index=index, actor=issue.created_by)
    services.article_join(article=new, actor=issue.created_by)
    (joined,) = issue.articles.all()
    text = lxml.html.fragment_fromstring(joined.body, create_parent="div").text_content()
    assert "".join(text.split()) == "".join("".join(paragraphs).split())
    issue.delete()


# --- the article's page ---------------------------------------------------------------------------------


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_the_articles_page_offers_a_split_at_each_paragraph_but_the_first_and_a_join(client):
    issue = issue_with("<p>一。</p>", WHOLE)
    client.force_login(issue.created_by)
    first, second = issue.articles.order_by("position")

    page = client.get(change_url(second)).content.decode()
    assert page.count('split-here"') == 4 and 'id="join-previous"' in page
    assert "在此段拆分" in page and "与上一篇合并" in page
    assert 'id="join-previous"' not in client.get(change_url(first)).content.decode()


def test_a_split_from_the_page_opens_the_new_article(client):
    issue = issue_with(WHOLE)
    client.force_login(issue.created_by)
    article = issue.articles.get()
    base = latest_revision(issue).number if latest_revision(issue) else 0

    response = client.post(reverse("admin:articles_article_split", args=[article.pk]),
                           {"paragraph": "3", "base_revision": base}, follow=True)

    new = issue.articles.get(position=2)
    assert response.redirect_chain[-1][0] == change_url(new)
    assert "已拆分" in response.content.decode()
    response = client.post(reverse("admin:articles_article_join", args=[new.pk]),
                           {"base_revision": latest_revision(issue).number}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(article) and issue.articles.count() == 1


def test_a_split_posted_from_a_page_opened_before_someone_saved_is_refused(client):
    issue = issue_with(WHOLE)
    client.force_login(issue.created_by)
    article = issue.articles.get()
    services.revision_record(issue, actor=factories.editor(first_name="小王"))

    response = client.post(reverse("admin:articles_article_split", args=[article.pk]),
                           {"paragraph": "3", "base_revision": "0"}, follow=True)

    assert "没有拆分或合并任何内容" in response.content.decode() and issue.articles.count() == 1


def test_a_page_with_a_bad_paragraph_number_says_so(client):
    issue = issue_with(WHOLE)
    client.force_login(issue.created_by)
    article = issue.articles.get()
    response = client.post(reverse("admin:articles_article_split", args=[article.pk]),
                           {"paragraph": "99999999", "base_revision": ""}, follow=True)
    assert "请选择第一段之后的某一段" in response.content.decode() and issue.articles.count() == 1


def test_a_leader_posting_a_split_changes_nothing(client):
    issue = issue_with(WHOLE)
    client.force_login(factories.leader())
    response = client.post(reverse("admin:articles_article_split", args=[issue.articles.get().pk]),
                           {"paragraph": "3"})
    assert response.status_code in (302, 403) and issue.articles.count() == 1
