"""A stored PDF is served only while it is the issued file; a changed or missing one gets a clear page."""

import logging
import os
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Issue, Role
from articles.printing import integrity
from distribution.models import Receipt
from tests import factories

pytestmark = pytest.mark.django_db

Status = Issue.Status

READER_PAGE = "PDF 文件暂时无法提供"
STAFF_MISMATCH = "该期 PDF 文件（{}）校验失败，已停止提供下载"
STAFF_MISSING = "该期 PDF 文件（{}）缺失，已停止提供下载"


@pytest.fixture(scope="module")
def pdf_world(module_db):
    """One issued issue with its real rendered PDF, a reader of its unit and an editor."""
    unit = factories.RecipientFactory(name="丙单位")
    issue = factories.issue_to(Status.ISSUED, units=[(unit, Role.SEND)], disclosure=Issue.Disclosure.ON_REQUEST)
    path = Path(issue.pdf_file.path)
    return {"issue": issue, "path": path, "original": path.read_bytes(),
            "reader": factories.reader(unit), "editor": factories.editor()}


@pytest.fixture
def stored(pdf_world):
    """The issue's PDF on disk; whatever a test does to it, the issued bytes are back afterwards."""
    integrity._digests.clear()
    yield pdf_world["path"]
    pdf_world["path"].write_bytes(pdf_world["original"])
    integrity._digests.clear()


@pytest.fixture
def get_pdf(client, pdf_world):
    def get(who="reader", *, query="", **headers):
        client.force_login(pdf_world[who])
        return client.get(reverse("distribution:issue_pdf", args=[pdf_world["issue"].pk]) + query, **headers)

    return get


def _same_size_tamper(data):
    # A different digit in the PDF's trailer: same length, different bytes.
    at = data.rindex(b"startxref") - 1
    return data[:at] + (b"0" if data[at:at + 1] != b"0" else b"1") + data[at + 1:]


TAMPERS = {
    "same size": _same_size_tamper,
    "different size": lambda data: data + b"\n% appended\n",
}


def _assert_refused(response, *, staff_text=None):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "ETag" not in response and "Last-Modified" not in response and "X-Accel-Redirect" not in response
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert READER_PAGE in html and "%PDF" not in html
    if staff_text is None:
        assert 'id="staff-message"' not in html
    else:
        assert staff_text in html


def _alerts(caplog):
    return [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "distribution.views"]


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_a_tampered_pdf_is_refused_with_a_chinese_page_and_an_alert(pdf_world, stored, get_pdf, tamper, caplog):
    assert get_pdf().status_code == 200  # hashed and remembered while intact
    tampered = tamper(pdf_world["original"])
    assert (len(tampered) == len(pdf_world["original"])) == (tamper is _same_size_tamper)
    stored.write_bytes(tampered)

    _assert_refused(get_pdf())
    _assert_refused(get_pdf(query="?download=1"))
    name = pdf_world["issue"].pdf_file.name
    _assert_refused(get_pdf("editor"), staff_text=STAFF_MISMATCH.format(name))

    alerts = _alerts(caplog)
    assert len(alerts) == 3 and all("mismatch" in r.getMessage() and name in r.getMessage() for r in alerts)


def test_a_refused_download_is_not_recorded_as_downloaded(pdf_world, stored, get_pdf):
    stored.write_bytes(TAMPERS["different size"](pdf_world["original"]))

    get_pdf(query="?download=1")

    assert not Receipt.objects.filter(issue=pdf_world["issue"], first_downloaded_at__isnull=False).exists()


def test_the_pdf_is_served_again_once_the_issued_bytes_are_back(pdf_world, stored, get_pdf):
    stored.write_bytes(_same_size_tamper(pdf_world["original"]))
    assert get_pdf().status_code == 503

    stored.write_bytes(pdf_world["original"])
    response = get_pdf()

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_world["original"]
    assert response["ETag"] == f'"{pdf_world["issue"].pdf_sha256}"'


