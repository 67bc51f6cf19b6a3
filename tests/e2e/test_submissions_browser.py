"""End to end in headless chromium: a unit submits a 稿件 on the portal, an editor returns it, the unit resubmits,
the editor adopts it into a draft issue; a unit uploads a .docx on a desktop and a phone; an editor merges two
units' items into one article."""

from articles.models import Column
from distribution.models import Submission
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import PHONE, _admin_login, _portal_login, assert_fits

pytestmark = MARKS
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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


WIDE = {"width": 1366, "height": 900}


def test_a_unit_uploads_a_word_document_on_a_desktop_and_on_a_phone(live_server, browser, settings, tmp_path):
    from tests.distribution.test_submissions_files import unit_docx

    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    unit = factories.RecipientFactory(name="成都市地方志工作办公室")
    reader = factories.reader(unit)
    for viewport, name in ((WIDE, "desktop"), (PHONE, "phone")):
        page = _portal_login(browser, base, reader, viewport)
        page.goto(f"{base}/submissions/new/")
        # A refused document first: the reason is shown and the typed fields stay.
        page.fill("#id_contact_name", "张三")
        page.fill("#id_contact_phone", "028-12345678")
        page.set_input_files("#id_document", files=[{"name": "坏.docx", "mimeType": DOCX, "buffer": b"not a zip"}])
        page.click("#submission-form button[type=submit]")
        page.wait_for_selector(".errorlist")
        assert "不是 Word .docx 文档" in page.inner_text("#submission-form")
        assert page.input_value("#id_contact_name") == "张三"
        page.screenshot(path=SHOTS / f"e2e-submission-docx-refused-{name}.png", full_page=True)
        assert_fits(page)

        page.set_input_files("#id_document", files=[{"name": "稿件.docx", "mimeType": DOCX, "buffer": unit_docx()}])
        page.screenshot(path=SHOTS / f"e2e-submission-docx-form-{name}.png", full_page=True)
        page.click("#submission-form button[type=submit]")
        page.wait_for_selector("text=稿件已报送。")
        assert "成都市召开年鉴编纂工作会" in page.inner_text("#submission h2")
        assert page.locator("#submission .document img").count() == 1
        assert_fits(page)
        page.screenshot(path=SHOTS / f"e2e-submission-docx-sent-{name}.png", full_page=True)
    assert Submission.objects.filter(title="成都市召开年鉴编纂工作会").count() == 2


def test_an_editor_merges_two_units_items_into_one_article_and_both_are_credited(live_server, browser):
    base = live_server.url
    chengdu, zigong = (factories.RecipientFactory(name="成都市地方志工作办公室"),
                       factories.RecipientFactory(name="自贡市地方志办公室"))
    editor = factories.editor()
    issue = factories.draft_issue(author=editor, articles=0)
    column = Column.objects.create(series=issue.series, name="市州动态")
    from distribution import services

    first = services.submission_create(actor=factories.reader(chengdu), unit=chengdu, title="成都市召开年鉴工作会",
                                       text="3月5日，成都市召开年鉴编纂工作会。", contact_name="张三",
                                       contact_phone="1")
    second = services.submission_create(actor=factories.reader(zigong), unit=zigong, title="自贡市开展方志进校园",
                                        text="3月8日，自贡市开展方志进校园活动。", contact_name="李四",
                                        contact_phone="2")

    admin = _admin_login(browser, base, editor)
    admin.set_viewport_size(WIDE)
    admin.goto(f"{base}/admin/")
    assert "2 篇" in admin.inner_text("#submissions-waiting")
    admin.screenshot(path=SHOTS / "e2e-submission-waiting.png")
    admin.click("#submissions-waiting a")
    for submission in (first, second):
        admin.check(f"input[name=_selected_action][value='{submission.pk}']")
    admin.select_option("select[name=action]", "merge")
    admin.click("button[name=index]")
    admin.select_option("#id_issue", str(issue.pk))
    admin.select_option("#id_column", str(column.pk))
    admin.fill("#id_title", "市州简讯")
    admin.screenshot(path=SHOTS / "e2e-submission-merge-form.png", full_page=True)
    admin.click("input[type=submit]")
    admin.wait_for_selector(".messagelist .success")
    article = issue.articles.get()
    assert (article.title, article.source) == ("市州简讯", "成都市地方志工作办公室、自贡市地方志办公室")
    assert "成都市召开年鉴编纂工作会" in article.body and "自贡市开展方志进校园活动" in article.body

    admin.goto(f"{base}/admin/distribution/submission/stats/?year={first.created_at.year}")
    table = admin.inner_text("#submission-stats")
    assert "成都市地方志工作办公室\t1\t1\t1\t0.50" in table and "自贡市地方志办公室\t1\t1\t1\t0.50" in table
    admin.screenshot(path=SHOTS / "e2e-submission-stats.png", full_page=True)
