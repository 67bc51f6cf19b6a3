"""A Word draft typed as an office types it, imported into the issue just made by 以此为样新建一期, and an
article whose title the import could not recognise split at that paragraph; in headless chromium."""

import re

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH

from articles.models import Distribution, Issue, Role
from tests import factories
from tests.articles.test_docx_import import hand_set_title, line, saved
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import _admin_login

pytestmark = MARKS
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def draft_with_a_missed_title():
    """Two articles with hand-set titles; the second article's own second item has its title typed as text."""
    document = docx.Document()
    hand_set_title(document, "省地方志办召开党组中心组", "（扩大）学习会")
    line(document, "1月12日，省地方志办党组召开中心组（扩大）学习会，传达学习中央和省委文件精神。")
    line(document, "一、切实加强学习", font="黑体")
    line(document, "要深刻领会全会精神，把学习贯彻引向深入。")
    line(document, "（综合处供稿）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    hand_set_title(document, "成都市召开2021年地方志工作会议", bold=True)
    line(document, "1月15日，成都市召开2021年地方志工作会议，总结工作，部署任务。")
    line(document, "德阳市开展方志进校园活动")  # typed like the text: the import cannot tell it is a title
    line(document, "近日，德阳市地方志办走进中小学校，开展方志文化宣传。")
    return saved(document)


def test_a_word_draft_goes_into_the_issue_just_copied_and_a_missed_title_is_split_off(live_server, browser):
    base = live_server.url
    editor = factories.editor(first_name="王", last_name="文")
    template = factories.draft_issue(author=editor, print_run=150, series=factories.SeriesFactory(name="工作信息"))
    Distribution.objects.create(issue=template, role=Role.SEND, recipient=factories.RecipientFactory(name="省委办公厅"))
    page = _admin_login(browser, base, editor)
    page.set_viewport_size({"width": 1366, "height": 900})

    # 以此为样新建一期, then 从 Word 导入到本期 on the new draft.
    page.goto(f"{base}/admin/articles/issue/{template.pk}/change/")
    page.click("#copy-issue")
    page.wait_for_url(re.compile(r"/admin/articles/issue/\d+/change/"))
    issue = Issue.objects.get(pk=int(re.search(r"/issue/(\d+)/change/", page.url).group(1)))
    assert issue.pk != template.pk
    page.click("#import-into-issue")
    page.wait_for_selector("#import-into")
    assert "报送对象、印数和日期保持不变" in page.locator("#import-into").inner_text()
    page.set_input_files("#id_document", files=[{"name": "工作信息第2期.docx", "mimeType": DOCX,
                                                  "buffer": draft_with_a_missed_title()}])
    page.screenshot(path=SHOTS / "e2e-word-import-form.png", full_page=True)
    page.click("#import-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "导入 2 篇文章" in page.locator(".messagelist").inner_text()
    issue.refresh_from_db()
    recipients = list(issue.distributions.values_list("recipient__name", flat=True))
    assert (issue.print_run, recipients) == (150, ["省委办公厅"])
    first, second = issue.articles.order_by("position")
    assert (first.title, first.source) == ("省地方志办召开党组中心组\n（扩大）学习会", "综合处供稿")
    page.screenshot(path=SHOTS / "e2e-word-import-issue.png", full_page=True)

    # The second article holds a title the import missed: split it there, on the article's own page.
    page.goto(f"{base}/admin/articles/article/{second.pk}/change/")
    page.wait_for_selector("#split-form")
    page.screenshot(path=SHOTS / "e2e-word-import-article.png", full_page=True)
    row = page.locator("#split-form li", has_text="德阳市开展方志进校园活动")
    row.locator("button.split-here").click()
    page.wait_for_selector(".messagelist .success")
    assert "已拆分" in page.locator(".messagelist").inner_text()
    assert list(issue.articles.order_by("position").values_list("title", flat=True)) == [
        "省地方志办召开党组中心组\n（扩大）学习会", "成都市召开2021年地方志工作会议", "德阳市开展方志进校园活动"]
    page.screenshot(path=SHOTS / "e2e-word-import-split.png", full_page=True)
    assert issue.articles.get(position=3).body == "<p>近日，德阳市地方志办走进中小学校，开展方志文化宣传。</p>"

    # 与上一篇合并 undoes it.
    page.click("#join-previous")
    page.wait_for_selector(".messagelist .success")
    assert issue.articles.count() == 2
