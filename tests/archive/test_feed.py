"""The public Atom feed: 主动公开 issued issues only, newest first, each linking to its portal page."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from articles.models import Issue
from tests.archive.conftest import day, issued
from tests.factories import draft_issue, editor, issue_in

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
Disclosure = Issue.Disclosure


@pytest.fixture
def issues(fake_pdf, series):
    """Public issues of two dates, issued issues that are not public, and a public draft and review."""
    return {
        "older": issued(series=series, issue_date=day(1, 13),
                        titles=["省地方志办召开党组中心组学习会\n传达学习文件精神", "团支部获组织奖"]),
        "newer": issued(series=series, issue_date=day(3, 2), titles=["年鉴编纂工作会召开"]),
        "on_request": issued(series=series, issue_date=day(4, 1), titles=["依申请公开的一期"],
                             disclosure=Disclosure.ON_REQUEST),
        "not_public": issued(series=series, issue_date=day(5, 1), titles=["不予公开的一期"],
                             disclosure=Disclosure.NOT_PUBLIC),
        "draft": draft_issue(series=series, issue_date=day(6, 1), disclosure=Disclosure.PUBLIC),
        "review": issue_in(Issue.Status.REVIEW, series=series, issue_date=day(7, 1), disclosure=Disclosure.PUBLIC),
    }


def rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def valid_atom(content):
    """The parsed feed, after checking what RFC 4287 requires of a feed and of each entry."""
    feed = ET.fromstring(content)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1 and feed.findtext(f"{ATOM}{name}").strip(), name
    rfc3339(feed.findtext(f"{ATOM}updated"))
    feed_has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1 and entry.findtext(f"{ATOM}{name}").strip(), name
        rfc3339(entry.findtext(f"{ATOM}updated"))
        alternate = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternate) == 1 and alternate[0].get("href")
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        ids.append(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(set(ids))
    return feed


def entries(feed):
    return feed.findall(f"{ATOM}entry")


def test_the_feed_is_valid_atom_with_the_public_issued_issues_newest_first(client, issues):
    response = client.get(reverse("distribution:feed"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = valid_atom(response.content)
    assert feed.findtext(f"{ATOM}title") == "主动公开简报"
    titles = [e.findtext(f"{ATOM}title") for e in entries(feed)]
    assert titles == ["地方志工作信息 2021年第2期", "地方志工作信息 2021年第1期"]
    links = [e.find(f"{ATOM}link").get("href") for e in entries(feed)]
    assert links == [f"http://testserver/issues/{issues[k].pk}/" for k in ("newer", "older")]
    self_link = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link == ["http://testserver/feed/atom/"]
    # The feed is as new as its newest entry.
    assert rfc3339(feed.findtext(f"{ATOM}updated")) == max(issues[k].issued_at for k in ("newer", "older"))


def test_each_entry_links_to_a_page_anyone_may_open(client, issues):
    feed = valid_atom(client.get(reverse("distribution:feed")).content)
    for entry in entries(feed):
        path = entry.find(f"{ATOM}link").get("href").removeprefix("http://testserver")
        assert client.get(path).status_code == 200


def test_the_summary_lists_the_article_titles(client, issues):
    feed = valid_atom(client.get(reverse("distribution:feed")).content)
    older = entries(feed)[1]
    summary = older.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert summary.text == "<ul><li>省地方志办召开党组中心组学习会 传达学习文件精神</li><li>团支部获组织奖</li></ul>"
    assert older.findtext(f"{ATOM}author/{ATOM}name") == "四川省地方志工作办公室"


def test_a_non_public_issue_never_appears_whoever_asks(client, issues):
    hidden = {issues[k].pk for k in ("on_request", "not_public", "draft", "review")}
    for user in (None, editor()):  # staff see every issued issue on the portal, but not in the feed
        if user:
            client.force_login(user)
        content = client.get(reverse("distribution:feed")).content.decode()
        feed = valid_atom(content)
        assert len(entries(feed)) == 2
        for pk in hidden:
            assert f"/issues/{pk}/" not in content
        for title in ("依申请公开的一期", "不予公开的一期", "测试文章1"):
            assert title not in content


def test_a_title_with_markup_is_escaped_in_the_summary(client, fake_pdf, series):
    issued(series=series, issue_date=day(8, 1), titles=["<b>加粗</b> & 其他"])
    feed = valid_atom(client.get(reverse("distribution:feed")).content)
    assert entries(feed)[0].find(f"{ATOM}summary").text == "<ul><li>&lt;b&gt;加粗&lt;/b&gt; &amp; 其他</li></ul>"


def test_an_empty_feed_is_still_valid(client):
    assert entries(valid_atom(client.get(reverse("distribution:feed")).content)) == []


def test_the_feed_takes_three_queries_however_many_issues(client, issues, django_assert_num_queries):
    with django_assert_num_queries(3):
        client.get(reverse("distribution:feed"))


def test_a_reader_polling_gets_304_until_something_new_is_made_public(client, issues, fake_pdf, series,
                                                                       django_assert_num_queries):
    etag = client.get(reverse("distribution:feed"))["ETag"]
    with django_assert_num_queries(1):
        again = client.get(reverse("distribution:feed"), headers={"if-none-match": etag})
    assert again.status_code == 304
    issued(series=series, issue_date=day(9, 1), titles=["新的一期"], disclosure=Disclosure.NOT_PUBLIC)
    assert client.get(reverse("distribution:feed"), headers={"if-none-match": etag}).status_code == 304
    # Likely within the same second as the last one: Last-Modified could not tell, the ETag does.
    issued(series=series, issue_date=day(9, 2), titles=["新公开的一期"])
    newer = client.get(reverse("distribution:feed"), headers={"if-none-match": etag})
    assert newer.status_code == 200 and "新公开的一期" in newer.content.decode()


def test_the_portal_pages_announce_the_feed(client):
    content = client.get(reverse("distribution:home")).content.decode()
    assert '<link rel="alternate" type="application/atom+xml" title="主动公开简报" href="/feed/atom/">' in content
