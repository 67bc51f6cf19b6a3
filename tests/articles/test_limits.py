"""An article body beyond the limits is refused wherever it would be stored, with the reason in Chinese."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import translation

from articles.content.limits import LIMITS, BodyLimits, check_body, measure_body
from articles.models import Article
from tests.articles.test_admin import _FormFields
from tests.factories import draft_issue, editor

IMAGE = '<figure class="image"><img src="/media/uploads/a.png" alt="图"></figure>'
DEEP = "<ul><li>" * 10_000 + "最里层" + "</li></ul>" * 10_000  # 10,000 nested lists: 20,000 levels
TOO_LONG = "<p>" + "地方志工作信息" * 30_000 + "</p>"
HUGE_TABLE = "<table><tbody>" + "<tr><td>甲</td><td>乙</td></tr>" * 400 + "</tbody></table>"
WIDE_TABLE = "<table><tbody>" + ("<tr>" + "<td>格</td>" * 20 + "</tr>") * 200 + "</tbody></table>"
TOO_MANY_IMAGES = "<p>图集</p>" + IMAGE * 21

OVER_LIMIT = {
    "too long": (TOO_LONG, "正文过长（210007 个字符，最多 200000 个）。"),
    "too deep": (DEEP, "正文嵌套层级过深（20000 层，最多 20 层）。"),
    "too many rows": (HUGE_TABLE, "正文中的表格行数过多（400 行，最多 300 行）。"),
    "too many cells": (WIDE_TABLE, "正文中的表格单元格过多（4000 个，最多 3000 个）。"),
    "too many images": (TOO_MANY_IMAGES, "正文中的图片过多（21 张，最多 20 张）。"),
}


def zh_messages(error):
    with translation.override("zh-hans"):
        return [str(message) for message in error.messages]


# --- measuring --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(OVER_LIMIT))
def test_a_body_beyond_a_limit_is_refused_naming_the_limit_and_the_value(case):
    body, message = OVER_LIMIT[case]

    with pytest.raises(ValidationError) as refused:
        check_body(body)

    assert zh_messages(refused.value) == [message]


def test_a_body_of_what_ckeditor_writes_is_within_the_limits():
    table = "<figure class=\"table\"><table><tbody>" + "<tr><td><p>甲</p></td><td><strong>乙</strong></td></tr>" * 300
    body = "<h2>一、总体情况</h2><p>正文。</p>" * 500 + "<ol><li>一<ol><li>二<ul><li>三</li></ul></li></ol></li></ol>"
    body += table + "</tbody></table></figure>" + IMAGE * 20

    check_body(body)

    assert measure_body(body).images == 20


def test_ten_thousand_nested_lists_are_refused_in_well_under_a_second():
    start = time.perf_counter()
    with pytest.raises(ValidationError):
        check_body(DEEP)
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("body", [
    "<a" * 99_999,  # html.parser takes about a minute on this
    "<![" * 66_666,  # and fails with AssertionError on this
    "<" * 199_999,
    "<!--" + "注" * 199_990,
    "<div>" * 39_999,
    "<p><table>" + "<div>" * 39_000,
])
def test_measuring_a_hostile_body_takes_linear_time(body):
    start = time.perf_counter()
    measure_body(body)
    assert time.perf_counter() - start < 2


def test_the_size_is_checked_before_anything_is_parsed():
    assert measure_body("<div>" * 50_000).depth == 0  # over 200,000 characters: refused on its size alone
    with pytest.raises(ValidationError) as refused:
        check_body("<div>" * 50_000)
    assert len(refused.value.messages) == 1


def test_closed_and_implied_ends_do_not_count_as_nesting():
    body = "<p>一<p>二<ul><li>甲<li>乙<li><ol><li>子</ol></ul>" + "<p><strong>三</strong></p>" * 100
    assert measure_body(body).depth == 4  # ul > li > ol > li


def test_only_images_that_will_print_are_counted():
    pasted = '<img src="file:///C:/Users/a/image001.png">' * 30 + '<img src="https://example.com/x.png">' * 30
    assert measure_body(pasted + IMAGE * 3).images == 3


def test_a_nested_table_counts_apart_from_the_table_around_it():
    inner = "<table>" + "<tr><td>内</td></tr>" * 200 + "</table>"
    body = "<table>" + "<tr><td>外</td></tr>" * 200 + f"<tr><td>{inner}</td></tr></table>"
    measure = measure_body(body)
    assert (measure.table_rows, measure.table_cells) == (201, 201)


def test_the_limits_can_be_set_per_call():
    assert check_body("<p>短</p>", BodyLimits(max_chars=10)) is None
    with pytest.raises(ValidationError):
        check_body("<p>不算短的一段</p>", BodyLimits(max_chars=10))
    assert LIMITS.max_depth == 20


# --- saving -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(OVER_LIMIT))
def test_saving_an_article_beyond_a_limit_is_refused_and_stores_nothing(case):
    issue = draft_issue(articles=0)
    body, message = OVER_LIMIT[case]

    with pytest.raises(ValidationError) as refused:
        Article.objects.create(issue=issue, title="标题", body=body)

    assert zh_messages(refused.value) == [message]
    assert list(refused.value.message_dict) == ["body"]
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_changing_a_saved_article_beyond_a_limit_is_refused():
    article = draft_issue().articles.get()

    article.body = DEEP
    with pytest.raises(ValidationError):
        article.save()

    article.refresh_from_db()
    assert article.body == "<p>正文。</p>"


@pytest.mark.django_db
def test_saving_other_fields_does_not_measure_the_body_again():
    article = draft_issue().articles.get()
    # Stored before the limits existed (the plain QuerySet.update is what that looks like).
    models.QuerySet.update(Article.objects.filter(pk=article.pk), body=DEEP)
    article.refresh_from_db()

    article.position = 7
    article.save(update_fields=["position"])

    assert Article.objects.get().position == 7


@pytest.mark.django_db
def test_full_clean_puts_the_reason_on_the_body_field():
    article = Article(issue=draft_issue(articles=0), title="标题", body=DEEP)

    with pytest.raises(ValidationError) as refused:
        article.full_clean()

    assert zh_messages(refused.value) == [OVER_LIMIT["too deep"][1]]
    assert list(refused.value.message_dict) == ["body"]


# --- bulk writes ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("expression", [
    F("title"), Value("<script>alert(1)</script>"), Concat(F("body"), Value("<img src=x onerror=alert(1)>")),
], ids=["F", "Value", "Concat"])
def test_an_update_of_the_body_with_an_expression_is_refused(expression):
    issue = draft_issue()

    with pytest.raises(TypeError, match="rich text"):
        issue.articles.update(body=expression)

    assert list(issue.articles.values_list("body", flat=True)) == ["<p>正文。</p>"]


@pytest.mark.django_db
def test_an_update_of_the_body_beyond_a_limit_is_refused():
    issue = draft_issue()

    with pytest.raises(ValidationError):
        Article.objects.update(body=DEEP)

    assert list(issue.articles.values_list("body", flat=True)) == ["<p>正文。</p>"]


@pytest.mark.django_db
def test_a_bulk_update_sanitises_the_bodies():
    issue = draft_issue(articles=2)
    articles = list(issue.articles.all())
    articles[0].body = '<p onclick="x()">甲<script>alert(1)</script></p>'
    articles[1].body = '<p>乙</p><img src="https://evil.example/x.png">'

    assert Article.objects.bulk_update(articles, ["body"]) == 2

    assert list(issue.articles.values_list("body", flat=True)) == ["<p>甲</p>", "<p>乙</p>"]


@pytest.mark.django_db
def test_a_bulk_update_beyond_a_limit_is_refused_and_changes_nothing():
    issue = draft_issue(articles=2)
    articles = list(issue.articles.all())
    articles[0].body = "<p>改了</p>"
    articles[1].body = HUGE_TABLE

    with pytest.raises(ValidationError):
        Article.objects.bulk_update(articles, ["body"])

    assert list(issue.articles.values_list("body", flat=True)) == ["<p>正文。</p>"] * 2


@pytest.mark.django_db
def test_a_bulk_update_refuses_an_expression_as_a_body():
    article = draft_issue().articles.get()
    article.body = Concat(F("body"), Value("<script>alert(1)</script>"))

    with pytest.raises(TypeError, match="rich text"):
        Article.objects.bulk_update([article], ["body"])


@pytest.mark.django_db
def test_a_bulk_update_of_other_fields_still_works():
    issue = draft_issue(articles=2)
    articles = list(issue.articles.all())
    for article in articles:
        article.position += 10

    Article.objects.bulk_update(articles, ["position"])

    assert list(issue.articles.values_list("position", flat=True)) == [11, 12]


@pytest.mark.django_db
def test_a_bulk_create_beyond_a_limit_is_refused():
    issue = draft_issue(articles=0)

    with pytest.raises(ValidationError):
        Article.objects.bulk_create([Article(issue=issue, title="甲", body="<p>甲</p>"),
                                     Article(issue=issue, title="乙", body=TOO_MANY_IMAGES)])

    assert not Article.objects.exists()


# --- the admin ------------------------------------------------------------------------------------------------


def _posted_back(html, form_id):
    """What the browser would post from the form `form_id` of an admin page."""
    start = html.index(f'id="{form_id}"')
    parser = _FormFields()
    parser.feed(html[start:html.index("</form>", start)])
    # A browser drops the newline Django writes after <textarea>.
    return {name: value.removeprefix("\n") for name, value in parser.data.items() if "__prefix__" not in name}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(OVER_LIMIT))
def test_the_article_form_shows_why_the_body_is_refused_and_keeps_what_was_typed(client, case):
    article = draft_issue().articles.get()
    body, message = OVER_LIMIT[case]
    client.force_login(editor())
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = _posted_back(client.get(url).content.decode(), "article_form")

    response = client.post(url, {**data, "body": body})

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["body"] == [message]
    html = response.content.decode()
    assert message in html
    assert _posted_back(html, "article_form")["body"] == body
    article.refresh_from_db()
    assert article.body == "<p>正文。</p>"


@pytest.mark.django_db
def test_the_issue_form_shows_the_reason_on_the_article_inline(client):
    issue = draft_issue()
    client.force_login(editor())
    url = reverse("admin:articles_issue_change", args=[issue.pk])
    data = _posted_back(client.get(url).content.decode(), "issue_form")

    response = client.post(url, {**data, "articles-0-body": DEEP})

    assert response.status_code == 200
    html = response.content.decode()
    assert OVER_LIMIT["too deep"][1] in html
    assert _posted_back(html, "issue_form")["articles-0-body"] == DEEP
    assert issue.articles.get().body == "<p>正文。</p>"
