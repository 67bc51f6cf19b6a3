"""核稿 in headless chromium: a leader corrects one sentence in place and returns the issue with a comment on
the article; the drafter sees the tracked change and the comment, resubmits; the leader issues it."""

import re

from articles.models import ArticleComment, Issue, IssueLog
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import (
    _add_article,
    _admin_login,
    _pick_recipient,
)

pytestmark = MARKS


def _select_text(page, selector, text):
    """Select `text` inside the element as a reader would with the mouse, then release the button."""
    page.evaluate(
        """([selector, text]) => {
            const root = document.querySelector(selector);
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(text);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + text.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
                return;
            }
            throw new Error("text not found: " + text);
        }""",
        [selector, text],
    )


def test_a_leader_corrects_and_returns_and_the_drafter_sees_the_tracked_change(live_server, browser):
    base = live_server.url
    series = factories.SeriesFactory(name="核稿工作信息")
    unit = factories.RecipientFactory(name="核稿收文单位")
    editor, leader = factories.editor(first_name="拟稿人"), factories.leader(first_name="核稿人")

    # The editor drafts an issue and submits it.
    page = _admin_login(browser, base, editor)
    page.goto(f"{base}/admin/articles/issue/add/")
    page.select_option("#id_series", str(series.pk))
    page.fill("#id_issue_date", "2025-04-01")
    page.fill("#id_print_date", "2025-04-01")
    page.fill("#id_print_run", "8")
    _add_article(page, 0, "全省地方志工作会议召开", "会议总结了二〇二四年的工作。会议部署了今年的任务")
    _add_article(page, 1, "第二篇文章", "第二篇的正文。")
    _pick_recipient(page, unit)
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/admin/articles/issue/\d+/change/"))
    issue = Issue.objects.get(pk=int(re.search(r"/issue/(\d+)/change/", page.url).group(1)))
    first = issue.articles.get(position=1)
    page.click("#submit-for-review")
    page.wait_for_selector("#submit-for-review", state="detached")

    # The leader reads it formatted (no HTML source), corrects one sentence of the first article in place…
    boss = _admin_login(browser, base, leader)
    boss.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    boss.click("#review-link")
    boss.wait_for_selector("#document")
    document = boss.locator("#document")
    assert "会议总结了二〇二四年的工作。" in document.inner_text()
    assert "<p>" not in document.inner_text()
    boss.click(f"#a{first.pk} .rev-edit")
    editable = boss.locator(f"#correct-{first.pk} .ck-editor__editable")
    editable.wait_for()
    editable.click()
    boss.keyboard.press("Control+End")
    boss.keyboard.type("，并表彰了先进。")
    boss.click(f"#correct-{first.pk} input[type=submit]")
    boss.wait_for_selector(".messagelist .success")
    first.refresh_from_db()
    assert "会议部署了今年的任务，并表彰了先进。" in first.body

    # …quotes a passage in a comment on that article…
    _select_text(boss, f"#a{first.pk} .body", "二〇二四年的工作")
    assert boss.locator(f"#a{first.pk} .rev-quote-preview").is_visible()
    boss.fill(f"#comment-{first.pk}-text", "请核实年份写法。")
    boss.click(f"#a{first.pk} .rev-comment-form button[type=submit]")
    boss.wait_for_selector(f"#a{first.pk} .rev-comment")
    comment = ArticleComment.objects.get(article=first)
    assert (comment.author, comment.quote, comment.text) == (leader, "二〇二四年的工作", "请核实年份写法。")
    # The correction is marked on the desk in this review round.
    assert "，并表彰了先进" in boss.locator(f"#a{first.pk} ins.rev-ins").first.inner_text()
    boss.evaluate("window.scrollTo(0, 0)")  # the menu is sticky: scrolled, a full-page shot draws it mid-page
    boss.screenshot(path=SHOTS / "e2e-review-desk-leader.png", full_page=True)

    # …and returns the issue with a comment.
    boss.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    boss.fill("#return-comment", "第一篇有一处修改，请确认。")
    boss.click("input[name=return]")
    boss.wait_for_selector("input[name=return]", state="detached")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT

    # The drafter sees the reason, the tracked change and the comment beside that article.
    page.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    assert "第一篇有一处修改，请确认。" in page.locator("#workflow").inner_text()
    page.click("#returned-changes")
    page.wait_for_selector("#document")
    inserted = page.locator(f"#a{first.pk} ins.rev-ins")
    assert inserted.count() == 1 and inserted.inner_text() == "，并表彰了先进。"
    assert page.locator("#document ins.rev-ins").count() == 1  # nothing else is marked
    side = page.locator(f"#a{first.pk} .rev-comment")
    assert "请核实年份写法。" in side.inner_text() and "二〇二四年的工作" in side.locator(".rev-quote").inner_text()
    page.screenshot(path=SHOTS / "e2e-review-desk-drafter.png", full_page=True)
    # The clean-text toggle hides the marks.
    page.check("#rev-clean-toggle")
    assert page.locator(f"#a{first.pk} ins.rev-ins").evaluate("e => getComputedStyle(e).textDecorationLine") == "none"

    # The drafter resolves the comment and resubmits; the leader issues.
    side.locator(".rev-resolve").click()
    page.wait_for_selector(f"#comment-{comment.pk}.resolved")
    page.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    page.click("#submit-for-review")
    page.wait_for_selector("#submit-for-review", state="detached")
    boss.on("dialog", lambda dialog: dialog.accept())
    boss.goto(f"{base}/admin/articles/issue/{issue.pk}/change/")
    boss.click("input[name=approve]")
    boss.wait_for_selector("input[name=approve]", state="detached", timeout=60_000)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED
    actions = list(issue.log.order_by("at", "pk").values_list("action", flat=True))
    assert actions.count(IssueLog.Action.SUBMIT) == 2 and IssueLog.Action.RETURN in actions
    assert issue.revisions.filter(revision__user=leader).exists()
