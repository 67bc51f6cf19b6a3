"""A reader on a 390 × 844 phone: wide tables scroll sideways without breaking numbers, images fit the width."""

from articles import services
from articles.models import Article
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import PHONE, _page, assert_fits

pytestmark = MARKS

TABLE = ("<table><tbody><tr><th>市州</th><th>2023年</th><th>2024年</th><th>增长</th><th>完成率</th><th>备注</th></tr>"
         + "".join(f"<tr><td>{name}</td><td>1,234.5</td><td>2,345.6</td><td>100.0%</td><td>98.7%</td>"
                   f"<td>按期完成</td></tr>" for name in ("成都市", "自贡市", "攀枝花市"))
         + "</tbody></table>")


def test_a_table_scrolls_sideways_on_a_phone_and_numbers_stay_whole(live_server, browser):
    issue = factories.draft_issue(articles=0)
    Article.objects.create(issue=issue, position=1, title="各市州年鉴编纂进度", body=f"<p>进度如下：</p>{TABLE}")
    issue = services.issue_approve(issue=services.issue_submit(issue=issue, actor=issue.created_by),
                                   actor=factories.leader())
    page = _page(browser, PHONE)
    page.goto(f"{live_server.url}{issue.get_absolute_url()}")
    table = page.locator(".bulletin .body table")
    table.wait_for()
    page.screenshot(path=SHOTS / "e2e-phone-table.png", full_page=True)
    # The page itself does not scroll sideways; the table does, within its block.
    assert_fits(page)
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    # Each number sits on one line: its cell is no taller than the header cells' single line.
    heights = page.locator(".bulletin .body td").evaluate_all(
        "cells => cells.filter(c => /\\d/.test(c.textContent)).map(c => c.getBoundingClientRect().height)")
    line = page.locator(".bulletin .body th").first.evaluate("c => c.getBoundingClientRect().height")
    assert heights and max(heights) <= line + 1, (heights, line)
