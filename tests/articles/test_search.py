"""Chinese full-text search (articles/search.py) on the database the suite runs on: SQLite's FTS5 by
default, PostgreSQL's GIN index with DATABASE_URL, so `.ci/run` checks that both find the same."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from articles import search
from articles.models import Article, ArticleIndex, Issue, Meeting
from tests import factories

pytestmark = pytest.mark.django_db


def article(title, body, *, date=datetime.date(2021, 1, 13), kind=Article.Kind.GENERAL, series=None):
    issue = factories.draft_issue(articles=0, issue_date=date, series=series)
    return Article.objects.create(issue=issue, position=1, title=title, body=f"<p>{body}</p>", kind=kind)


def found(query, **filters):
    return list(search.search(query, issues=Issue.objects.all(), **filters)[1])


def test_two_character_words_are_found_inside_longer_text():
    yearbook = article("部署年度工作", "尽快启动《四川年鉴（2021）》编纂，抓好安全生产和保密工作。")
    article("召开学习会", "传达学习会议精神。")

    assert found("年鉴") == [yearbook]
    assert found("安全") == [yearbook]
    assert found("四川") == [yearbook]
    assert found("编纂") == [yearbook]
    assert found("地震") == []


def test_every_word_must_occur():
    both = article("会议", "年鉴编纂和安全生产")
    article("会议", "年鉴编纂")

    assert found("年鉴 安全") == [both]
    assert found("年鉴安全") == [both]  # one string is segmented into its words too


def test_title_matches_come_first_then_newer_issues():
    old_body = article("部署工作", "研究年鉴编纂", date=datetime.date(2019, 5, 1))
    new_body = article("部署工作", "研究年鉴编纂", date=datetime.date(2022, 5, 1))
    old_title = article("年鉴编纂工作会议召开", "会议研究了有关事项", date=datetime.date(2018, 5, 1))

    assert found("年鉴") == [old_title, new_body, old_body]
    hits = {hit.article: hit.in_title for hit in search.hits(found("年鉴"), ["年鉴"])}
    assert hits == {old_title: True, new_body: False, old_body: False}


def test_filters_by_series_year_and_kind():
    series = factories.SeriesFactory(name="另一份简报")
    general = article("工作动态", "年鉴编纂", date=datetime.date(2020, 3, 1))
    meeting = article("会议报道", "年鉴编纂", date=datetime.date(2021, 3, 1), kind=Article.Kind.MEETING,
                      series=series)

    assert found("年鉴", series=series.pk) == [meeting]
    assert found("年鉴", year=2020) == [general]
    assert found("年鉴", kind="meeting") == [meeting]
    assert found("年鉴", kind="general", year=2021) == []


def test_meeting_facts_are_searched_too():
    report = article("省地方志办召开会议", "会议传达了文件精神。", kind=Article.Kind.MEETING)
    Meeting.objects.create(article=report, date=datetime.date(2021, 1, 12), organiser="省地方志办党组",
                           name="中心组（扩大）学习会", chair="陈建春")

    assert found("陈建春") == [report]


def test_the_index_follows_edits_and_deletions():
    draft = article("部署工作", "研究年鉴编纂")
    draft.body = "<p>研究档案整理</p>"
    draft.save()

    assert found("年鉴") == []
    assert found("档案") == [draft]
    draft.delete()
    assert found("档案") == []
    assert not ArticleIndex.objects.exists()


def test_rebuilding_the_index_gives_the_same_results():
    kept = article("年鉴编纂工作会议", "研究安全生产")
    before = {row.pk: (row.title_words, row.body_words) for row in ArticleIndex.objects.all()}

    call_command("search_index", verbosity=0)

    assert {row.pk: (row.title_words, row.body_words) for row in ArticleIndex.objects.all()} == before
    assert found("安全") == [kept]


def test_a_query_of_punctuation_or_query_syntax_finds_nothing_and_breaks_nothing():
    article("部署工作", "研究年鉴编纂 AND OR NOT NEAR")

    assert found("，。！") == []
    assert found('"年鉴" OR *') != []  # only words are asked for; the databases' syntax is never passed on
    assert found("NEAR(年鉴") != []
    assert found(":-&|!") == []


def test_highlights_are_escaped_and_snippets_start_near_the_first_word():
    text = "<b>" + "前文" * 100 + "四川年鉴编纂" + "后文" * 100
    piece = search.snippet(text, ["年鉴"])

    assert "<mark>年鉴</mark>" in piece
    assert piece.startswith("…") and piece.endswith("…")
    assert "<b>" not in search.highlight("<b>年鉴</b>", ["年鉴"])
    assert "&lt;b&gt;<mark>年鉴</mark>" in search.highlight("<b>年鉴</b>", ["年鉴"])


def test_the_database_has_its_own_full_text_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'articles_articleindex'")
            definitions = " ".join(row[0] for row in cursor.fetchall())
            assert "gin" in definitions and "to_tsvector('simple'" in definitions
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_search_fts'")
            assert "fts5" in cursor.fetchone()[0]


def test_the_admin_search_boxes_use_the_full_text(client):
    client.force_login(factories.superuser())
    yearbook = article("部署年度工作", "尽快启动《四川年鉴（2021）》编纂，抓好安全生产。")
    other = article("召开学习会", "传达学习会议精神。")

    issues = client.get("/admin/articles/issue/", {"q": "安全 年鉴"}).context["cl"].result_list
    assert list(issues) == [yearbook.issue]
    articles = client.get("/admin/articles/article/", {"q": "学习会"}).context["cl"].result_list
    assert list(articles) == [other]
    by_series = client.get("/admin/articles/issue/", {"q": yearbook.issue.series.name}).context["cl"].result_list
    assert yearbook.issue in by_series


def test_words_of_a_bulletin_are_whole_words():
    study_meeting = article("召开党组中心组（扩大）学习会", "传达学习中央文件精神。")
    article("部署学习工作", "各单位会认真学习文件。")  # 学习 and 会 apart: not a 学习会

    assert found("学习会") == [study_meeting]
    assert len(found("学习")) == 2  # the short word inside the long one is still found
