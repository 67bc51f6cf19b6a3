"""栏目 and 供稿单位: printed as offices print them, shown on the portal and in the 合订本 contents, searchable."""

import io

import pdfplumber
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from articles import search, services
from articles.archive.volume import bind
from articles.models import Article, Column, Issue
from tests import factories

pytestmark = pytest.mark.django_db
TYPE_AREA_RIGHT_PT = (28 + 156) / 25.4 * 72  # 28 mm left margin + 156 mm type area (GB/T 9704 5.2.1)

ITEMS = [  # (栏目, title, body, 供稿单位) — 市州动态 items as 地方志工作信息 prints them
    ("特别关注", "省地方志办召开2021年全省地方志工作会议",
     "会议总结了2020年全省地方志工作，部署了2021年重点任务。", ""),
    ("市州动态", "成都市召开地方志工作会议",
     "成都市地方志工作办公室召开全市地方志工作会议。", "成都市地方志工作办公室"),
    ("市州动态", "自贡市完成年鉴编纂", "自贡市地方志办公室完成《自贡年鉴（2020）》编纂。", "（自贡市地方志办公室）"),
]


@pytest.fixture
def issued_with_columns():
    series = factories.SeriesFactory(name="栏目测试工作信息")
    columns = {name: Column.objects.create(series=series, name=name, position=i)
               for i, name in enumerate(["特别关注", "市州动态"])}
    issue = factories.draft_issue(series=series, articles=0)
    for position, (column, title, body, source) in enumerate(ITEMS, start=1):
        Article.objects.create(issue=issue, position=position, column=columns[column], title=title,
                               body=f"<p>{body}</p>", source=source)
    issue = services.issue_submit(issue=issue, actor=issue.created_by)
    return services.issue_approve(issue=issue, actor=factories.leader())


def _pdf_lines(issue):
    with issue.pdf_file.open("rb") as fh, pdfplumber.open(io.BytesIO(fh.read())) as pdf:
        return [line for page in pdf.pages for line in page.extract_text_lines()]


def test_each_column_heading_prints_once_before_its_first_item_and_sources_flush_right(issued_with_columns):
    lines = _pdf_lines(issued_with_columns)
    texts = [line["text"].replace(" ", "") for line in lines]
    assert texts.count("【特别关注】") == 1 and texts.count("【市州动态】") == 1
    assert texts.index("【特别关注】") < texts.index("省地方志办召开2021年全省地方志工作会议")
    assert texts.index("【市州动态】") < texts.index("成都市召开地方志工作会议") < texts.index("自贡市完成年鉴编纂")
    for source in ("（成都市地方志工作办公室）", "（自贡市地方志办公室）"):  # brackets added once, never doubled
        (line,) = [line for line in lines if line["text"].replace(" ", "") == source]
        assert abs(line["x1"] - TYPE_AREA_RIGHT_PT) < 2, (source, line["x1"])


def test_a_column_of_another_series_is_refused():
    other = Column.objects.create(series=factories.SeriesFactory(name="别的刊物"), name="市州动态")
    issue = factories.draft_issue()
    article = issue.articles.get()
    article.column = other
    with pytest.raises(ValidationError) as refused:
        article.full_clean()
    assert "column" in refused.value.message_dict


def test_columns_and_sources_are_searchable(issued_with_columns):
    _words, found = search.search("自贡市地方志办公室", issues=Issue.objects.all())
    assert [article.title for article in found] == ["自贡市完成年鉴编纂"]
    _words, found = search.search("市州动态", issues=Issue.objects.all())
    assert {article.title for article in found} == {"成都市召开地方志工作会议", "自贡市完成年鉴编纂"}


def test_the_portal_shows_the_headings_and_sources(issued_with_columns):
    page = Client().get(reverse("distribution:issue", args=[issued_with_columns.pk])).content.decode()
    assert page.count("【市州动态】") == 1 and "（成都市地方志工作办公室）" in page


def test_the_volume_contents_name_the_column_with_the_title(issued_with_columns):
    from articles.archive import volume

    issue = issued_with_columns
    with volume.pikepdf.open(io.BytesIO(bind(issue.series, issue.year)[0])) as pdf, pdf.open_outline() as outline:
        titles = [child.title for item in outline.root for child in item.children]
    assert "【市州动态】成都市召开地方志工作会议" in titles
