"""One office week in chromium, on a 1366 × 900 office screen and on a 390 × 844 phone (issue 22).

核稿 and 签发 on the review desk with their 审批意见; a return the drafter reads on 待我处理 with who, when and
why; the unit reads the issue with its 栏目, 供稿单位 and 总第M期, and its list says 待签收, then 已签收.
Names, never login names, wherever a person is shown.
"""

import re

from articles import services
from articles.models import Article, Column, Issue, IssueLog
from articles.roles import person_name
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import SIZES, _admin_login, _portal_login, assert_fits

pytestmark = MARKS



@SIZES
def test_核稿_and_签发_are_done_on_the_desk_with_their_opinions(live_server, browser, viewport):
    series = factories.two_step_series()
    author = factories.editor(first_name="起草人")
    issue = factories.issue_in(Issue.Status.REVIEW, author=author, series=series)
    chief = factories.chief(first_name="处长", last_name="李")
    leader = factories.leader(first_name="领导", last_name="王")
    desk = f"/admin/articles/issue/{issue.pk}/review/"
    size = viewport["width"]

    page = _admin_login(browser, live_server.url, chief, viewport)
    page.goto(f"{live_server.url}{desk}")
    opinion = page.locator("#desk-decide textarea[name=comment]").first
    assert opinion.input_value() == "同意"  # the default opinion, editable
    opinion.fill("同意，请领导签发。")
    assert_fits(page)
    page.screenshot(path=SHOTS / f"e2e-week-desk-chief-{size}.png", full_page=True)
    page.click("#desk-decide .approve-form input[type=submit]")
    page.wait_for_url(re.compile(r".*/review/.*|.*/admin/.*"))

    # The leader's desk: the chief's opinion with the chief's name, and the 签发 button with its own box.
    page = _admin_login(browser, live_server.url, leader, viewport)
    page.goto(f"{live_server.url}{desk}")
    decisions = page.locator("#desk-decisions")
    assert "同意，请领导签发。" in decisions.inner_text()
    assert person_name(chief) in decisions.inner_text() and chief.username not in decisions.inner_text()
    page.locator("#desk-decide textarea[name=comment]").first.fill("同意印发。")
    page.once("dialog", lambda dialog: dialog.accept())  # 签发 asks for confirmation
    page.click("#desk-decide .approve-form input[type=submit]")
    page.wait_for_load_state()
    page.screenshot(path=SHOTS / f"e2e-week-desk-leader-{size}.png", full_page=True)

    issue.refresh_from_db()
    assert issue.status == Issue.Status.ISSUED
    decided = IssueLog.objects.filter(issue=issue, action__in=[IssueLog.Action.APPROVE, IssueLog.Action.ISSUE])
    opinions = list(decided.order_by("at").values_list("actor__first_name", "comment"))
    assert opinions == [("处长", "同意，请领导签发。"), ("领导", "同意印发。")]


@SIZES
def test_a_returned_issue_tells_the_drafter_who_when_and_why_on_待我处理(live_server, browser, viewport):
    series = factories.two_step_series()
    author = factories.editor(first_name="起草人")
    issue = factories.issue_in(Issue.Status.REVIEW, author=author, series=series)
    Article.objects.filter(issue=issue).update(title="全省年鉴编纂质量评审会召开")
    chief = factories.chief(first_name="处长", last_name="李")
    size = viewport["width"]

    page = _admin_login(browser, live_server.url, chief, viewport)
    page.goto(f"{live_server.url}/admin/articles/issue/{issue.pk}/review/")
    page.fill("#desk-decide #return-comment", "第二段数字请核实。")
    page.click("#desk-decide input[name=return]")
    page.wait_for_load_state()

    page = _admin_login(browser, live_server.url, author, viewport)
    page.goto(f"{live_server.url}/admin/")
    waiting = page.locator("#waiting-for-me")
    waiting.wait_for()
    text = waiting.inner_text()
    page.screenshot(path=SHOTS / f"e2e-week-waiting-{size}.png", full_page=True)
    assert_fits(page)
    assert "全省年鉴编纂质量评审会召开" in text  # the articles' titles tell issues apart
    assert person_name(chief) in text and chief.username not in text
    assert "第二段数字请核实。" in text
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)


