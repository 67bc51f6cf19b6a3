"""Per issue, the office sees which units have viewed, downloaded and acknowledged it, and which have not."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Recipient
from articles.roles import person_name
from distribution import services
from distribution.models import Receipt
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipts(world):
    """Issue to_other went to unit B (through its group; its receipt was made on issue) and a receipt for unit A
    is added, as for a second addressee."""
    issue = world.issues["to_other"]
    Receipt.objects.create(issue=issue, recipient=world.unit_a)
    services.receipt_record(issue=issue, actor=world.users["reader_b"], event="view", units=[world.unit_b])
    services.receipt_record(issue=issue, actor=world.users["reader_b"], event="acknowledge", units=[world.unit_b])
    return issue


@pytest.mark.parametrize("user", ["editor", "leader"])
def test_staff_see_who_has_and_has_not_acknowledged_with_counts(client_as, world, receipts, user):
    url = reverse("admin:distribution_receipt_changelist")
    response = client_as(user).get(url, {"issue": receipts.pk})
    assert response.status_code == 200
    assert response.context["receipt_counts"] == {
        "units": 2, "viewed": 1, "downloaded": 0, "acknowledged": 1, "not_acknowledged": 1}
    assert {r.recipient.name for r in response.context["cl"].result_list} == {"甲单位", "乙单位"}
    assert 'id="receipt-summary"' in response.content.decode()

    pending = client_as(user).get(url, {"issue": receipts.pk, "acknowledged": "0"})
    assert [r.recipient.name for r in pending.context["cl"].result_list] == ["甲单位"]


def test_each_column_says_when_and_by_whom_with_names_not_logins(client_as, world, receipts):
    reader = world.users["reader_b"]
    reader.first_name, reader.last_name = "收文员", "乙"
    reader.save()
    Receipt.objects.filter(issue=receipts, recipient=world.unit_b).update(reminders=2, last_reminded_at=timezone.now())
    url = reverse("admin:distribution_receipt_changelist")
    html = client_as("editor").get(url, {"issue": receipts.pk}).content.decode()
    row = html[html.index("乙单位"):]
    row = row[:row.index("</tr>")]
    assert person_name(reader) in row
    assert reader.username not in row
    assert re.search(r'<span class="nowrap">\d+月\d+日 \d\d:\d\d</span>', row)
    assert "2 次<br>" in row
    # One issue chosen: its name is above the list, not repeated on every row.
    assert "column-issue_label" not in html
    assert "column-issue_label" in client_as("editor").get(url).content.decode()


def test_receipts_are_read_only(client_as, receipts):
    client = client_as("editor")
    receipt = Receipt.objects.filter(issue=receipts).first()
    assert client.get(reverse("admin:distribution_receipt_add")).status_code == 403
    delete = reverse("admin:distribution_receipt_delete", args=[receipt.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("user", ["anonymous", "reader_a"])
def test_recipients_do_not_see_the_receipt_admin(client_as, receipts, user):
    response = client_as(user).get(reverse("admin:distribution_receipt_changelist"), {"issue": receipts.pk})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def _unit_form_data(unit, **changes):
    return {"name": unit.name, "default_role": unit.default_role, "sort_order": unit.sort_order,
            "email": unit.email, "is_active": "on", **changes}


def test_editors_cannot_attach_accounts_to_a_unit(client_as, world):
    outsider = factories.UserFactory()
    client = client_as("editor")
    url = reverse("admin:articles_recipient_change", args=[world.unit_a.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert "members" not in form.context["adminform"].form.fields
    response = client.post(url, _unit_form_data(world.unit_a, sort_order=7, members=[outsider.pk]))
    assert response.status_code == 302
    world.unit_a.refresh_from_db()
    assert world.unit_a.sort_order == 7  # the rest of the unit is theirs to edit
    assert list(world.unit_a.members.all()) == [world.users["reader_a"]]


def test_editors_cannot_add_a_unit_with_accounts(client_as):
    outsider = factories.UserFactory()
    response = client_as("editor").post(reverse("admin:articles_recipient_add"), {
        "name": "新单位", "default_role": "send", "sort_order": 100, "email": "", "is_active": "on",
        "members": [outsider.pk]})
    assert response.status_code == 302
    assert not Recipient.objects.get(name="新单位").members.exists()


def test_a_superuser_attaches_accounts_to_a_unit(client, world):
    outsider = factories.UserFactory()
    client.force_login(factories.superuser())
    url = reverse("admin:articles_recipient_change", args=[world.unit_a.pk])
    assert "members" in client.get(url).context["adminform"].form.fields
    members = [world.users["reader_a"].pk, outsider.pk]
    assert client.post(url, _unit_form_data(world.unit_a, members=members)).status_code == 302
    assert set(world.unit_a.members.values_list("pk", flat=True)) == set(members)
