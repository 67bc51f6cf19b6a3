"""End to end in headless chromium: draft → review → issue in the admin, then read, download and 签收 on the portal."""

import io
import re
from pathlib import Path

import pdfplumber
import pytest

from articles.models import Issue
from distribution.models import Receipt
from tests import factories
from tests.e2e.browser import MARKS, SHOTS

PASSWORD = "pw-for-tests-123"
# The office's screen and a phone (issue 22).
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])

pytestmark = MARKS


def _page(browser, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(20_000)
    return context.new_page()


def assert_fits(page):
    """Nothing makes the page itself scroll sideways."""
    width = page.viewport_size["width"]
    wider = page.evaluate("""w => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > w + 1)
        .map(e => `${e.tagName}#${e.id}.${e.className}: ${Math.round(e.getBoundingClientRect().right)}`)""", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (page.url, wider[:8])


def _admin_login(browser, base, user, viewport=DESKTOP):
    page = _page(browser, viewport)
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    return page


def _portal_login(browser, base, user, viewport=DESKTOP):
    page = _page(browser, viewport)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _add_article(page, index, title, text):
    page.click("#articles-group .add-row a")
    form = page.locator(f"#articles-{index}")
    # The 顺序 field is filled by static/bulletin/arrange.js (drag to reorder).
    form.locator(f"#id_articles-{index}-title").fill(title)
    editable = form.locator(".ck-editor__editable")
    editable.click()
    editable.type(text)


def _pick_recipient(page, unit):
    """Tick `unit` under 发 (the issue form's address book, articles.forms.AddresseePicker)."""
    page.locator(f"#id_to_send input[value=u{unit.pk}]").first.check()


def test_an_issue_goes_from_draft_to_acknowledged(live_server, browser):
    base = live_server.url
    series = factories.SeriesFactory(name="端到端工作信息")
    unit = factories.RecipientFactory(name="端到端收文单位")
    editor, leader = factories.editor(first_name="编辑甲"), factories.leader()
    reader = factories.reader(unit, first_name="收文员乙")

    # An editor drafts an issue with two articles and one addressee, then submits it.
    page = _admin_login(browser, base, editor)
    page.goto(f"{base}/admin/articles/issue/add/")
    page.select_option("#id_series", str(series.pk))
    page.fill("#id_issue_date", "2025-03-01")
    page.fill("#id_print_date", "2025-03-01")
    page.fill("#id_print_run", "8")
    page.select_option("#id_disclosure", Issue.Disclosure.ON_REQUEST)
    _add_article(page, 0, "端到端第一篇文章", "第一篇的正文。")
    _add_article(page, 1, "端到端第二篇文章", "第二篇的正文。")
    _pick_recipient(page, unit)
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/admin/articles/issue/\d+/change/"))
    issue_pk = int(re.search(r"/issue/(\d+)/change/", page.url).group(1))
    page.click("#submit-for-review")
    page.wait_for_selector("#submit-for-review", state="detached")
    issue = Issue.objects.get(pk=issue_pk)
    assert issue.status == Issue.Status.REVIEW
    assert issue.articles.count() == 2

    # A leader issues it, accepting the confirmation dialog.
    boss = _admin_login(browser, base, leader)
    boss.on("dialog", lambda dialog: dialog.accept())
    boss.goto(f"{base}/admin/articles/issue/{issue_pk}/change/")
    boss.click("input[name=approve]")
    boss.wait_for_selector("input[name=approve]", state="detached", timeout=60_000)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED

    # The reader sees it unread, opens it, downloads the PDF and acknowledges it.
    portal = _portal_login(browser, base, reader)
    row = portal.locator("#unit-issues li", has_text=issue.label)
    assert row.locator(".unread-badge").count() == 1
    portal.screenshot(path=SHOTS / "e2e-portal-home-desktop.png", full_page=True)
    row.locator("a").click()
    portal.wait_for_selector("#download-pdf")
    assert "端到端第二篇文章" in portal.content()
    portal.screenshot(path=SHOTS / "e2e-portal-issue-desktop.png", full_page=True)
    with portal.expect_download() as info:
        portal.click("#download-pdf")
    download = info.value
    assert download.suggested_filename == "端到端工作信息2025年第1期.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
    assert "端到端第一篇文章" in text and "端到端第二篇文章" in text
    portal.click("button[name=acknowledge]")
    portal.wait_for_selector("#receipt .done")
    receipt = Receipt.objects.get(issue=issue, recipient=unit)
    assert receipt.acknowledged_by == reader
    assert receipt.first_downloaded_by == reader

    # Same pages at phone width.
    phone = _portal_login(browser, base, reader, viewport=PHONE)
    phone.screenshot(path=SHOTS / "e2e-portal-home-phone.png", full_page=True)
    phone.goto(f"{base}/issues/{issue_pk}/")
    phone.screenshot(path=SHOTS / "e2e-portal-issue-phone.png", full_page=True)

    # The editor sees the acknowledgement in the admin.
    page.goto(f"{base}/admin/distribution/receipt/?issue={issue_pk}")
    summary = page.locator("#receipt-summary").inner_text()
    assert re.search(r"\b1\b.*\b1\b", summary)
    row = page.locator("#result_list tbody tr", has_text=unit.name)
    assert "收文员乙" in row.inner_text() or reader.username in row.inner_text()
