"""The issued PDF in the workflow: rendered once at issue time, stored, verified; previews never stored."""

import hashlib
import io
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import gettext
from pdfminer.pdftypes import resolve1

from articles import services
from articles.models import Issue
from articles.printing import renderer
from tests.factories import issue_in, leader

pytestmark = pytest.mark.django_db
Status = Issue.Status


def _files_under(folder):
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def _stored_bytes(issue):
    with issue.pdf_file.open("rb") as fh:
        return fh.read()


def test_issuing_stores_the_pdf_with_its_size_pages_and_checksum():
    issue = issue_in(Status.ISSUED)
    content = _stored_bytes(issue)
    assert content.startswith(b"%PDF-")
    assert issue.pdf_size == len(content)
    assert issue.pdf_sha256 == hashlib.sha256(content).hexdigest()
    with pdfplumber.open(io.BytesIO(content)) as doc:
        assert issue.pdf_pages == len(doc.pages) == 2  # one short article, end block on page 2
        assert "第1期" in doc.pages[0].extract_text()
        assert "草稿" not in doc.pages[0].extract_text()
    assert Path(issue.pdf_file.path).is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))


def test_the_issued_pdf_carries_metadata_and_is_pdf_a_when_configured(settings):
    settings.BULLETIN_PDF_VARIANT = "pdf/a-3b"
    issue = issue_in(Status.ISSUED, series=None)
    with pdfplumber.open(io.BytesIO(_stored_bytes(issue))) as doc:
        meta = doc.metadata
        xmp = doc.doc.catalog["Metadata"].resolve().get_data().decode()
        intents = resolve1(doc.doc.catalog["OutputIntents"])
    assert meta["Title"] == f"{issue.series.name} {issue.year}年第1期"
    assert meta["Author"] == issue.series.compiling_office
    assert meta["CreationDate"].startswith(issue.issue_date.strftime("D:%Y%m%d"))
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert intents


def test_the_issued_pdf_is_pdf_a_2b_by_default_and_passes_both_validators():
    import page as page_validation
    from pikepdf import pdfa

    issue = issue_in(Status.ISSUED)
    content = _stored_bytes(issue)
    assert b'pdfaid:part="2"' in content  # the XMP stream is left uncompressed, as PDF/A requires
    assert page_validation.validate_pdf_bytes(content, profile="PDF_A_2B").is_compliant
    assert pdfa.validate_written(io.BytesIO(content), "2b").passed


def test_the_issued_pdf_is_plain_when_pdf_a_is_turned_off(settings):
    settings.BULLETIN_PDF_VARIANT = "none"
    issue = issue_in(Status.ISSUED)
    with pdfplumber.open(io.BytesIO(_stored_bytes(issue))) as doc:
        assert "OutputIntents" not in doc.doc.catalog


def test_previews_stay_plain_pdfs():
    issue = issue_in(Status.REVIEW)
    with pdfplumber.open(io.BytesIO(renderer.render_issue(issue, preview=True).content)) as doc:
        assert "OutputIntents" not in doc.doc.catalog


def test_a_render_failure_leaves_the_issue_under_review_with_no_file_and_no_number(monkeypatch):
    issue = issue_in(Status.REVIEW)

    def broken(self):
        raise RuntimeError("font server on fire")

    monkeypatch.setattr(renderer.IssueRenderer, "render", broken)
    with pytest.raises(services.WorkflowError) as excinfo:
        services.issue_approve(issue=issue, actor=leader())
    assert "font server on fire" in str(excinfo.value)
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    assert issue.number is None and issue.total_number is None and not issue.pdf_file and not issue.pdf_sha256
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []

    monkeypatch.undo()
    issue = services.issue_approve(issue=issue, actor=leader())
    assert issue.number == 1  # the failed attempt burnt no number


