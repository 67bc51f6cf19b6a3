"""The portal's search page: a reader finds only what they may read, counts and facets included."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# world's issues each hold one article "测试文章1" with the body "正文。" (tests/factories.py).
VISIBLE = {
    "anonymous": {"public"},
    "reader_a": {"public", "to_a"},
    "reader_b": {"public", "to_other"},
    "editor": {"public", "to_a", "to_other"},  # staff: every issued issue, never a draft or one under review
}


def found_issues(response):
    return {hit.article.issue_id for hit in response.context["hits"]}


@pytest.mark.parametrize("user", sorted(VISIBLE))
def test_a_search_never_reveals_an_issue_the_user_may_not_read(client_as, world, user):
    response = client_as(user).get(reverse("distribution:search"), {"q": "测试 正文"})

    assert response.status_code == 200
    assert found_issues(response) == {world.issues[name].pk for name in VISIBLE[user]}
    assert response.context["page"].paginator.count == len(VISIBLE[user])
    html = response.content.decode()
    assert "<mark>测试</mark>" in html and "<mark>正文</mark>" in html
    years_and_series = response.context["series_choices"], response.context["year_choices"]
    assert len(years_and_series[0]) <= len(VISIBLE[user])


def test_the_archive_search_box_leads_to_the_search_page_with_its_filters(client, world):
    response = client.get(reverse("distribution:home"), {"q": "正文", "year": "2025"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("distribution:search"))
    assert "year=2025" in response["Location"] and "q=" in response["Location"]


def test_bad_filters_get_a_chinese_message_and_an_empty_query_a_hint(client, world):
    response = client.get(reverse("distribution:search"), {"q": "正文", "kind": "<script>"})
    assert response.status_code == 400
    assert "检索条件无效" in response.content.decode()

    response = client.get(reverse("distribution:search"))
    assert response.status_code == 200
    assert "请输入一个或多个检索词" in response.content.decode()


def test_the_search_page_runs_a_fixed_number_of_queries(client_as, world, django_assert_num_queries):
    client = client_as("reader_a")
    client.get(reverse("distribution:search"), {"q": "正文"})
    # session, user, units, count, the page of articles with issue and series, facets
    with django_assert_num_queries(6):
        client.get(reverse("distribution:search"), {"q": "测试 正文", "year": "2025", "kind": "general"})
