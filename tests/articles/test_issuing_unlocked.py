"""Issuing renders outside the write transaction: nobody waits on it, and what is committed is what was rendered."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import Issue, Role, Series
from articles.printing import renderer
from distribution.models import Receipt
from tests.conftest import FAKE_PDF
from tests.factories import RecipientFactory, SeriesFactory, draft_issue, editor, issue_in, issue_to, leader, reader

PASSWORD = "pw-for-tests-123"


class SlowRenderer:
    """A render_issue that holds on until the test releases it, as a 30 s render of a long issue would."""

    def __init__(self, *, during=None):
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = []
        self.during = during  # run once, inside the first render, as if someone acted meanwhile

    def __call__(self, issue, *, preview, **kwargs):
        self.calls.append((issue.number, issue.total_number, issue.printed_series.name))
        self.started.set()
        if self.during is not None:
            during, self.during = self.during, None
            during()
        self.release.wait(timeout=60)
        return renderer.RenderedPdf(content=FAKE_PDF, pages=1)


def _in_thread(job):
    outcome = {}

    def run():
        try:
            outcome["value"] = job()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.django_db(transaction=True)
def test_while_an_issue_renders_other_users_log_in_read_and_acknowledge(monkeypatch):
    unit = RecipientFactory()
    account = reader(unit)
    earlier = issue_to(Issue.Status.ISSUED, units=[(unit, Role.SEND)])
    under_review = issue_in(Issue.Status.REVIEW)
    slow = SlowRenderer()
    monkeypatch.setattr(renderer, "render_issue", slow)

    thread, outcome = _in_thread(lambda: services.issue_approve(issue=under_review, actor=leader()))
    try:
        assert slow.started.wait(timeout=30)
        # All of this writes (session, last login, receipts): with the write lock held by the issuing
        # transaction, SQLite would make each wait its busy timeout and fail.
        client = Client()
        login = client.post(reverse("distribution:login"), {"username": account.username, "password": PASSWORD})
        assert login.status_code == 302
        assert client.get(reverse("distribution:issue", args=[earlier.pk])).status_code == 200
        assert client.post(reverse("distribution:issue_acknowledge", args=[earlier.pk])).status_code == 302
        assert thread.is_alive(), "the render finished before the other requests: the test proves nothing"
    finally:
        slow.release.set()
        thread.join(timeout=60)
    assert "error" not in outcome, outcome
    assert Receipt.objects.get(issue=earlier, recipient=unit).acknowledged_at is not None
    assert Issue.objects.get(pk=under_review.pk).status == Issue.Status.ISSUED


@pytest.mark.django_db(transaction=True)
def test_an_issue_that_took_the_number_during_the_render_makes_it_render_again_with_the_next(monkeypatch):
    series = SeriesFactory()
    slow_one, quick_one = issue_in(Issue.Status.REVIEW, series=series), issue_in(Issue.Status.REVIEW, series=series)
    stored = []

    def issue_the_other():
        monkeypatch.setattr(renderer, "render_issue", lambda issue, **kwargs: renderer.RenderedPdf(FAKE_PDF, 1))
        stored.append(services.issue_approve(issue=quick_one, actor=leader()).number)
        monkeypatch.setattr(renderer, "render_issue", slow)

    slow = SlowRenderer(during=issue_the_other)
    slow.release.set()
    monkeypatch.setattr(renderer, "render_issue", slow)

    issued = services.issue_approve(issue=slow_one, actor=leader())

    assert stored == [1]
    assert [call[:2] for call in slow.calls] == [(1, 1), (2, 2)]
    assert (issued.number, issued.total_number) == (2, 2)
    # The file rendered for number 1 was thrown away; only the two issued PDFs are kept.
    assert services.stray_pdf_files() == []


@pytest.mark.django_db(transaction=True)
def test_a_series_renamed_during_the_render_is_issued_with_the_new_name(monkeypatch):
    series = SeriesFactory(name="旧刊名")
    issue = issue_in(Issue.Status.REVIEW, series=series)
    slow = SlowRenderer(during=lambda: Series.objects.filter(pk=series.pk).update(name="新刊名"))
    slow.release.set()
    monkeypatch.setattr(renderer, "render_issue", slow)

    issued = services.issue_approve(issue=issue, actor=leader())

    assert [call[2] for call in slow.calls] == ["旧刊名", "新刊名"]
    assert issued.series_as_issued["name"] == "新刊名"


@pytest.mark.django_db(transaction=True)
def test_an_issue_returned_during_the_render_is_not_issued_and_keeps_no_file(monkeypatch):
    issue = issue_in(Issue.Status.REVIEW)
    slow = SlowRenderer(during=lambda: services.issue_return(issue=issue, actor=leader(), comment="再改改"))
    slow.release.set()
    monkeypatch.setattr(renderer, "render_issue", slow)

    with pytest.raises(services.WorkflowError) as refused:
        services.issue_approve(issue=issue, actor=leader())

    assert refused.value.code == "stale"  # the return was a decision at this step, taken meanwhile
    issue.refresh_from_db()
    assert (issue.status, issue.number, issue.pdf_file.name) == (Issue.Status.DRAFT, None, "")
    assert services.stray_pdf_files() == []


@pytest.mark.django_db
def test_renaming_a_series_does_not_change_what_an_issued_issue_shows(fake_pdf, client):
    series = SeriesFactory(name="地方志工作信息", compiling_office="四川省地方志工作办公室")
    issued = issue_in(Issue.Status.ISSUED, series=series)
    draft = draft_issue(author=editor(), series=series)
    Series.objects.filter(pk=series.pk).update(
        name="方志四川", compiling_office="另一个办公室", top_left_mark="内部资料"
    )

    issued = Issue.objects.get(pk=issued.pk)
    page = client.get(reverse("distribution:issue", args=[issued.pk])).content.decode()
    assert "地方志工作信息" in page and "四川省地方志工作办公室" in page
    assert "方志四川" not in page and "另一个办公室" not in page and "内部资料" not in page
    assert issued.pdf_filename.startswith("地方志工作信息")
    assert str(issued).startswith("地方志工作信息")
    archive = client.get(reverse("distribution:home")).content.decode()
    assert "地方志工作信息 2025年第1期" in archive
    # An issue not yet issued prints the series as it is now.
    assert Issue.objects.get(pk=draft.pk).printed_series.name == "方志四川"
