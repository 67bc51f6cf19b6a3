"""End to end in headless chromium: a unit submits a 稿件 on the portal, an editor returns it, the unit resubmits,
the editor adopts it into a draft issue."""

from articles.models import Column
from distribution.models import Submission
from tests import factories
from tests.e2e.browser import MARKS
from tests.e2e.test_workflow_browser import _admin_login, _portal_login

pytestmark = MARKS


def test_a_unit_submits_resubmits_and_sees_its_item_adopted(live_server, browser):
    base = live_server.url
    unit = factories.RecipientFactory(name="成都市地方志工作办公室")
    reader, editor = factories.reader(unit), factories.editor()
    issue = factories.draft_issue(author=editor, articles=0)
    column = Column.objects.create(series=issue.series, name="市州动态")

    # The unit's account submits a 稿件 from the portal.
    page = _portal_login(browser, base, reader)
    page.click("text=我的报送")
    page.click("text=报送稿件")
    page.fill("#id_title", "成都市召开年鉴编纂工作会")
    page.fill("#id_text", "3月5日，成都市召开年鉴编纂工作会。\n会议部署了全年工作。")
    page.select_option("#id_column", str(column.pk))
    page.fill("#id_contact_name", "张三")
    page.fill("#id_contact_phone", "028-12345678")
    page.click("#submission-form button[type=submit]")
    page.wait_for_selector("text=稿件已报送。")
    assert "已报送" in page.inner_text("#submission")
    submission = Submission.objects.get()

    # The editor returns it with what to change.
    admin = _admin_login(browser, base, editor)
    admin.goto(f"{base}/admin/distribution/submission/")
    admin.check(f"input[name=_selected_action][value='{submission.pk}']")
    admin.select_option("select[name=action]", "return_for_changes")
    admin.click("button[name=index]")
    admin.fill("#id_reason", "请补充会议地点")
    admin.click("input[type=submit]")
    admin.wait_for_selector(".messagelist")

    # The unit sees the reason and resubmits.
    page.goto(f"{base}/submissions/")
    assert "请补充会议地点" in page.inner_text("#submissions")
    page.click("text=成都市召开年鉴编纂工作会")
    page.click("text=修改后重新报送")
    page.fill("#id_text", "3月5日，成都市在市档案馆召开年鉴编纂工作会。")
    page.click("#submission-form button[type=submit]")
    page.wait_for_selector("text=稿件已重新报送。")

    # The editor adopts it into the draft issue, in 市州动态.
    admin.goto(f"{base}/admin/distribution/submission/")
    admin.check(f"input[name=_selected_action][value='{submission.pk}']")
    admin.select_option("select[name=action]", "adopt")
    admin.click("button[name=index]")
    admin.select_option("#id_issue", str(issue.pk))
    admin.select_option("#id_column", str(column.pk))
    admin.click("input[type=submit]")
    admin.wait_for_selector(".messagelist .success")
    article = issue.articles.get()
    assert article.source == "成都市地方志工作办公室" and "市档案馆" in article.body

    page.goto(f"{base}/submissions/")
    assert "已采用" in page.inner_text("#submissions")

    # Another unit's account finds nothing at its address.
    other = factories.reader(factories.RecipientFactory(name="自贡市地方志办公室"))
    stranger = _portal_login(browser, base, other)
    response = stranger.goto(f"{base}/submissions/{submission.pk}/")
    assert response.status == 404
