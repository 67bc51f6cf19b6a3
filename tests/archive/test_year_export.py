"""A year for the archive: the stored PDFs as issued, verified against their SHA-256, with a manifest."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from articles.archive.year_export import YearExportError, year_export
from articles.models import Issue
from articles.printing import renderer
from tests.archive.conftest import day, issued
from tests.factories import SeriesFactory, draft_issue

pytestmark = pytest.mark.django_db
FIRST_TITLE = "省地方志办召开党组中心组学习会 传达学习文件精神"  # printed on two lines


@pytest.fixture
def renders(monkeypatch):
    """Issuing without WeasyPrint: a small PDF that differs per issue; the calls are recorded."""
    calls = []

    def render_issue(issue, *, preview, **kwargs):
        calls.append(issue.pk)
        return renderer.RenderedPdf(content=f"%PDF-1.7\n% issue {issue.pk}\n%%EOF\n".encode(), pages=1)

    monkeypatch.setattr(renderer, "render_issue", render_issue)
    return calls


@pytest.fixture
def year(renders, series):
    """Two issued issues of 2021 in the series, and issues that must stay out of its export."""
    first = issued(series=series, issue_date=day(1, 13),
                   titles=[FIRST_TITLE.replace(" ", "\n"), "省地方志办团支部获组织奖"])
    second = issued(series=series, issue_date=day(2, 3), titles=["年鉴编纂工作会召开"])
    issued(series=series, issue_date=day(12, 30, 2020), titles=["上一年"])
    issued(series=SeriesFactory(name="年鉴工作动态"), issue_date=day(1, 5), titles=["别的刊物"])
    draft_issue(series=series, issue_date=day(3, 1))
    return [first, second]


def stored(issue):
    with issue.pdf_file.open("rb") as fh:
        return fh.read()


def export_bytes(series, year):
    with year_export(series=series, year=year) as fh:
        return fh.read()


def test_the_zip_holds_the_stored_pdfs_of_the_year_and_a_manifest_that_matches_them(year, series):
    first, second = year
    with zipfile.ZipFile(io.BytesIO(export_bytes(series, 2021))) as archive:
        assert archive.namelist() == ["地方志工作信息2021年第1期.pdf", "地方志工作信息2021年第2期.pdf",
                                      "manifest.csv", "manifest.json"]
        files = {name: archive.read(name) for name in archive.namelist()}
        assert archive.testzip() is None
    assert files["地方志工作信息2021年第1期.pdf"] == stored(first)
    assert files["地方志工作信息2021年第2期.pdf"] == stored(second)

    manifest = json.loads(files["manifest.json"])
    assert manifest["series"] == "地方志工作信息" and manifest["year"] == 2021
    assert [row["file"] for row in manifest["issues"]] == [first.pdf_filename, second.pdf_filename]
    for row, issue in zip(manifest["issues"], year, strict=True):
        assert row["sha256"] == hashlib.sha256(files[row["file"]]).hexdigest() == issue.pdf_sha256
        assert row["size"] == len(files[row["file"]]) == issue.pdf_size
        assert (row["number"], row["total_number"], row["issue_date"]) == (
            issue.number, issue.total_number, issue.issue_date.isoformat())
    assert manifest["issues"][0]["titles"] == [FIRST_TITLE, "省地方志办团支部获组织奖"]

    assert files["manifest.csv"].startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(files["manifest.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["年度期号", "总期号", "出刊日期", "文章标题", "文件名", "PDF 大小（字节）", "PDF SHA-256 校验值"]
    assert rows[1] == ["1", str(first.total_number), "2021-01-13", f"{FIRST_TITLE}；省地方志办团支部获组织奖",
                       "地方志工作信息2021年第1期.pdf", str(first.pdf_size), first.pdf_sha256]
    assert [row[6] for row in rows[1:]] == [hashlib.sha256(files[row[4]]).hexdigest() for row in rows[1:]]


def test_exporting_never_renders_and_gives_the_same_bytes_twice(year, series, renders):
    before = list(renders)
    assert export_bytes(series, 2021) == export_bytes(series, 2021)
    assert renders == before


def tamper(issue, content=b"%PDF-1.7\n% not what was issued\n%%EOF\n"):
    with open(issue.pdf_file.path, "wb") as fh:
        fh.write(content)


def test_a_tampered_pdf_refuses_the_whole_export_and_names_it(year, series):
    tamper(year[1])
    with pytest.raises(YearExportError) as refused:
        year_export(series=series, year=2021)
    message = refused.value.message
    assert message.startswith("未导出任何文件")
    assert "地方志工作信息 2021年第2期" in message and "校验值不符" in message
    assert "2021年第1期" not in message  # the good one is not blamed


def test_a_missing_pdf_is_refused_too_and_every_bad_file_is_named(year, series):
    tamper(year[0])
    year[1].pdf_file.storage.delete(year[1].pdf_file.name)
    with pytest.raises(YearExportError) as refused:
        year_export(series=series, year=2021)
    message = refused.value.message
    assert "地方志工作信息 2021年第1期" in message and "地方志工作信息 2021年第2期" in message
    assert "文件缺失" in message


def test_a_year_without_issued_issues_is_refused(series):
    with pytest.raises(YearExportError, match="2019"):
        year_export(series=series, year=2019)


def test_the_command_writes_the_zip(year, series, tmp_path, capsys):
    out = tmp_path / "2021.zip"
    call_command("export_year", "--series", str(series.pk), "--year", "2021", "--out", str(out))
    assert str(out) in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == 4


def test_the_command_refuses_a_tampered_year_and_writes_nothing(year, series, tmp_path):
    tamper(year[0])
    with pytest.raises(CommandError, match="未导出任何文件"):
        call_command("export_year", "--series", str(series.pk), "--year", "2021", "--out", str(tmp_path / "y.zip"))
    assert list(tmp_path.glob("y.zip*")) == []


def test_a_really_rendered_pdf_goes_in_byte_for_byte(series):
    issue = issued(series=series, issue_date=day(5, 8), titles=["真实排版的一期"])
    assert issue.status == Issue.Status.ISSUED
    with zipfile.ZipFile(io.BytesIO(export_bytes(series, 2021))) as archive:
        content = archive.read(issue.pdf_filename)
    assert content.startswith(b"%PDF-") and content == stored(issue)
    assert hashlib.sha256(content).hexdigest() == issue.pdf_sha256


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_title_excel_would_read_as_a_formula_is_written_as_text_in_the_manifest(renders, series, start):
    title = f'{start}HYPERLINK("http://127.0.0.1/x","点击")'
    issued(series=series, issue_date=day(1, 13), titles=[title])
    with zipfile.ZipFile(io.BytesIO(export_bytes(series, 2021))) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert rows[1][3] == "'" + title


def test_a_series_name_with_folders_in_it_writes_plain_entry_names(renders):
    from articles.archive.year_export import year_export_name

    series = SeriesFactory(name="../../x/刊物")
    issued(series=series, issue_date=day(1, 13), titles=["标题"])
    with zipfile.ZipFile(io.BytesIO(export_bytes(series, 2021))) as archive:
        names = archive.namelist()
    assert names[0] == "_.._x_刊物2021年第1期.pdf"
    assert all("/" not in name and "\\" not in name and not name.startswith(".") for name in names)
    assert "/" not in year_export_name(series=series, year=2021)
