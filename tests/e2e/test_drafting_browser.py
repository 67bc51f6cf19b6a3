"""Drafting in headless chromium: articles reordered by dragging, a warning before leaving unsaved changes,
and what was typed offered back after the tab was closed without saving."""

import datetime
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from articles.models import Issue
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import SIZES, _add_article, _admin_login, assert_fits

pytestmark = MARKS


def test_articles_are_reordered_by_dragging_and_nothing_typed_is_lost(live_server, browser):
    base = live_server.url
    series = factories.SeriesFactory(name="拖动排序工作信息")
    editor = factories.editor()
    page = _admin_login(browser, base, editor)
    page.goto(f"{base}/admin/articles/issue/add/")
    page.select_option("#id_series", str(series.pk))
    # Dates as offices type them (issue 22): 2025年6月1日 and 2025-6-1 are both 1 June 2025.
    page.fill("#id_issue_date", "2025年6月1日")
    page.fill("#id_print_date", "2025-6-1")
    for index, title in enumerate(["甲篇", "乙篇", "丙篇"]):
        _add_article(page, index, title, f"{title}的正文。")
    # One article open at a time: the last added is open, the others folded to their titles.
    assert page.locator("#articles-group .inline-related.folded").count() == 2
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/admin/articles/issue/\d+/change/"))
    issue = Issue.objects.get(pk=int(re.search(r"/issue/(\d+)/change/", page.url).group(1)))
    assert list(issue.articles.order_by("position").values_list("title", flat=True)) == ["甲篇", "乙篇", "丙篇"]
    assert issue.issue_date == issue.print_date == datetime.date(2025, 6, 1)

    # Drag 丙篇 above 甲篇 and save.
    # The HTML5 drag events as chromium sends them (headless chromium does not start a native drag from
    # synthetic mouse moves): dragstart on 丙's header, dragover and drop on the top half of 甲's header.
    transfer = page.evaluate_handle("new DataTransfer()")
    page.locator("#articles-2 > h3").dispatch_event("dragstart", {"dataTransfer": transfer})
    box = page.locator("#articles-0 > h3").bounding_box()
    at = {"dataTransfer": transfer, "clientX": box["x"] + 20, "clientY": box["y"] + 2, "bubbles": True}
    page.locator("#articles-0 > h3").dispatch_event("dragover", at)
    page.locator("#articles-0 > h3").dispatch_event("drop", at)
    order = [page.input_value(f"#id_articles-{i}-position") for i in range(3)]
    assert order == ["2", "3", "1"]  # 甲 second, 乙 third, 丙 first: the 顺序 numbers follow the rows
    assert page.locator("#articles-group .arrange-number").all_inner_texts() == ["1", "2", "3"]
    page.screenshot(path=SHOTS / "e2e-drafting-arranged.png", full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert list(issue.articles.order_by("position").values_list("title", flat=True)) == ["丙篇", "甲篇", "乙篇"]

    # Type without saving, then try to leave: the browser asks first.
    page.locator("#articles-group .inline-related >> h3").first.click()
    page.fill("#id_extra_recipients", "临时增发单位")
    page.wait_for_timeout(1500)  # the kept copy is written a second after typing stops
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    with pytest.raises(PlaywrightError, match="ERR_ABORTED"):  # staying on the page cancels the navigation
        page.goto(f"{base}/admin/")
    assert asked == ["beforeunload"]
    assert f"/issue/{issue.pk}/change/" in page.url

    # The tab is closed without saving; opening the issue again offers what was typed.
    context = page.context
    page.close()
    again = context.new_page()
    again.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    again.wait_for_selector("#draft-kept")
    assert "未保存的内容" in again.locator("#draft-kept").inner_text()
    again.click("#draft-restore")
    expect(again.locator("#id_extra_recipients")).to_have_value("临时增发单位")
    again.click("input[name=_continue]")
    again.wait_for_selector(".messagelist .success")
    issue.refresh_from_db()
    assert issue.extra_recipients == "临时增发单位"


@SIZES
def test_a_kept_copy_restored_after_a_refused_save_never_overwrites_a_colleagues_save(live_server, browser, viewport):
    """The hole of issue 22: refused, reload, 恢复, 保存 — their sentence must not disappear without a word."""
    base = live_server.url
    issue = factories.draft_issue(author=factories.editor())
    alice, bob = factories.editor(first_name="甲"), factories.editor(first_name="乙")
    url = f"{base}/admin/articles/issue/{issue.pk}/change/"
    a, b = _admin_login(browser, base, alice, viewport), _admin_login(browser, base, bob, viewport)
    a.goto(url)
    b.goto(url)

    b.fill("#id_extra_recipients", "乙加上的单位")
    b.click("input[name=_continue]")
    b.wait_for_selector(".messagelist .success")

    a.fill("#id_extra_recipients", "甲加上的单位")
    a.click("input[name=_continue]")
    a.wait_for_selector(".errornote")
    assert "保存了本期" in a.locator(".errorlist").first.inner_text()

    # Reload: the kept copy is offered, saying it was typed on an older version.
    a.goto(url)
    a.wait_for_selector("#draft-kept")
    assert "此后本期已有人保存到第" in a.locator("#draft-kept").inner_text()
    expect(a.locator("#id_extra_recipients")).to_have_value("乙加上的单位")
    a.click("#draft-restore")
    expect(a.locator("#id_extra_recipients")).to_have_value("甲加上的单位")
    a.click("input[name=_continue]")
    a.wait_for_selector(".errornote")  # refused again: the same check as any save
    issue.refresh_from_db()
    assert issue.extra_recipients == "乙加上的单位"
    a.screenshot(path=SHOTS / f"e2e-drafting-stale-kept-copy-{viewport['width']}.png", full_page=True)
    assert_fits(a)

    # Replacing their version takes a confirmation, then goes through.
    a.check("input[name=replace_revision]")
    a.click("input[name=_continue]")
    a.wait_for_selector(".messagelist .success")
    issue.refresh_from_db()
    assert issue.extra_recipients == "甲加上的单位"


@SIZES
def test_the_editor_aligns_a_paragraph_centre_and_right_as_the_print_layout_has_them(live_server, browser, viewport):
    base = live_server.url
    issue = factories.draft_issue(author=factories.editor(), body="<p>正文。</p>")
    page = _admin_login(browser, base, issue.created_by, viewport)
    page.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    editable = page.locator("#articles-0 .ck-editor__editable")
    editable.click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("（综合处供稿）")
    page.locator("#articles-0 .ck-toolbar button[data-cke-tooltip-text*='对齐'], "
                 "#articles-0 .ck-alignment-dropdown button.ck-dropdown__button").first.click()
    page.locator("#articles-0 .ck-toolbar__items .ck-dropdown__panel-visible button").nth(2).click()  # 右对齐
    page.screenshot(path=SHOTS / f"e2e-drafting-align-{viewport['width']}.png")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert issue.articles.get().body == '<p>正文。</p><p style="text-align:right">（综合处供稿）</p>'


@SIZES
def test_articles_are_reordered_with_the_keyboard(live_server, browser, viewport):
    issue = factories.draft_issue(author=factories.editor(), articles=3)
    page = _admin_login(browser, live_server.url, issue.created_by, viewport)
    page.goto(f"{live_server.url}/admin/articles/issue/{issue.pk}/change/")
    page.locator("#articles-2 .arrange-handle").focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert "已移到第 1 篇" in page.locator(".arrange-status").inner_text()
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert list(issue.articles.order_by("position").values_list("title", flat=True)) == [
        "测试文章3", "测试文章1", "测试文章2"]
