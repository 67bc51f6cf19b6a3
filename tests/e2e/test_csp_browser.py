"""The Content-Security-Policy in a real browser: the admin editor (CKEditor 5) and the portal work under it."""


from articles.models import Issue
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import _admin_login, _page, _portal_login

pytestmark = MARKS

# Runs before any page script, so every violation is recorded (Playwright injects it outside the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watch(page):
    """Record CSP violations on `page`: the DOM event and chromium's console report."""
    console = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    return console


def _violations(page, console):
    return page.evaluate("window.__cspViolations || []") + console


def test_the_admin_issue_editor_runs_ckeditor_without_a_csp_violation(live_server, browser):
    base = live_server.url
    author = factories.editor()
    issue = factories.draft_issue(author=author, articles=2, body="<p>在内容安全策略下编辑的正文。</p>")
    page = _admin_login(browser, base, author)
    console = _watch(page)

    response = page.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    editable = page.locator("#articles-0 .ck-editor__editable")
    editable.wait_for()
    assert "在内容安全策略下编辑的正文" in editable.inner_text()
    assert page.locator("#articles-0 .ck-toolbar").first.is_visible()
    editable.click()
    editable.type("补充一句。")
    assert "补充一句。" in editable.inner_text()
    page.locator("#articles-0").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "csp-admin-issue-change.png")
    page.locator("#articles-1 > h3").click()  # open the second article (one is open at a time)
    page.locator("#articles-1 .ck-editor__editable").click()  # the second editor too

    assert _violations(page, console) == []


def test_issuing_still_asks_for_confirmation_under_the_csp(live_server, browser, fake_pdf):
    base = live_server.url
    issue = factories.issue_in(Issue.Status.REVIEW)
    page = _admin_login(browser, base, factories.leader())
    console = _watch(page)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    page.click("input[name=approve]")
    page.wait_for_timeout(300)
    assert dialogs and "编号" in dialogs[0]
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW  # dismissed: nothing issued
    assert _violations(page, console) == []


def test_the_portal_pages_report_no_csp_violation(live_server, browser, fake_pdf):
    base = live_server.url
    unit = factories.RecipientFactory(name="策略测试单位")
    issue = factories.issue_in(Issue.Status.ISSUED, recipients=[(unit, "send")])
    reader = factories.reader(unit)
    anonymous = _page(browser)
    console = _watch(anonymous)
    for path in ["/", "/accounts/login/", "/accounts/password-reset/", "/admin/login/"]:
        response = anonymous.goto(base + path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert _violations(anonymous, console) == []

    portal = _portal_login(browser, base, reader)
    console = _watch(portal)
    portal.goto(f"{base}/")
    portal.goto(f"{base}/issues/{issue.pk}/")
    portal.wait_for_selector("#download-pdf")
    assert _violations(portal, console) == []
