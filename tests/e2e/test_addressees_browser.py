"""报 / 送 / 发 ticked in the address book in headless chromium, on a desktop and on a phone (issue 22)."""

import io

import pdfplumber
import pytest
from playwright.sync_api import expect

from articles.models import Distribution, RecipientGroup
from articles.selectors import address_lines
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import _admin_login

pytestmark = MARKS
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def _address_book():
    unit = factories.RecipientFactory
    units = {name: unit(name=name, sort_order=order) for name, order in [
        ("省直机关工委", 10), ("省纪委监委驻省政府办公厅纪检监察组", 20), ("综合处", 30), ("志鉴处", 40),
        ("年鉴处", 50), ("四川年鉴社", 60)]}
    groups = {}
    for name, order, members in [("报送单位（省直）", 10, ["省直机关工委", "省纪委监委驻省政府办公厅纪检监察组"]),
                                 ("机关各处", 20, ["综合处", "志鉴处", "年鉴处"])]:
        groups[name] = RecipientGroup.objects.create(name=name, sort_order=order)
        groups[name].members.add(*(units[m] for m in members))
    return units, groups


def _box(page, role, item):
    prefix = "g" if isinstance(item, RecipientGroup) else "u"
    return page.locator(f"#id_to_{role} input[value={prefix}{item.pk}]").first


@pytest.mark.parametrize(("viewport", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_whole_group_and_single_units_are_ticked_and_saved(live_server, browser, viewport, name):
    base = live_server.url
    units, groups = _address_book()
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    page = _admin_login(browser, base, editor)
    page.set_viewport_size(viewport)
    page.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")

    # 报: the whole group, one click; its units show ticked and greyed (the group's name is what prints).
    _box(page, "report", groups["报送单位（省直）"]).check()
    for member in ("省直机关工委", "省纪委监委驻省政府办公厅纪检监察组"):
        expect(_box(page, "report", units[member])).to_be_checked()
        expect(_box(page, "report", units[member])).to_be_disabled()
    expect(page.locator("#id_to_report .pick-printed-names")).to_have_text("报送单位（省直）。")
    # 逐个全选: every unit of a group ticked by name in one click (and unticked in another).
    each = page.locator("#id_to_copy .pick-group", has_text="机关各处").locator(".pick-each")
    each.click()
    expect(page.locator("#id_to_copy .pick-printed-names")).to_have_text("综合处，志鉴处，年鉴处。")
    expect(each).to_have_text("全部取消")
    each.click()
    expect(page.locator("#id_to_copy .pick-printed-names")).to_have_text("（无）")
    # 发: two single units, one in a group and one in none; the line follows in print order.
    _box(page, "send", units["四川年鉴社"]).check()
    _box(page, "send", units["综合处"]).check()
    expect(page.locator("#id_to_send .pick-printed-names")).to_have_text("综合处，四川年鉴社。")
    expect(page.locator("#id_to_send .pick-group").nth(1).locator(".pick-count")).to_have_text(" 1/3")

    # The same unit under 送 too: marked at once, and refused on saving, in Chinese, with every tick kept.
    _box(page, "copy", units["综合处"]).check()
    expect(page.locator("#id_to_send label", has_text="综合处").first).to_contain_text("已勾选在「送」中")
    page.locator("#pick-filter").fill("综合")
    expect(page.locator("#id_to_send .pick-unit:visible")).to_have_count(1)
    page.locator("#pick-filter").fill("")
    page.locator("fieldset.addressees").screenshot(path=SHOTS / f"e2e-addressees-ticked-{name}.png")
    page.click("input[name=_continue]")
    message = "「综合处」勾选在「送」中，又勾选在「发」中；一个单位每期只能列一次，请取消其中一处。"
    expect(page.locator(".errorlist", has_text=message)).to_be_visible()
    assert not Distribution.objects.filter(issue=issue).exists()
    expect(_box(page, "report", groups["报送单位（省直）"])).to_be_checked()
    expect(_box(page, "send", units["四川年鉴社"])).to_be_checked()
    page.locator(".errorlist").first.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"e2e-addressees-refused-{name}.png")

    _box(page, "copy", units["综合处"]).uncheck()
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert address_lines(issue) == [("报", "报送单位（省直）。"), ("发", "综合处，四川年鉴社。")]
    expect(_box(page, "report", groups["报送单位（省直）"])).to_be_checked()
    expect(_box(page, "send", units["综合处"])).to_be_checked()
    page.locator("fieldset.addressees").screenshot(path=SHOTS / f"e2e-addressees-saved-{name}.png")

    if name == "desktop":
        # The preview PDF's end block prints the group by its name and the units in order.
        response = page.request.get(f"{base}/admin/articles/issue/{issue.pk}/preview.pdf")
        with pdfplumber.open(io.BytesIO(response.body())) as pdf:
            text = "".join(pdf.pages[-1].extract_text().split())
        assert "报：报送单位（省直）。" in text and "发：综合处，四川年鉴社。" in text


def test_the_checkboxes_work_without_javascript(live_server, browser):
    base = live_server.url
    units, groups = _address_book()
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    page = _admin_login(browser, base, editor)
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False, locale="zh-CN")
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    plain.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")

    _box(plain, "send", groups["机关各处"]).check()
    _box(plain, "report", units["省直机关工委"]).check()
    plain.click("input[name=_continue]")
    plain.wait_for_selector(".messagelist .success")

    assert address_lines(issue) == [("报", "省直机关工委。"), ("发", "机关各处。")]
    context.close()


def test_ticks_are_kept_in_the_browser_and_restored_with_the_rest(live_server, browser):
    base = live_server.url
    units, groups = _address_book()
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    page = _admin_login(browser, base, editor)
    page.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    _box(page, "send", groups["机关各处"]).check()
    _box(page, "report", units["省直机关工委"]).check()
    page.wait_for_timeout(1500)  # the kept copy is written a second after the last change

    context = page.context
    page.close()
    again = context.new_page()
    again.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    again.click("#draft-restore")
    expect(_box(again, "send", groups["机关各处"])).to_be_checked()
    expect(_box(again, "send", units["志鉴处"])).to_be_disabled()  # shown as in the whole group again
    expect(again.locator("#id_to_send .pick-printed-names")).to_have_text("机关各处。")
    again.click("input[name=_continue]")
    again.wait_for_selector(".messagelist .success")
    assert address_lines(issue) == [("报", "省直机关工委。"), ("发", "机关各处。")]
