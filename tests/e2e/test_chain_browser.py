"""A two-step chain in headless chromium: the editor submits, 综合处处长 approves 核稿, 领导 issues (签发)."""

import re

from articles.models import Issue
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import _add_article, _admin_login

pytestmark = MARKS


def test_an_issue_passes_核稿_then_签发(live_server, browser):
    base = live_server.url
    series = factories.two_step_series()
    editor = factories.editor(first_name="拟稿人")
    chief, leader = factories.chief(first_name="处长"), factories.leader(first_name="主任")

    page = _admin_login(browser, base, editor)
    page.goto(f"{base}/admin/articles/issue/add/")
    page.select_option("#id_series", str(series.pk))
    page.fill("#id_issue_date", "2025-05-01")
    page.fill("#id_print_date", "2025-05-01")
    _add_article(page, 0, "两级审核的第一篇", "正文。")
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/admin/articles/issue/\d+/change/"))
    issue_pk = int(re.search(r"/issue/(\d+)/change/", page.url).group(1))
    page.click("#submit-for-review")
    page.wait_for_selector("#current-step")
    assert "核稿" in page.locator("#current-step").inner_text()
    assert page.locator("input[name=withdraw]").count() == 1  # nobody has acted yet

    # 综合处处长 finds it waiting on the admin's index, with its title, who submitted it and for how long.
    desk = _admin_login(browser, base, chief)
    row = desk.locator("#waiting-for-me tr", has_text="两级审核的第一篇")
    assert "拟稿人" in row.inner_text()
    desk.screenshot(path=SHOTS / "e2e-chain-index-chief.png", full_page=True)
    row.locator("a").first.click()
    desk.click("input[name=approve]")  # 核稿：通过 (no confirmation: it does not issue)
    desk.wait_for_selector(".messagelist .success")
    issue = Issue.objects.get(pk=issue_pk)
    assert (issue.status, issue.step, issue.step_group.name) == (Issue.Status.REVIEW, 1, "领导")
    assert desk.locator("input[name=approve]").count() == 0  # 签发 is not theirs

    # The submitter can no longer withdraw it.
    page.reload()
    assert page.locator("input[name=withdraw]").count() == 0

    # 领导 issues it, accepting the confirmation.
    boss = _admin_login(browser, base, leader)
    assert "两级审核的第一篇" in boss.locator("#waiting-for-me").inner_text()
    boss.on("dialog", lambda dialog: dialog.accept())
    boss.goto(f"{base}/admin/articles/issue/{issue_pk}/change/")
    boss.screenshot(path=SHOTS / "e2e-chain-leader.png", full_page=True)
    boss.click("input[name=approve]")
    boss.wait_for_selector("input[name=approve]", state="detached", timeout=60_000)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED and issue.issued_by == leader
    assert list(issue.log.values_list("action", "step", "actor__first_name")) == [
        ("issue.create", "", "拟稿人"), ("issue.submit", "", "拟稿人"),
        ("issue.approve", "核稿", "处长"), ("issue.issue", "签发", "主任"),
    ]
