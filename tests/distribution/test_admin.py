"""Per issue, the office sees which units have viewed, downloaded and acknowledged it, and which have not."""

import pytest
from django.urls import reverse

from distribution import services
from distribution.models import Receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipts(world):
    """Issue to_other went to unit B (through its group) and unit A is added as a second addressee's receipt."""
    issue = world.issues["to_other"]
    services.issue_prepare_distribution(issue=issue)
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