def test_a_tampered_file_with_its_old_mtime_put_back_is_still_refused(pdf_world, stored, get_pdf, monkeypatch):
    before = os.stat(stored)
    # Every file counts as settled, so the intact file's digest is remembered under its signature.
    monkeypatch.setattr(integrity, "RECENT_NS", -10**12)
    assert get_pdf().status_code == 200
    time.sleep(0.05)  # past the file system's timestamp tick, so the change moves ctime

    stored.write_bytes(_same_size_tamper(pdf_world["original"]))
    os.utime(stored, ns=(before.st_atime_ns, before.st_mtime_ns))  # what cp -p or rsync -a would do

    assert os.stat(stored).st_mtime_ns == before.st_mtime_ns and os.stat(stored).st_size == before.st_size
    _assert_refused(get_pdf())


def test_a_missing_pdf_is_a_chinese_page_not_a_server_error(pdf_world, stored, pdf_world_client, caplog):
    stored.unlink()

    reader = pdf_world_client("reader").get(reverse("distribution:issue_pdf", args=[pdf_world["issue"].pk]))
    editor = pdf_world_client("editor").get(reverse("distribution:issue_pdf", args=[pdf_world["issue"].pk]))

    _assert_refused(reader)
    _assert_refused(editor, staff_text=STAFF_MISSING.format(pdf_world["issue"].pdf_file.name))
    assert len(_alerts(caplog)) == 2 and "missing" in _alerts(caplog)[0].getMessage()


@pytest.fixture
def pdf_world_client(pdf_world):
    """A client that answers what an exception would give a browser instead of raising it in the test."""

    def make(who):
        client = Client(raise_request_exception=False)
        client.force_login(pdf_world[who])
        return client

    return make


def test_a_conditional_request_with_the_issued_etag_gets_no_304_for_a_bad_file(pdf_world, stored, get_pdf):
    stored.write_bytes(TAMPERS["different size"](pdf_world["original"]))

    response = get_pdf(HTTP_IF_NONE_MATCH=f'"{pdf_world["issue"].pdf_sha256}"')

    _assert_refused(response)


@pytest.mark.parametrize("bad", ["tampered", "missing"])
def test_behind_nginx_a_bad_pdf_is_not_handed_over(pdf_world, stored, get_pdf, settings, bad):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/_protected/"
    assert get_pdf()["X-Accel-Redirect"] == f"/_protected/{pdf_world['issue'].pdf_file.name}"

    if bad == "missing":
        stored.unlink()
    else:
        stored.write_bytes(_same_size_tamper(pdf_world["original"]))

    _assert_refused(get_pdf())


def test_repeated_requests_hash_the_file_once_per_change(pdf_world, stored, get_pdf, monkeypatch):
    calls = []
    real = integrity.file_sha256
    monkeypatch.setattr(integrity, "file_sha256", lambda path: calls.append(path) or real(path))
    monkeypatch.setattr(integrity, "RECENT_NS", -10**12)  # the module's file was written a moment ago

    statuses = [get_pdf().status_code for _ in range(3)] + [get_pdf(query="?download=1").status_code]
    assert statuses == [200] * 4 and calls == [str(stored)]

    stored.write_bytes(TAMPERS["different size"](pdf_world["original"]))
    assert [get_pdf().status_code for _ in range(3)] == [503] * 3
    assert len(calls) == 2


def test_a_file_changed_a_moment_ago_is_hashed_on_every_request(pdf_world, stored, get_pdf, monkeypatch):
    # Its timestamps may not move again if it changes within the same tick, so its digest is not remembered.
    calls = []
    real = integrity.file_sha256
    monkeypatch.setattr(integrity, "file_sha256", lambda path: calls.append(path) or real(path))
    stored.write_bytes(pdf_world["original"])

    assert [get_pdf().status_code for _ in range(2)] == [200, 200]
    assert len(calls) == 2
