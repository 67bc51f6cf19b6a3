"""The OFD in the workflow: written after issuing from the stored PDF, served like the PDF, in the year export."""

import hashlib
import io
import json
import logging
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from articles import services
from articles.archive.year_export import year_export
from articles.models import Issue, IssueOfd, Role
from articles.printing import integrity
from articles.printing import ofd as ofd_module
from tests import factories

pytestmark = pytest.mark.django_db
Status = Issue.Status


@pytest.fixture
def issued(django_capture_on_commit_callbacks):
    """An issue issued to 丙单位 with its OFD written after the commit, and a reader of that unit."""
    unit = factories.RecipientFactory(name="丙单位")
    with django_capture_on_commit_callbacks(execute=True):
        issue = factories.issue_to(Status.ISSUED, units=[(unit, Role.SEND)], disclosure=Issue.Disclosure.ON_REQUEST)
    integrity._digests.clear()
    yield issue, factories.reader(unit)
    integrity._digests.clear()


def _stored(field_file):
    with field_file.open("rb") as fh:
        return fh.read()


def test_issuing_writes_the_ofd_after_the_commit_with_its_checksum(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        issue = factories.issue_in(Status.ISSUED)
    assert not IssueOfd.objects.exists()  # nothing inside the issuing transaction
    for callback in callbacks:
        callback()
    ofd = IssueOfd.objects.get(issue=issue)
    content = _stored(ofd.ofd_file)
    assert ofd.ofd_sha256 == hashlib.sha256(content).hexdigest() and ofd.ofd_size == len(content)
    assert ofd.error == "" and ofd.ofd_file.name.endswith("/001.ofd")
    assert content == ofd_module.issue_ofd(issue)  # built from the stored PDF, nothing else
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        assert b'DocType="OFD"' in package.read("OFD.xml")


def test_an_ofd_that_cannot_be_written_never_unissues_and_tells_staff_why(
        django_capture_on_commit_callbacks, monkeypatch, caplog, client):
    def broken(issue):
        raise ofd_module.OfdError("the PDF cannot be read: broken for the test")

    monkeypatch.setattr(ofd_module, "issue_ofd", broken)
    boss = factories.superuser()
    with caplog.at_level(logging.ERROR, logger="articles.services"), \
            django_capture_on_commit_callbacks(execute=True):
        issue = factories.issue_in(Status.ISSUED)
    issue.refresh_from_db()
    assert issue.status == Status.ISSUED and issue.pdf_sha256
    ofd = IssueOfd.objects.get(issue=issue)
    assert (ofd.ofd_file.name, ofd.ofd_sha256, ofd.error) == ("", "", "the PDF cannot be read: broken for the test")
    assert any("could not be written" in record.getMessage() for record in caplog.records)
    client.force_login(boss)
    page = client.get(reverse("admin:articles_issue_change", args=[issue.pk])).content.decode()
    # In words the office acts on: the admin action that writes it, not a command line.
    assert "broken for the test" in page and "补写所选已签发简报的 OFD" in page and "manage.py" not in page


def test_staff_write_a_missing_ofd_with_the_admin_action_and_the_reason_if_it_fails_again(
        django_capture_on_commit_callbacks, monkeypatch, client):
    issue = factories.issue_in(Status.ISSUED)  # no commit in a test: the OFD was not written
    changelist = reverse("admin:articles_issue_changelist")
    client.force_login(factories.editor())

    response = client.post(changelist, {"action": "write_ofds", "_selected_action": [issue.pk]}, follow=True)

    ofd = IssueOfd.objects.get(issue=issue)
    assert ofd.ofd_sha256 and not ofd.error
    assert "已生成 OFD" in response.content.decode()
    # Asked again: it is there already, said so, and not written twice.
    again = client.post(changelist, {"action": "write_ofds", "_selected_action": [issue.pk]}, follow=True)
    assert "已有 OFD" in again.content.decode() and "已生成 OFD" not in again.content.decode()
    assert IssueOfd.objects.get(issue=issue).ofd_sha256 == ofd.ofd_sha256


def test_a_leader_who_may_not_change_issues_cannot_write_an_ofd():
    issue = factories.issue_in(Status.ISSUED)  # no commit in a test: the OFD was not written
    client = Client()
    client.force_login(factories.leader())  # staff, may view issues, may not change them

    response = client.post(reverse("admin:articles_issue_changelist"),
                           {"action": "write_ofds", "_selected_action": [issue.pk]}, follow=True)

    assert response.status_code == 200
    assert not IssueOfd.objects.filter(issue=issue).exists()


def test_the_admin_action_reports_an_ofd_that_still_cannot_be_written(monkeypatch, client):
    def broken(issue):
        raise ofd_module.OfdError("still broken for the test")

    issue = factories.issue_in(Status.ISSUED)
    monkeypatch.setattr(ofd_module, "issue_ofd", broken)
    client.force_login(factories.editor())
    response = client.post(reverse("admin:articles_issue_changelist"),
                           {"action": "write_ofds", "_selected_action": [issue.pk]}, follow=True)
    assert "still broken for the test" in response.content.decode()
    assert not IssueOfd.objects.get(issue=issue).ofd_sha256


def test_write_ofd_makes_it_later_and_never_writes_it_twice(monkeypatch, capsys):
    issue = factories.issue_in(Status.ISSUED)  # no commit in a test: the OFD was not written
    assert not IssueOfd.objects.filter(issue=issue).exists()
    call_command("write_ofd", str(issue.pk))
    ofd = IssueOfd.objects.get(issue=issue)
    assert ofd.ofd_sha256 in capsys.readouterr().out
    monkeypatch.setattr(ofd_module, "issue_ofd", lambda issue: pytest.fail("written again"))
    call_command("write_ofd", str(issue.pk))
    assert IssueOfd.objects.get(issue=issue).ofd_file.name == ofd.ofd_file.name


def test_write_ofd_refuses_an_unissued_or_unknown_issue():
    draft = factories.draft_issue()
    with pytest.raises(CommandError, match="已签发|issued"):
        call_command("write_ofd", str(draft.pk))
    with pytest.raises(CommandError):
        call_command("write_ofd", "999999")


def test_write_ofd_reports_a_failure_and_keeps_the_reason(monkeypatch):
    issue = factories.issue_in(Status.ISSUED)
    monkeypatch.setattr(ofd_module, "issue_ofd", lambda issue: 1 / 0)
    with pytest.raises(CommandError, match="division by zero"):
        call_command("write_ofd", str(issue.pk))
    assert IssueOfd.objects.get(issue=issue).error == "division by zero"
    monkeypatch.undo()
    call_command("write_ofd", str(issue.pk))
    assert IssueOfd.objects.get(issue=issue).error == ""


def test_a_stored_pdf_that_changed_gives_no_ofd(monkeypatch):
    issue = factories.issue_in(Status.ISSUED)
    with open(issue.pdf_file.path, "ab") as fh:
        fh.write(b"\n% changed\n")
    integrity._digests.clear()
    ofd = services.write_ofd(issue=issue)
    assert ofd.ofd_sha256 == "" and ofd.error


def test_a_reader_of_the_issue_downloads_the_ofd_next_to_the_pdf(client, issued):
    issue, reader = issued
    client.force_login(reader)
    page = client.get(issue.get_absolute_url()).content.decode()
    assert 'id="download-ofd"' in page and "下载 OFD" in page
    response = client.get(reverse("distribution:issue_ofd", args=[issue.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ofd"
    assert "attachment" in response["Content-Disposition"] and ".ofd" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == _stored(issue.ofd.ofd_file)


def test_whoever_may_not_read_the_issue_gets_no_ofd(client, issued):
    issue, _reader = issued
    url = reverse("distribution:issue_ofd", args=[issue.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(factories.reader(factories.RecipientFactory(name="丁单位")))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("change", ["tampered", "missing", "never written"])
def test_an_ofd_that_is_not_the_written_file_is_refused_with_a_chinese_503(client, issued, change):
    issue, reader = issued
    ofd = issue.ofd
    if change == "tampered":
        with open(ofd.ofd_file.path, "ab") as fh:
            fh.write(b"x")
    elif change == "missing":
        ofd.ofd_file.storage.delete(ofd.ofd_file.name)
    else:
        IssueOfd.objects.filter(pk=ofd.pk).update(ofd_file="", ofd_sha256="", ofd_size=None, error="测试原因")
    client.force_login(reader)
    response = client.get(reverse("distribution:issue_ofd", args=[issue.pk]))
    assert response.status_code == 503
    html = response.content.decode()
    assert "OFD 文件暂时无法提供" in html and 'id="staff-message"' not in html
    staff = factories.superuser()
    client.force_login(staff)
    html = client.get(reverse("distribution:issue_ofd", args=[issue.pk])).content.decode()
    assert 'id="staff-message"' in html
    if change == "never written":
        assert "测试原因" in html and "补写所选已签发简报的 OFD" in html


def test_the_year_export_carries_each_ofd_beside_its_pdf(issued):
    issue, _reader = issued
    with year_export(series=issue.series, year=issue.year) as out, zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert issue.ofd.file_name in names and issue.pdf_filename in names
        assert archive.read(issue.ofd.file_name) == _stored(issue.ofd.ofd_file)
        [row] = json.loads(archive.read("manifest.json"))["issues"]
    assert (row["ofd_file"], row["ofd_sha256"]) == (issue.ofd.file_name, issue.ofd.ofd_sha256)


def test_the_year_export_refuses_an_ofd_that_changed(issued):
    issue, _reader = issued
    with open(issue.ofd.ofd_file.path, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(Exception, match=issue.ofd.ofd_file.name):
        year_export(series=issue.series, year=issue.year)