@SIZES
def test_a_unit_reads_columns_sources_and_the_running_number_and_acknowledges(live_server, browser, viewport):
    unit = factories.RecipientFactory(name="自贡市地方志办公室")
    reader = factories.reader(unit, first_name="收文员", last_name="张")
    issue = factories.draft_issue(articles=0)
    column = Column.objects.create(series=issue.series, name="市州动态", position=1)
    Article.objects.create(issue=issue, position=1, title="自贡市召开地方志工作会议", column=column,
                           source="自贡市地方志办公室", body="<p>会议总结了2026年工作。</p>")
    Article.objects.create(issue=issue, position=2, title="成都市启动二轮志书评审", column=column,
                           source="（成都市地方志工作办公室）", body="<p>评审工作全面启动。</p>")
    issue.distributions.create(recipient=unit, role="send")
    issue = services.issue_approve(issue=services.issue_submit(issue=issue, actor=issue.created_by),
                                   actor=factories.leader())
    size = viewport["width"]

    page = _portal_login(browser, live_server.url, reader, viewport)
    page.goto(f"{live_server.url}/")
    item = page.locator("#unit-issues li").filter(has_text=issue.label)
    assert item.locator(".ack-pending").inner_text() == "待签收"
    page.goto(f"{live_server.url}{issue.get_absolute_url()}")
    document = page.locator(".bulletin")
    document.wait_for()
    # The column heading once, before its first item; each item's source flush right, in brackets.
    assert page.locator(".bulletin .column-heading").all_inner_texts() == ["【市州动态】"]
    sources = page.locator(".bulletin .source")
    assert sources.all_inner_texts() == ["（自贡市地方志办公室）", "（成都市地方志工作办公室）"]
    assert sources.first.evaluate("p => getComputedStyle(p).textAlign") in ("right", "end")
    assert f"总第{issue.total_number}期" in document.inner_text()
    assert_fits(page)
    page.screenshot(path=SHOTS / f"e2e-week-unit-issue-{size}.png", full_page=True)

    page.click("#receipt button[name=acknowledge]")
    page.wait_for_load_state()
    assert person_name(reader) in page.locator("#receipt").inner_text()
    page.goto(f"{live_server.url}/")
    item = page.locator("#unit-issues li").filter(has_text=issue.label)
    assert item.locator(".ack-done").inner_text() == "已签收"
    page.screenshot(path=SHOTS / f"e2e-week-unit-list-{size}.png", full_page=True)


@SIZES
def test_修改本篇_opens_the_editor_in_place_at_the_article_and_comes_back_there(live_server, browser, viewport):
    series = factories.two_step_series()
    issue = factories.draft_issue(series=series, articles=0)
    for position in (1, 2, 3):
        Article.objects.create(issue=issue, position=position, title=f"第{position}篇",
                               body="<p>会议研究了年鉴编纂工作。</p>" * 12)
    issue = services.issue_submit(issue=issue, actor=issue.created_by)
    third = issue.articles.get(position=3)
    page = _admin_login(browser, live_server.url, factories.chief(), viewport)
    page.goto(f"{live_server.url}/admin/articles/issue/{issue.pk}/review/")

    page.click(f"#a{third.pk} .rev-edit")
    editable = page.locator(f"#a{third.pk} #correct-{third.pk} .ck-editor__editable")  # inside the article
    editable.wait_for()
    height = viewport["height"]
    top = page.locator(f"#a{third.pk}").bounding_box()["y"]
    assert -5 <= top < height, top  # the page opened at the article, not at the top of the issue
    page.screenshot(path=SHOTS / f"e2e-week-correct-in-place-{viewport['width']}.png")
    assert_fits(page)
    editable.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("并提出了明年的任务。")
    page.click(f"#correct-{third.pk} input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert page.locator(f"#a{third.pk}").bounding_box()["y"] < height  # back at the article it corrected
    third.refresh_from_db()
    assert third.body.endswith("并提出了明年的任务。</p>")


@SIZES
def test_office_staff_see_words_not_machinery(live_server, browser, viewport):
    """The checksum behind 详情, no search-index rows in a delete confirmation, the PDF-check nag for superusers."""
    editor = factories.editor()
    issued = factories.issue_in(Issue.Status.ISSUED, author=editor)
    draft = factories.draft_issue(author=editor)
    page = _admin_login(browser, live_server.url, editor, viewport)

    page.goto(f"{live_server.url}/admin/articles/issue/{issued.pk}/change/")
    checksum = page.locator(".pdf-details code")
    assert checksum.text_content() == issued.pdf_sha256 and not checksum.is_visible()
    page.click(".pdf-details summary")  # 详情
    assert checksum.is_visible()

    page.goto(f"{live_server.url}/admin/articles/issue/{draft.pk}/delete/")
    text = page.locator("#content").inner_text()
    assert "确定要删除简报「" in text and "检索索引" not in text and "search" not in text.lower()
    assert_fits(page)

    page.goto(f"{live_server.url}/admin/")
    assert page.locator("#last-pdf-check").count() == 0  # the nightly check is the administrator's business
    boss = _admin_login(browser, live_server.url, factories.superuser(), viewport)
    boss.goto(f"{live_server.url}/admin/")
    assert "deploy/bulletin-verify-pdfs.timer" in boss.locator("#last-pdf-check").inner_text()


@SIZES
def test_催签_names_the_units_without_an_email_and_counts_only_those_reminded(live_server, browser, viewport):
    with_mail = factories.RecipientFactory(name="成都市地方志工作办公室", email="cd@example.invalid")
    without = factories.RecipientFactory(name="自贡市地方志办公室", email="")
    issue = factories.issue_to(Issue.Status.ISSUED, units=[(with_mail, "send"), (without, "send")])
    page = _admin_login(browser, live_server.url, factories.editor(), viewport)
    page.goto(f"{live_server.url}/admin/distribution/receipt/?issue={issue.pk}")

    page.check("#action-toggle")
    page.select_option("select[name=action]", "remind")
    page.click("button[name=index], input[name=index]")
    messages = page.locator(".messagelist").inner_text()

    assert "已为 1 个未签收单位" in messages
    assert "自贡市地方志办公室" in messages and "成都市地方志工作办公室" not in messages
    assert_fits(page)
    page.screenshot(path=SHOTS / f"e2e-week-remind-{viewport['width']}.png", full_page=True)
