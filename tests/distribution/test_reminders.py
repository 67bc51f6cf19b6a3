"""催签 (reminders to units that have not acknowledged) and the export of an issue's 签收情况."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Issue, Recipient, Role
from distribution import services
from distribution.models import Receipt
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(fake_pdf):
    """An issue issued four days ago to three units: one acknowledged, one without email, one silent."""
    done = factories.RecipientFactory(name="已签收单位", email="done@example.org")
    silent = factories.RecipientFactory(name="未签收单位", email="silent@example.org")
    mute = factories.RecipientFactory(name="无邮箱单位")
    issue = factories.issue_to(Issue.Status.ISSUED, units=[(u, Role.SEND) for u in (done, silent, mute)])
    reader = factories.reader(done)
    services.receipt_record(issue=issue, actor=reader, event="acknowledge", units=[done])
    return issue, (done, silent, mute)


def test_the_command_reminds_only_units_that_have_not_acknowledged_after_the_series_days(issued, mailoutbox,
                                                                                        monkeypatch):
    issue, (done, silent, mute) = issued
    call_command("remind_receipts", verbosity=0)
    assert mailoutbox == []  # issued today: not due yet (3 days by default)

    later = timezone.now() + datetime.timedelta(days=4)
    monkeypatch.setattr(timezone, "now", lambda: later)
    call_command("remind_receipts", verbosity=0)

    assert [m.to for m in mailoutbox] == [["silent@example.org"]]
    assert "催" in mailoutbox[0].subject or "签收" in mailoutbox[0].subject
    receipts = {r.recipient.name: r for r in Receipt.objects.filter(issue=issue).select_related("recipient")}
    counts = [receipts[name].reminders for name in ("未签收单位", "已签收单位", "无邮箱单位")]
    assert counts == [1, 0, 0]
    assert receipts["未签收单位"].last_reminded_at == later

    call_command("remind_receipts", verbosity=0)  # reminded today: not again until the days have passed
    assert len(mailoutbox) == 1


def test_editors_remind_selected_units_from_the_receipts_page(client, issued, mailoutbox):
    issue, (done, silent, mute) = issued
    client.force_login(factories.editor())
    pks = list(Receipt.objects.filter(issue=issue).values_list("pk", flat=True))

    response = client.post(reverse("admin:distribution_receipt_changelist") + f"?issue={issue.pk}",
                           {"action": "remind", "_selected_action": pks}, follow=True)

    page = response.content.decode()
    # Only the unit with an address is counted as reminded; the one without is named, not counted.
    assert "已为 1 个未签收单位排队发送催签提醒" in page
    assert "以下单位没有邮箱，未能催签：无邮箱单位" in page
    assert [m.to for m in mailoutbox] == [["silent@example.org"]]
    assert Receipt.objects.get(issue=issue, recipient=silent).reminders == 1


def test_leaders_cannot_remind(client, issued, mailoutbox):
    issue, _units = issued
    client.force_login(factories.leader())
    pks = list(Receipt.objects.filter(issue=issue).values_list("pk", flat=True))
    client.post(reverse("admin:distribution_receipt_changelist"), {"action": "remind", "_selected_action": pks})
    assert mailoutbox == []


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_receipts_export_reads_back_with_one_row_per_unit(client, issued, kind):
    issue, (done, silent, mute) = issued
    client.force_login(factories.leader())

    response = client.get(reverse("admin:distribution_receipt_export", args=[issue.pk, kind]))

    from urllib.parse import unquote

    assert response.status_code == 200 and unquote(response["Content-Disposition"]).endswith(f"签收情况.{kind}")
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        # A title row naming the issue, the header frozen under it, columns wide enough for the names.
        assert sheet["A1"].value.startswith(f"{issue} 签收情况") and sheet.freeze_panes == "B3"
        assert sheet.column_dimensions["A"].width >= 10
        rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows[0][0] == "单位" and rows[0][5] == "签收时间"
    by_unit = {row[0]: row for row in rows[1:]}
    assert set(by_unit) == {"已签收单位", "未签收单位", "无邮箱单位"}
    assert by_unit["已签收单位"][5] and not by_unit["未签收单位"][5]


def test_the_export_is_for_staff_only(client, issued):
    issue, (done, *_rest) = issued
    client.force_login(factories.reader(done))
    response = client.get(reverse("admin:distribution_receipt_export", args=[issue.pk, "csv"]))
    assert response.status_code == 302  # the admin's login page


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_unit_name_that_looks_like_a_formula_stays_text(client, issued, kind):
    issue, (done, _silent, _mute) = issued
    Recipient.objects.filter(pk=done.pk).update(name='=HYPERLINK("http://example.org","点此")')
    client.force_login(factories.leader())

    response = client.get(reverse("admin:distribution_receipt_export", args=[issue.pk, kind]))

    if kind == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        names = [row[0] for row in rows[1:]]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        names = [row[0].value for row in sheet.iter_rows(min_row=3)]
        assert all(row[0].data_type == "s" for row in sheet.iter_rows(min_row=1))  # text, not a formula
    assert "'=HYPERLINK(\"http://example.org\",\"点此\")" in names
