"""verify_pdfs: every stored PDF hashed in full, each run recorded (PdfCheck) and shown in the admin."""

import io
import logging
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles.models import Issue, PdfCheck
from articles.printing import integrity
from tests.factories import editor, issue_in, leader, nobody

pytestmark = pytest.mark.django_db
Status = Issue.Status


@pytest.fixture
def issued(fake_pdf):
    """Three issued issues with their (tiny) stored PDFs."""
    integrity._digests.clear()
    yield [issue_in(Status.ISSUED) for _ in range(3)]
    integrity._digests.clear()


def _tamper(issue):
    path = Path(issue.pdf_file.path)
    path.write_bytes(path.read_bytes() + b"% tampered\n")


def test_a_clean_run_is_recorded(issued, capsys):
    call_command("verify_pdfs")

    run = PdfCheck.objects.get()
    assert (run.checked, run.failed, run.problems, run.stray_files) == (3, 0, [], [])
    assert run.passed and run.started_at <= run.finished_at
    assert "3 份存档 PDF 校验通过" in capsys.readouterr().out


def test_a_run_with_problems_is_recorded_and_logged_at_error(issued, caplog, capsys):
    tampered, missing, _fine = issued
    _tamper(tampered)
    Path(missing.pdf_file.path).unlink()
    stray = missing.pdf_file.storage.save("issues/9/2030/001.pdf", io.BytesIO(b"%PDF-1.7 left over"))

    with caplog.at_level(logging.WARNING, logger="articles.services"), pytest.raises(CommandError) as error:
        call_command("verify_pdfs")

    run = PdfCheck.objects.get()
    assert (run.checked, run.failed, run.stray_files) == (3, 2, [stray])
    assert [(p["issue"], p["problem"]) for p in run.problems] == [(tampered.pk, "mismatch"), (missing.pk, "missing")]
    assert run.problems[0]["file"] == tampered.pdf_file.name and run.problems[0]["name"] == str(tampered)
    assert "3 份存档 PDF 中有 2 份校验未通过" in str(error.value)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2 and f"id {tampered.pk}" in errors[0] and f"id {missing.pk}" in errors[1]
    assert any(r.levelno == logging.WARNING and stray in r.getMessage() for r in caplog.records)
    err = capsys.readouterr().err
    assert f"(id {tampered.pk}): 校验值不符" in err and f"(id {missing.pk}): 文件缺失" in err and stray in err


def test_the_scheduled_run_hashes_every_byte_whatever_the_serving_memo_says(issued):
    issue = issued[0]
    _tamper(issue)
    path = issue.pdf_file.path
    # As if the portal had remembered the tampered file as the issued one.
    integrity._digests[path] = (integrity._signature(Path(path).stat()), issue.pdf_sha256)
    assert integrity.pdf_problem(issue) is None

    with pytest.raises(CommandError):
        call_command("verify_pdfs")

    assert PdfCheck.objects.get().problems[0]["issue"] == issue.pk


@pytest.fixture
def failed_run(issued):
    _tamper(issued[0])
    with pytest.raises(CommandError):
        call_command("verify_pdfs")
    return PdfCheck.objects.get(), issued[0]


@pytest.mark.parametrize("role", [editor, leader])
def test_staff_see_the_last_run_on_the_admin_index_and_its_problems(client, failed_run, role):
    run, issue = failed_run
    client.force_login(role())

    index = client.get(reverse("admin:index")).content.decode()
    listing = client.get(reverse("admin:articles_pdfcheck_changelist"))
    detail = client.get(reverse("admin:articles_pdfcheck_change", args=[run.pk])).content.decode()

    assert "存档 PDF 校验" in index and "3 份存档 PDF 中有 1 份未通过" in index
    assert reverse("admin:articles_pdfcheck_change", args=[run.pk]) in index
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == [run]
    assert str(issue) in detail and issue.pdf_file.name in detail and "校验值不符" in detail
    assert reverse("admin:articles_issue_change", args=[issue.pk]) in detail


def test_the_admin_index_tells_superusers_in_words_when_the_check_has_never_run(client):
    from tests.factories import superuser

    client.force_login(leader())
    assert "每晚核验从未运行" not in client.get(reverse("admin:index")).content.decode()  # staff cannot act on it
    client.force_login(superuser())
    page = client.get(reverse("admin:index")).content.decode()
    assert "每晚核验从未运行" in page and "verify_pdfs" not in page


def test_a_clean_last_run_is_shown_as_passed(client, issued):
    call_command("verify_pdfs")
    client.force_login(editor())

    assert "3 份存档 PDF 全部通过" in client.get(reverse("admin:index")).content.decode()


def test_pdf_checks_are_read_only_in_the_admin(client, failed_run):
    run, _issue = failed_run
    client.force_login(editor())

    assert client.get(reverse("admin:articles_pdfcheck_add")).status_code == 403
    assert client.post(reverse("admin:articles_pdfcheck_change", args=[run.pk]), {"failed": 0}).status_code == 403
    assert client.post(reverse("admin:articles_pdfcheck_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
    assert PdfCheck.objects.get() == run and run.failed == 1


def test_accounts_without_a_role_do_not_see_pdf_checks(client, failed_run):
    user = nobody(is_staff=True)
    client.force_login(user)

    assert client.get(reverse("admin:articles_pdfcheck_changelist")).status_code == 403
    assert "存档 PDF 校验" not in client.get(reverse("admin:index")).content.decode()
