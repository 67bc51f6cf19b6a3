"""What a screen reader speaks is Chinese too: the accessibility tree of each page the office uses, read in chromium.

Django's admin hides headings for screen readers only (the app list's «Model name», 「Error:」 in a title);
a sighted tester never sees them, so this reads the tree a screen reader reads, on a desktop and on a phone.
"""

import re

from articles.models import Issue
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import DESKTOP, PHONE, SIZES, _admin_login, _page, _portal_login

pytestmark = MARKS

# Names of formats and products, which the office says in Latin letters too.
KEPT = re.compile(r"\b(PDF|OFD|SHA-256|docx|xlsx|csv|Word|CKEditor|Alt|Email|email|http\S*|www\S*)\b")
SNAPSHOT_LINE = re.compile(r'\s*- (?P<role>/?\w+)(?: (?P<name>"(?:[^"\\]|\\.)*"))?'
                           r'(?: \[[^\]]*\])*(?::\s*(?P<text>.*))?$')
ENGLISH = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{2,})*")


def _english(page):
    """English phrases of the page's accessibility tree (names, headings, labels, descriptions)."""
    spoken = []
    for line in page.locator("body").aria_snapshot().splitlines():
        # «- heading "模块名称" [level=2]», «- cell "…"», «- text: …», «- /url: …» (an address, not spoken).
        match = SNAPSHOT_LINE.match(line)
        if match and match["role"] != "/url":
            typed = match["role"] in ("textbox", "combobox", "searchbox")  # what was typed, not what the page says
            said = " ".join(part.strip('"') for part in (match["name"], None if typed else match["text"]) if part)
            spoken.extend(ENGLISH.findall(KEPT.sub("", said)))
    return spoken


@SIZES
def test_the_admin_speaks_chinese_to_a_screen_reader(live_server, browser, viewport):
    editor = factories.editor(first_name="编辑甲")
    draft = factories.draft_issue(author=editor)
    waiting = factories.issue_in(Issue.Status.REVIEW, author=editor)
    page = _admin_login(browser, live_server.url, editor, viewport)
    heard = {}
    for path in ["/admin/", "/admin/articles/issue/", f"/admin/articles/issue/{draft.pk}/change/",
                 "/admin/articles/issue/add/", f"/admin/articles/issue/{draft.pk}/history/",
                 f"/admin/articles/issue/{waiting.pk}/review/", "/admin/distribution/receipt/",
                 "/admin/distribution/submission/", "/admin/password_change/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if english := _english(page):
            heard[path] = english
    page.screenshot(path=SHOTS / f"e2e-screen-reader-admin-{viewport['width']}.png", full_page=True)
    assert not heard, heard


def test_a_form_with_errors_and_the_login_page_speak_chinese(live_server, browser):
    page = _page(browser, DESKTOP)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong-password")
    page.click("input[type=submit]")
    page.wait_for_selector(".errornote")
    assert page.title().startswith("错误："), page.title()
    assert not _english(page), _english(page)


def test_the_portal_speaks_chinese_to_a_unit_on_a_phone(live_server, browser):
    unit = factories.RecipientFactory(name="朗读测试单位")
    reader = factories.reader(unit, first_name="收文员")
    issue = factories.issue_to(Issue.Status.ISSUED, units=[(unit, "send")])
    page = _portal_login(browser, live_server.url, reader, PHONE)
    heard = {}
    for path in ["/", issue.get_absolute_url(), "/submissions/", "/search/?q=正文"]:
        page.goto(f"{live_server.url}{path}")
        if english := _english(page):
            heard[path] = english
    assert not heard, heard
