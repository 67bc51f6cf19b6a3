"""Importing a whole Word draft (.docx) made here with python-docx: articles split at titles, bodies cleaned.

Every hostile document is built here (python-docx and zipfile), none is committed.
"""

import io
import time
import zipfile

import docx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from articles import docx_import
from articles.models import Issue
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("admin:articles_issue_import")


def realistic_docx():
    """Two articles as an office writes them: Title paragraphs, typed 一、 headings, a centred caption, a picture."""
    document = docx.Document()
    document.add_paragraph("省地方志办召开党组中心组（扩大）学习会", style="Title")
    document.add_paragraph("1月12日，省地方志办党组召开中心组（扩大）学习会，传达学习中央和省委文件精神。")
    document.add_paragraph("一、切实加强学习")
    document.add_paragraph("要深刻领会全会精神，把学习贯彻引向深入。")
    caption = document.add_paragraph("表1  2020年度考核结果")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(picture, "PNG")
    picture.seek(0)
    document.add_picture(picture, width=Cm(8))
    document.add_paragraph("四川年鉴社获评全国地方志系统先进集体", style="Heading 1")
    document.add_paragraph("（一）获奖情况")
    document.add_paragraph("近日，中国地方志指导小组通报表彰……")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def post(client, content, name="工作信息第1期.docx", series=None):
    series = series or factories.SeriesFactory()
    return client.post(URL, {"series": series.pk, "issue_date": "2021-01-13",
                             "document": SimpleUploadedFile(name, content)}, follow=True)


def test_a_word_draft_becomes_a_draft_issue_with_its_articles(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    editor = factories.editor()
    client.force_login(editor)

    response = post(client, realistic_docx())

    issue = Issue.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:articles_issue_change", args=[issue.pk])
    assert (issue.status, issue.created_by, str(issue.issue_date)) == (Issue.Status.DRAFT, editor, "2021-01-13")
    first, second = issue.articles.order_by("position")
    assert first.title == "省地方志办召开党组中心组（扩大）学习会"
    assert second.title == "四川年鉴社获评全国地方志系统先进集体"
    assert first.body.startswith("<p>1月12日，省地方志办党组召开中心组")
    assert "<h2>一、切实加强学习</h2>" in first.body
    assert "<h3>（一）获奖情况</h3>" in second.body
    src = first.body.split('<img src="')[1].split('"')[0]
    assert src.startswith(settings.MEDIA_URL + "uploads/") and (tmp_path / src[len(settings.MEDIA_URL):]).exists()
    assert "导入了 2 篇文章" in response.content.decode()
    assert issue.revisions.exists() and issue.log.filter(action="issue.create").exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("通知.doc", b"\xd0\xcf\x11\xe0old word", "请选择另存为 .docx 的 Word 文档"),
    ("坏文件.docx", b"not a zip at all", "这个文件不是 Word .docx 文档，或者已经损坏。"),
])
def test_a_file_that_is_not_a_docx_is_refused_in_chinese_and_creates_nothing(client, name, content, message):
    client.force_login(factories.editor())
    response = post(client, content, name=name)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Issue.objects.exists()


def test_only_drafters_import(client):
    client.force_login(factories.leader())
    assert client.get(URL).status_code == 403
    assert post(client, realistic_docx()).status_code == 403
    assert not Issue.objects.exists()


def test_the_issue_list_links_to_the_import_for_drafters(client):
    client.force_login(factories.editor())
    assert 'id="import-docx"' in client.get(reverse("admin:articles_issue_changelist")).content.decode()
    assert settings.MEDIA_URL


# --- hostile documents -----------------------------------------------------------------------------------

MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOCUMENT_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document '
                  b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')


