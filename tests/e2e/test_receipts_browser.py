"""签收情况 on a 1366 × 900 office screen: every column visible without scrolling sideways, beside the menu."""

from django.utils import timezone

from articles.models import Issue, Recipient
from distribution import services
from distribution.models import Receipt
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import _admin_login, assert_fits

pytestmark = MARKS

LONG_NAMES = ["省纪委监委驻省政府办公厅纪检监察组", "四川省地方志工作办公室年鉴编辑部", "成都市地方志工作办公室",
              "攀枝花市地方志编纂中心", "甘孜藏族自治州地方志办公室"]


def test_the_receipts_of_several_issues_fit_a_1366_screen(live_server, browser):
    units = [factories.RecipientFactory(name=name) for name in LONG_NAMES]
    issues = [factories.issue_to(Issue.Status.ISSUED, units=[(unit, "send") for unit in units]) for _ in range(2)]
    for index, unit in enumerate(units[:3]):
        reader = factories.reader(unit, first_name=f"收文员{index}", last_name="王")
        for event in ("view", "download", "acknowledge")[: index + 1]:
            services.receipt_record(issue=issues[0], actor=reader, event=event, units=[unit])
    Receipt.objects.filter(recipient__in=units[3:]).update(reminders=3, last_reminded_at=timezone.now())
    assert Recipient.objects.count() >= len(LONG_NAMES)

    page = _admin_login(browser, live_server.url, factories.editor())
    page.set_viewport_size({"width": 1366, "height": 900})
    for query, shot in (("", "all"), (f"?issue={issues[0].pk}", "one")):
        page.goto(f"{live_server.url}/admin/distribution/receipt/{query}")
        table = page.locator("#result_list")
        table.wait_for()
        page.screenshot(path=SHOTS / f"e2e-receipts-1366-{shot}.png", full_page=True)
        assert_fits(page)
        # The list's own box does not scroll sideways either: the last column (催签) is on screen.
        assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"), shot
        last = page.locator("#result_list thead th").last.bounding_box()
        assert last["x"] + last["width"] <= 1366, shot
        assert page.locator("#result_list tbody tr").count() == len(units) * (2 if shot == "all" else 1)
