"""Out-of-range and junk input answers 400/404 with a Chinese page, never a 500; junk never fills the cache."""

import pytest
from django.core.cache import cache
from django.db import DataError
from django.test import Client, RequestFactory
from django.urls import reverse

from bulletin_cms.middleware import BadInputMiddleware
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


@pytest.fixture
def client_no_raise():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("query", [f"series={HUGE}", f"year={HUGE}", f"page={HUGE}", "series=abc", "year=-3",
                                   "page=0", "series=1.5"])
def test_invalid_archive_filters_answer_400_in_chinese(client_no_raise, world, query):
    response = client_no_raise.get("/?" + query)
    assert response.status_code == 400
    assert "网址中的检索条件无效" in response.content.decode()


def test_an_archive_page_past_the_last_answers_the_chinese_404(client_no_raise, world):
    response = client_no_raise.get("/?page=50")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("user", ["reader_a", "leader"])
@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_an_out_of_range_issue_id_is_a_404(client_no_raise, client_as, world, user, suffix):
    client = client_as(user)
    client.raise_request_exception = False
    assert client.get(f"/issues/{HUGE}/{suffix}").status_code == 404


@pytest.mark.parametrize("model", ["receipt", "notification"])
def test_the_admins_issue_filter_refuses_an_out_of_range_id_like_any_bad_filter(client_as, world, model):
    client = client_as("leader")
    client.raise_request_exception = False
    response = client.get(f"/admin/distribution/{model}/?issue={HUGE}")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_receipt_list_still_filters_by_a_real_issue(client_as, world):
    issue = world.issues["to_a"]
    response = client_as("leader").get(f"/admin/distribution/receipt/?issue={issue.pk}")
    assert response.status_code == 200
    assert [r.issue_id for r in response.context["cl"].result_list] == [issue.pk]


def test_an_out_of_range_number_anywhere_is_a_400_not_a_500(rf):
    middleware = BadInputMiddleware(lambda request: None)
    request = rf.get("/anything/")
    response = middleware.process_exception(request, OverflowError("Python int too large to convert to SQLite INTEGER"))
    assert response.status_code == 400
    assert "网址中的编号超出范围" in response.content.decode()
    out_of_range = DataError('value "9999999999999999999999999" is out of range for type bigint')
    assert middleware.process_exception(request, out_of_range).status_code == 400
    assert middleware.process_exception(request, DataError("invalid input syntax")) is None


@pytest.fixture
def rf():
    return RequestFactory()


@pytest.mark.parametrize("debug", [False, True])
def test_a_body_past_the_upload_limit_gets_a_chinese_page_and_nothing_is_saved(client, settings, debug):
    settings.DEBUG = debug  # the README's first command serves with DEBUG on
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    article = issue.articles.get()
    client.force_login(editor)
    url = reverse("admin:articles_issue_change", args=[issue.pk])
    big = "<p>" + "字" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3 + 10) + "</p>"
    response = client.post(url, {"title": "新标题", "articles-0-id": article.pk, "articles-0-body": big})
    assert response.status_code == 413
    text = response.content.decode()
    assert "提交的内容过大" in text and "Traceback" not in text
    article.refresh_from_db()
    assert article.body == "<p>正文。</p>"


def test_error_pages_speak_chinese(client_no_raise, world):
    response = client_no_raise.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def _portal_keys():
    return {key for key in cache._cache if "portal:" in key}


def test_junk_query_strings_create_no_cache_entries(client, world):
    client.get("/")
    before = _portal_keys()
    for n in range(100):
        client.get(f"/?utm_source=crawler{n}&x={n}")
    client.get("/?series=")  # empty values are the same as absent
    assert _portal_keys() == before


def test_ids_that_match_nothing_and_free_text_searches_are_not_cached(client_as, world):
    client = client_as("leader")
    client.get("/")
    before = _portal_keys()
    for n in range(20):
        client.get(f"/?series={10_000 + n}")
        client.get(f"/?year={1950 + n}")
        client.get(f"/?q=关键词{n}")
    assert _portal_keys() == before


def test_a_real_filter_is_cached_once_and_pager_links_keep_only_valid_parameters(client_as, world, settings):
    client = client_as("leader")
    client.get("/")
    before = _portal_keys()
    series = world.issues["public"].series_id
    first = client.get(f"/?series={series}&junk=1")
    client.get(f"/?series={series}&other=2")
    assert len(_portal_keys() - before) == 1
    assert "junk" not in first.content.decode()