def saved(document):
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezipped(content, *, replace=None, add=None, document_xml=None, compresslevel=9):
    """The package `content` with parts replaced or added; document_xml: (repeated chunk, times) written in a stream."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as package:
        for info in source.infolist():
            if document_xml and info.filename == "word/document.xml":
                chunk, times = document_xml
                with package.open(info.filename, "w", force_zip64=True) as stream:
                    stream.write(DOCUMENT_START)
                    for _ in range(times):
                        stream.write(chunk)
                    stream.write(b"</w:body></w:document>")
            else:
                data = source.read(info.filename)
                package.writestr(info.filename, (replace or {}).get(info.filename, lambda d: d)(data))
        for name, data in (add or {}).items():
            package.writestr(name, data)
    return out.getvalue()


def zip_bomb(inflated_mb):
    """A real .docx whose document.xml inflates about 1,000 times: empty paragraphs, a megabyte of them at a time."""
    paragraph = b"<w:p/>"
    return rezipped(saved(docx.Document()), document_xml=(paragraph * (2**20 // len(paragraph)), inflated_mb))


def tiny_png():
    picture = io.BytesIO()
    Image.new("RGB", (20, 10), (30, 30, 200)).save(picture, "PNG")
    return picture


def with_images(count):
    document = docx.Document()
    document.add_paragraph("图片很多的文章", style="Title")
    for _ in range(count):
        document.add_picture(tiny_png(), width=Cm(1))
    return saved(document)


def with_long_body(chars):
    document = docx.Document()
    document.add_paragraph("很长的文章", style="Title")
    line = "省地方志办召开党组中心组学习会传达学习中央和省委文件精神。" * 35  # 1,015 characters
    for number in range(chars // len(line) + 1):
        document.add_paragraph(f"{number}{line}")
    return saved(document)


def with_table(rows):
    document = docx.Document()
    document.add_paragraph("考核结果", style="Title")
    table = document.add_table(rows=rows, cols=2)
    for number, row in enumerate(table.rows, start=1):
        row.cells[0].text, row.cells[1].text = f"单位{number}", "优秀" if number % 3 else "合格"
    return saved(document)


def macro_enabled_by_type():
    return rezipped(saved(docx.Document()), replace={"[Content_Types].xml": lambda data: data.replace(
        MAIN.encode(), MACRO_MAIN.encode())})


def macro_enabled_by_part():
    return rezipped(saved(docx.Document()), add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macros"})


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def uploads(media):
    folder = media / "uploads"
    return sorted(folder.rglob("*")) if folder.exists() else []


def assert_refused(response, *needles, name="工作信息第1期.docx"):
    """A 4xx answer with every needle said in Chinese, the form keeping the file name, and no issue created."""
    page = response.content.decode()
    assert 400 <= response.status_code < 500
    for needle in needles:
        assert needle in page
    assert 'id="chosen-document"' in page and name in page
    assert not Issue.objects.exists()


@pytest.mark.parametrize(("content", "message"), [
    (lambda: with_images(500), "第 1 篇文章（图片很多的文章）：正文中的图片过多（500 张，最多 20 张）。"),
    (lambda: with_long_body(250_000), "第 1 篇文章（很长的文章）：正文过长（"),
    (lambda: with_table(400), "第 1 篇文章（考核结果）：正文中的表格行数过多（400 行，最多 300 行）。"),
])
def test_an_article_beyond_the_limits_is_refused_naming_the_limit_and_leaves_nothing(client, media, content, message):
    client.force_login(factories.editor())

    response = post(client, content())

    assert_refused(response, message)
    assert uploads(media) == []


def test_a_body_too_long_names_its_length_and_the_limit(client, media):
    client.force_login(factories.editor())
    response = post(client, with_long_body(250_000))
    assert_refused(response, "个字符，最多 200000 个）")


@pytest.mark.parametrize("content", [macro_enabled_by_type, macro_enabled_by_part])
def test_a_macro_enabled_document_renamed_docx_is_refused_by_its_content(client, media, content):
    client.force_login(factories.editor())
    response = post(client, content())
    assert_refused(response, "这个文档含有宏")
    assert uploads(media) == []


def test_a_package_whose_main_part_is_no_word_document_is_refused(client, media):
    spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    content = rezipped(saved(docx.Document()), replace={"[Content_Types].xml": lambda data: data.replace(
        MAIN.encode(), spreadsheet.encode())})
    client.force_login(factories.editor())
    assert_refused(post(client, content), "这个文件不是 Word .docx 文档，或者已经损坏。")


def test_a_zip_bomb_is_refused_before_it_is_parsed(client, media):
    bomb = zip_bomb(1100)  # 1.1 GB of document.xml in about a megabyte
    assert len(bomb) < 2 * 2**20
    client.force_login(factories.editor())

    started = time.monotonic()
    response = post(client, bomb)

    assert time.monotonic() - started < 5
    assert_refused(response, "文档中的部件 word/document.xml 解压后过大（1100 MB，最多 20 MB）。")


def test_a_part_compressed_like_a_bomb_is_refused_below_the_size_limits(client, media):
    client.force_login(factories.editor())
    response = post(client, zip_bomb(10))
    assert_refused(response, "文档中的部件 word/document.xml 的压缩比远超任何 Word 文档（",
                   "最多 200∶1），疑似“压缩炸弹”。")


def test_a_package_with_too_many_entries_is_refused(client, media):
    content = rezipped(saved(docx.Document()), add={f"customXml/extra{n}.xml": b"<a/>" for n in range(1001)})
    client.force_login(factories.editor())
    assert_refused(post(client, content), "文档包含的文件过多（", "最多 1000 个）。")


def test_a_package_too_large_once_unpacked_is_refused(client, media, monkeypatch):
    monkeypatch.setattr(docx_import, "MAX_TOTAL_BYTES", 2**20)
    content = rezipped(saved(docx.Document()), add={f"word/media/image{n}.bin": bytes(range(256)) * 2**10
                                                    for n in range(5)}, compresslevel=0)
    client.force_login(factories.editor())
    assert_refused(post(client, content), "文档解压后过大（", "最多 1 MB）。")


@pytest.fixture
def without_package_limits(monkeypatch):
    """Lets a bomb through the package check, so that the parse budget is what stops it."""
    for name in ("MAX_PART_BYTES", "MAX_TOTAL_BYTES", "MAX_RATIO"):
        monkeypatch.setattr(docx_import, name, 2**40)


def test_a_bomb_past_the_package_check_is_stopped_by_the_parse_budget(client, media, settings, without_package_limits):
    settings.BULLETIN_RENDER_TIMEOUT, settings.BULLETIN_RENDER_MEMORY_MB = 1, 0
    client.force_login(factories.editor())

    bomb = zip_bomb(300)  # minutes of parsing without the budget
    started = time.monotonic()
    response = post(client, bomb)
    elapsed = time.monotonic() - started

    assert elapsed < 10  # 1 s of parsing, the rest building the request and rendering the answer
    assert_refused(response, "读取 Word 文档超过 1 秒，已停止。请将文档拆分，分几次导入。")
    assert uploads(media) == []
    assert psutil_children() == []


def test_a_bomb_past_the_package_check_is_held_to_the_parse_memory(client, media, settings, without_package_limits):
    settings.BULLETIN_RENDER_TIMEOUT, settings.BULLETIN_RENDER_MEMORY_MB = 60, 100  # the memory is what stops it
    client.force_login(factories.editor())

    response = post(client, zip_bomb(300))  # gigabytes as a DOM

    assert_refused(response, "读取 Word 文档需要超过 100 MB 内存，已停止。请将文档拆分，分几次导入。")
    assert psutil_children() == []


def psutil_children():
    import psutil

    return psutil.Process().children()


def test_an_import_that_fails_after_storing_its_images_removes_them(client, media, monkeypatch):
    def failing_create(user, data, found):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(docx_import.DocxImport, "_create", staticmethod(failing_create))
    client.force_login(factories.editor())
    client.raise_request_exception = True

    with pytest.raises(RuntimeError):
        post(client, realistic_docx())

    assert uploads(media) == []


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(st.sampled_from(["[Content_Types].xml", "_rels/.rels", "word/document.xml",
                                                   "word/vbaProject.bin", "word/media/a.png", "x"]),
                                  st.binary(max_size=300)), max_size=6),
       noise=st.binary(max_size=64))
def test_the_package_check_refuses_any_package_with_a_form_error_never_a_crash(entries, noise):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in dict(entries).items():
            package.writestr(name, data)
    for content in (out.getvalue(), noise, out.getvalue()[: len(out.getvalue()) // 2]):
        try:
            docx_import.package_check(content)
        except docx_import.forms.ValidationError as exc:
            assert exc.messages