def test_the_leader_sees_why_the_pdf_could_not_be_rendered(client, monkeypatch):
    issue = issue_in(Status.REVIEW)
    boss = leader()
    client.force_login(boss)

    def broken(self):
        raise RuntimeError("no fonts at all")

    monkeypatch.setattr(renderer.IssueRenderer, "render", broken)
    response = client.post(reverse("admin:articles_issue_approve", args=[issue.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("no fonts at all" in m for m in messages), messages
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW


def test_an_issued_pdf_is_never_rendered_again(monkeypatch, tmp_path):
    issue = issue_in(Status.ISSUED)
    before = _stored_bytes(issue)
    calls = []
    monkeypatch.setattr(renderer.IssueRenderer, "render", lambda self: calls.append(self) or 1 / 0)

    with pytest.raises(services.WorkflowError):
        services.issue_approve(issue=issue, actor=leader())
    out = tmp_path / "out.pdf"
    call_command("render_issue", str(issue.pk), "-o", str(out))
    call_command("verify_pdfs")

    assert calls == []
    assert out.read_bytes() == before
    issue.refresh_from_db()
    assert _stored_bytes(issue) == before and issue.status == Status.ISSUED


def test_verify_pdfs_detects_a_tampered_or_missing_file(capsys):
    first, second = issue_in(Status.ISSUED), issue_in(Status.ISSUED)
    call_command("verify_pdfs")
    assert "2 份存档 PDF 校验通过" in capsys.readouterr().out

    path = Path(first.pdf_file.path)
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOF\n% tampered"))
    with pytest.raises(CommandError):
        call_command("verify_pdfs")
    assert gettext("checksum mismatch") in capsys.readouterr().err

    Path(second.pdf_file.path).unlink()
    with pytest.raises(CommandError):
        call_command("verify_pdfs")
    err = capsys.readouterr().err
    assert f"(id {first.pk})" in err and f"(id {second.pk}): {gettext('file missing')}" in err


@pytest.mark.parametrize(("status", "mark"), [(Status.DRAFT, "草稿"), (Status.REVIEW, "送审稿")])
def test_a_preview_is_watermarked_unnumbered_and_never_stored(status, mark):
    issue = issue_in(status)
    rendered = renderer.render_issue(issue, preview=True)
    with pdfplumber.open(io.BytesIO(rendered.content)) as doc:
        text = doc.pages[0].extract_text()
        assert "第__期" in text
        # The watermark is set diagonally, so its characters come out one per line.
        assert all(char in text.splitlines() for char in mark)
        assert rendered.pages == len(doc.pages)
    issue.refresh_from_db()
    assert not issue.pdf_file and issue.number is None
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []


def test_the_admin_preview_button_opens_a_pdf_in_the_browser(client):
    issue = issue_in(Status.REVIEW)
    client.force_login(leader())
    response = client.get(reverse("admin:articles_issue_preview", args=[issue.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline"
    assert response.content.startswith(b"%PDF-")


def test_render_issue_command_writes_a_preview_of_an_unissued_issue(tmp_path):
    issue = issue_in(Status.DRAFT)
    out = tmp_path / "preview.pdf"
    call_command("render_issue", str(issue.pk), "-o", str(out))
    with pdfplumber.open(out) as doc:
        assert {"草", "稿"} <= set(doc.pages[0].extract_text().splitlines())
    with pytest.raises(CommandError):
        call_command("render_issue", "999999", "-o", str(out))


def test_fonts_command_names_a_real_file_for_every_role(capsys):
    call_command("fonts")
    out = capsys.readouterr().out
    for label in ("小标宋", "仿宋", "黑体", "楷体", "宋体"):
        line = next(line for line in out.splitlines() if line.startswith(label))
        path = line.split("→ ")[1].split(" [")[0]
        assert Path(path).is_file(), line


def test_a_dropped_licensed_font_is_preferred(settings, tmp_path, capsys):
    from fontTools.ttLib import TTFont

    from articles.printing import fonts

    font = TTFont("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "KaiTi_GB2312"
        if record.nameID == 6:
            record.string = "KaiTi_GB2312-Test"
    settings.BULLETIN_FONT_DIR = tmp_path
    font.save(tmp_path / "kaiti_gb2312.ttf")

    face = fonts.resolve("kaiti")
    assert (face.family, face.dropped) == ("KaiTi_GB2312", True)
    call_command("fonts")
    assert str(tmp_path / "kaiti_gb2312.ttf") in capsys.readouterr().out

    issue = issue_in(Status.DRAFT, body="<h3>（一）Kai heading</h3><p>正文。</p>")
    with pdfplumber.open(io.BytesIO(renderer.render_issue(issue, preview=True).content)) as doc:
        names = {c["fontname"].split("+")[-1] for c in doc.pages[0].chars if c["text"] in "Kai heading"}
    assert any(name.startswith("KaiTi_GB2312") for name in names), names


def _renamed_font(source, family, target, *, weight=None):
    from fontTools.ttLib import TTFont

    font = TTFont(source)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
        if record.nameID == 6:
            record.string = f"{family}-Test".replace(" ", "")
    if weight is not None:
        font["OS/2"].usWeightClass = weight
    font.save(target)


def test_without_dropped_fonts_the_free_fangsong_and_kaiti_are_used(settings, tmp_path, capsys):
    from articles.printing import fonts

    settings.BULLETIN_FONT_DIR = tmp_path
    assert fonts.resolve("fangsong").family == "FandolFang"
    assert fonts.resolve("kaiti").family == "LXGW WenKai"
    # FandolFang has one weight: bold 仿宋 is set in 黑体 at its regular weight.
    assert fonts.bold_face("fangsong") == (fonts.css_family("heiti"), 400)
    assert fonts.bold_face("kaiti") == (fonts.css_family("kaiti"), 700)  # LXGW WenKai has a bold face
    call_command("fonts")
    out = capsys.readouterr().out
    assert "FandolFang-Regular.otf" in out and "LXGWWenKai-Regular.ttf" in out


def test_a_dropped_licensed_fangsong_wins_and_its_bold_is_used_when_dropped_too(settings, tmp_path):
    from articles.printing import fonts

    settings.BULLETIN_FONT_DIR = tmp_path
    dejavu = "/usr/share/fonts/truetype/dejavu/"
    _renamed_font(dejavu + "DejaVuSerif.ttf", "FangSong_GB2312", tmp_path / "fangsong.ttf", weight=400)
    face = fonts.resolve("fangsong")
    assert (face.family, face.dropped) == ("FangSong_GB2312", True)
    assert fonts.bold_face("fangsong") == (fonts.css_family("heiti"), 400)  # one weight dropped: 黑体 for bold

    _renamed_font(dejavu + "DejaVuSerif-Bold.ttf", "FangSong_GB2312", tmp_path / "fangsong-bold.ttf", weight=700)
    assert fonts.has_bold("fangsong")
    assert fonts.bold_face("fangsong") == (fonts.css_family("fangsong"), 700)

    issue = issue_in(Status.DRAFT, body="<p>Body text <strong>Lead</strong></p>")
    with pdfplumber.open(io.BytesIO(renderer.render_issue(issue, preview=True).content)) as doc:
        chars = doc.pages[0].chars
        body = {c["fontname"].split("+")[-1] for c in chars if c["text"] in "Boy" and round(c["size"]) == 16}
        lead = {c["fontname"].split("+")[-1] for c in chars if c["text"] in "L" and round(c["size"]) == 16}
    assert body == {"FangSong_GB2312"} and lead == {"FangSong_GB2312-Bold"}, (body, lead)


def test_the_system_check_warns_without_harfbuzz_subset(monkeypatch):
    from weasyprint.text import ffi

    assert not [m for m in run_checks() if m.id == "articles.W001"]
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    assert [m for m in run_checks() if m.id == "articles.W001"]


def test_verify_pdfs_lists_files_that_no_issued_issue_refers_to(capsys):
    issue = issue_in(Status.ISSUED)
    storage = issue.pdf_file.storage
    storage.save("issues/9/2030/001.pdf", io.BytesIO(b"%PDF-1.7 left over"))

    call_command("verify_pdfs")

    err = capsys.readouterr().err
    assert "issues/9/2030/001.pdf" in err and issue.pdf_file.name not in err


def test_issuing_builds_the_print_html_once_and_lays_out_that_html(monkeypatch, settings):
    """One context for the render and its digest, one more under the lock to check nothing changed meanwhile."""
    settings.BULLETIN_RENDER_TIMEOUT = settings.BULLETIN_RENDER_MEMORY_MB = 0  # laid out here, where we can see
    issue = issue_in(Status.REVIEW)
    built, laid_out = [], []
    context = renderer.IssueRenderer.context
    monkeypatch.setattr(renderer.IssueRenderer, "context", lambda self: built.append(self) or context(self))
    write_pdf = renderer.write_pdf
    monkeypatch.setattr(renderer, "write_pdf", lambda layouts, variant: laid_out.append(layouts) or write_pdf(
        layouts, variant))

    issued = services.issue_approve(issue=issue, actor=leader())

    assert issued.status == Status.ISSUED
    assert len(built) == 2
    assert laid_out and laid_out[0][0] == built[0].html()


def test_issuing_validates_pdf_a_and_keeps_a_valid_issue_clean():
    issue = issue_in(Status.ISSUED)
    assert issue.pdf_pdfa_findings == []


def test_a_pdf_a_finding_is_kept_logged_and_shown_but_the_issue_is_issued(monkeypatch, client, caplog):
    from articles.printing import pdfa

    monkeypatch.setattr(pdfa, "pdfa_findings", lambda content, level=None: ["page-validation: PDFA2B-TEST-001"])
    issue = issue_in(Status.ISSUED)
    assert issue.status == Status.ISSUED and issue.pdf_pdfa_findings == ["page-validation: PDFA2B-TEST-001"]
    assert any("is not valid pdf/a-2b" in record.getMessage() for record in caplog.records)
    client.force_login(leader())
    page = client.get(reverse("admin:articles_issue_change", args=[issue.pk])).content.decode()
    assert "PDF/A 校验发现 1 处问题" in page and "详情" in page
