"""End to end in headless chromium: a reader searches the archive and lands on the article; an editor binds
the year's 合订本 in the admin and downloads it."""

import io

import pikepdf

from articles import services
from articles.models import Article, BoundVolume, Issue
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import PASSWORD, _admin_login, _page

pytestmark = MARKS


def issued(series, title, body, *, disclosure=Issue.Disclosure.PUBLIC):
    issue = factories.draft_issue(series=series, articles=0, disclosure=disclosure)
    Article.objects.create(issue=issue, position=1, title="本期要闻", body="<p>其他工作。</p>")
    article = Article.objects.create(issue=issue, position=2, title=title, body=body)
    issue = services.issue_submit(issue=issue, actor=issue.created_by)
    return services.issue_approve(issue=issue, actor=factories.leader()), article


def test_a_reader_finds_an_article_and_an_editor_binds_the_year(live_server, browser):
    series = factories.SeriesFactory(name="地方志工作信息")
    issue, article = issued(series, "全省年鉴编纂工作会议召开",
                            "<p>会议部署了《四川年鉴（2021）》编纂和安全生产工作。</p>")
    issued(series, "内部事项", "<p>年鉴编纂的内部安排。</p>", disclosure=Issue.Disclosure.NOT_PUBLIC)

    page = _page(browser)
    page.goto(f"{live_server.url}/")
    page.fill("input[name=q]", "年鉴 安全")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("ol.hits")
    assert page.locator("p.count").inner_text() == "共找到 1 篇文章"  # the non-public issue stays hidden
    assert page.locator("ol.hits mark").all_inner_texts()[:2] == ["年鉴", "年鉴"]
    page.screenshot(path=str(SHOTS / "e2e-archive-search.png"), full_page=True)
    page.click("ol.hits h3 a")
    page.wait_for_url(f"**/issues/{issue.pk}/#article-{article.pk}")
    assert page.locator(f"#article-{article.pk} .article-title").inner_text().replace("\n", "") == article.title

    editor = factories.editor(password=PASSWORD)
    admin = _admin_login(browser, live_server.url, editor)
    admin.goto(f"{live_server.url}/admin/articles/boundvolume/add/")
    admin.select_option("#id_series", str(series.pk))
    admin.fill("#id_year", str(issue.year))
    admin.click("input[name=_save]")
    admin.wait_for_selector("#result_list")
    assert "已完成：2 期" in admin.locator("#result_list").inner_text()
    admin.screenshot(path=str(SHOTS / "e2e-archive-volume.png"), full_page=True)
    with admin.expect_download() as download:
        admin.click("#result_list a:has-text('下载')")
    pdf = pikepdf.open(io.BytesIO(open(download.value.path(), "rb").read()))
    volume = BoundVolume.objects.get()
    assert len(pdf.pages) == volume.pages
    with pdf.open_outline() as outline:
        assert [item.title for item in outline.root][0] == "目录"
