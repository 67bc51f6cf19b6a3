"""Importing a whole Word draft (.docx) made here with python-docx: articles split at titles, bodies cleaned.

Two kinds of draft: one in Word's styles (标题, 标题 1, as mammoth reads them) and one as offices type
it, everything set by hand (office_docx). No published 简报 .docx could be found in public repositories
to use as a fixture, so both are built here, like every hostile document (python-docx and zipfile).
"""

import io
import time
import zipfile

import docx
import lxml.html
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from articles import docx_import, services
from articles.models import Column, Distribution, Issue, Role
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


# --- drafts as offices type them: looks, not styles --------------------------------------------------------


def typed(paragraph, text, *, font="仿宋_GB2312", size=16, bold=False):
    """A run as Word writes a font chosen for Chinese text: the East Asian font set, the size in points."""
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.name = Pt(size), bold or None, font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def line(document, text="", *, align=None, **looks):
    paragraph = document.add_paragraph()
    if text:
        typed(paragraph, text, **looks)
    paragraph.alignment = align
    return paragraph


def hand_set_title(document, *lines, bold=False):
    """方正小标宋简体 22 pt (二号), centred, broken by hand (Shift+Enter) where the printed title breaks."""
    paragraph = line(document, align=WD_ALIGN_PARAGRAPH.CENTER)
    for number, text in enumerate(lines):
        run = typed(paragraph, text, font="方正小标宋简体", size=22, bold=bold)
        if number < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)
    return paragraph


def office_docx(*, bold_titles=False):
    """Two articles under two 栏目, typed as an office does: no Word heading style anywhere."""
    document = docx.Document()
    line(document, "【特别关注】", font="黑体")
    hand_set_title(document, "省地方志办召开党组中心组", "（扩大）学习会", bold=bold_titles)
    line(document, "1月12日，省地方志办党组召开中心组（扩大）学习会，传达学习中央和省委文件精神。")
    line(document, "一、切实加强学习", font="黑体")
    line(document, "（一）提高政治站位", font="楷体_GB2312")
    line(document, "要深刻领会全会精神，把学习贯彻引向深入。")
    line(document, "表1  2020年度考核结果", align=WD_ALIGN_PARAGRAPH.CENTER)
    table = document.add_table(rows=3, cols=2)
    for number, cells in enumerate([("单位", "考核结果"), ("综合处", "优秀"), ("年鉴处", "合格")]):
        for cell, text in zip(table.rows[number].cells, cells, strict=True):
            typed(cell.paragraphs[0], text, size=12, bold=number == 0)
    line(document, "（综合处供稿）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    line(document, "【市州动态】", font="黑体")
    hand_set_title(document, "成都市召开2021年地方志工作会议", bold=bold_titles)
    line(document, "——市地方志办主任在会上的讲话摘要", font="楷体_GB2312", align=WD_ALIGN_PARAGRAPH.CENTER)
    line(document, "1月15日，成都市召开2021年地方志工作会议，总结工作，部署任务。")
    line(document, "1.修志工作", bold=True)
    line(document, "全市修志工作稳步推进，二轮志书全部出版。")
    line(document, "（成都市地方志工作办公室）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    return saved(document)


@pytest.mark.parametrize("bold_titles", [False, True])
def test_a_draft_typed_by_hand_is_split_at_its_titles_with_their_looks_kept(client, media, bold_titles):
    series = factories.SeriesFactory()
    special = Column.objects.create(series=series, name="特别关注", position=1)
    cities = Column.objects.create(series=series, name="市州动态", position=2)
    client.force_login(factories.editor())

    response = post(client, office_docx(bold_titles=bold_titles), series=series)

    assert response.status_code == 200
    first, second = Issue.objects.get().articles.order_by("position")
    assert first.title == "省地方志办召开党组中心组\n（扩大）学习会"  # the title's own line break
    assert (first.column, first.source) == (special, "综合处供稿")
    assert first.body == (
        "<p>1月12日，省地方志办党组召开中心组（扩大）学习会，传达学习中央和省委文件精神。</p>"
        "<h2>一、切实加强学习</h2><h3>（一）提高政治站位</h3><p>要深刻领会全会精神，把学习贯彻引向深入。</p>"
        '<p style="text-align:center">表1  2020年度考核结果</p>'
        "<table><thead><tr><th><p><strong>单位</strong></p></th><th><p><strong>考核结果</strong></p></th></tr></thead>"
        "<tbody><tr><td><p>综合处</p></td><td><p>优秀</p></td></tr><tr><td><p>年鉴处</p></td><td><p>合格</p></td></tr>"
        "</tbody></table>")
    assert (second.title, second.subtitle) == ("成都市召开2021年地方志工作会议", "——市地方志办主任在会上的讲话摘要")
    assert (second.column, second.source) == (cities, "成都市地方志工作办公室")
    assert "<h4>1.修志工作</h4>" in second.body and "成都市地方志工作办公室" not in second.body
    assert "无标题文章" not in response.content.decode()


def test_a_column_the_series_does_not_have_stays_as_text():
    found = docx_import.docx_convert(office_docx()).articles
    assert [article.column for article in found] == ["特别关注", "市州动态"]
    issue = factories.draft_issue(articles=0)
    docx_import.DocxImport._create(factories.editor(), {"issue": issue}, found)
    first, second = issue.articles.order_by("position")
    assert first.column is None and first.body.startswith("<p>【特别关注】</p><p>1月12日")
    assert second.body.startswith("<p>【市州动态】</p>")


def test_a_title_set_in_two_centred_paragraphs_is_one_title_of_two_lines():
    document = docx.Document()
    hand_set_title(document, "关于做好2021年度")
    hand_set_title(document, "地方志工作的通知")
    line(document, "各市（州）地方志办：")
    line(document, "现将有关事项通知如下。", align=WD_ALIGN_PARAGRAPH.RIGHT)
    (article,) = docx_import.docx_convert(saved(document)).articles
    assert article.title == "关于做好2021年度\n地方志工作的通知"
    assert article.body == '<p>各市（州）地方志办：</p><p style="text-align:right">现将有关事项通知如下。</p>'


def test_body_sized_bold_centred_lines_and_captions_are_not_titles():
    document = docx.Document()
    hand_set_title(document, "唯一的标题")
    line(document, "会议强调", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    line(document, "图1  会议现场", font="方正小标宋简体", size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
    line(document, "一、这一段以一、开头但是用仿宋写成，而且很长，句子里有句号。要继续推进。")
    (article,) = docx_import.docx_convert(saved(document)).articles
    assert article.title == "唯一的标题"
    assert article.body.startswith('<p style="text-align:center"><strong>会议强调</strong></p>'
                                   '<p style="text-align:center">图1  会议现场</p><p>一、')


def test_a_table_whose_first_row_is_not_set_apart_has_no_header_row():
    found = docx_import.docx_convert(with_table(3)).articles
    assert "<thead>" not in found[0].body and "<th>" not in found[0].body


def test_without_any_title_the_whole_draft_is_one_untitled_article_to_split_later():
    document = docx.Document()
    line(document, "第一段。")
    line(document, "第二段。")
    (article,) = docx_import.docx_convert(saved(document)).articles
    assert (article.title, article.body) == ("无标题文章", "<p>第一段。</p><p>第二段。</p>")


# --- into the current issue -----------------------------------------------------------------------------


def into(issue):
    return reverse("admin:articles_issue_import_into", args=[issue.pk])


def test_a_word_draft_is_imported_after_the_articles_of_the_current_issue_keeping_its_settings(client, media):
    editor = factories.editor()
    template = factories.draft_issue(author=editor, print_run=120)
    Distribution.objects.create(issue=template, role=Role.SEND, recipient=factories.RecipientFactory(name="省委办公厅"))
    issue = services.issue_copy(issue=template, actor=editor, issue_date=template.issue_date)  # 以此为样新建一期
    issue.articles.create(position=1, title="已有的文章", body="<p>正文。</p>")
    before = (issue.print_run, issue.issue_date, issue.print_date, list(issue.distributions.values_list(
        "role", "recipient__name")))
    revisions = issue.revisions.count()
    client.force_login(editor)

    page = client.get(reverse("admin:articles_issue_change", args=[issue.pk])).content.decode()
    assert f'href="{into(issue)}"' in page and 'id="import-into-issue"' in page
    response = client.post(into(issue), {"document": SimpleUploadedFile("第2期.docx", office_docx())}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:articles_issue_change", args=[issue.pk])
    issue.refresh_from_db()
    assert Issue.objects.count() == 2
    assert list(issue.articles.order_by("position").values_list("position", "title")) == [
        (1, "已有的文章"), (2, "省地方志办召开党组中心组\n（扩大）学习会"), (3, "成都市召开2021年地方志工作会议")]
    assert (issue.print_run, issue.issue_date, issue.print_date, list(issue.distributions.values_list(
        "role", "recipient__name"))) == before
    assert issue.revisions.count() == revisions + 1
    assert "导入 2 篇文章，排在本期已有文章之后" in response.content.decode()


@pytest.mark.parametrize("status", [Issue.Status.REVIEW, Issue.Status.ISSUED])
def test_nothing_is_imported_into_an_issue_that_is_no_longer_a_draft(client, media, status):
    issue = factories.issue_in(status)
    client.force_login(issue.created_by)
    response = client.post(into(issue), {"document": SimpleUploadedFile("a.docx", office_docx())})
    assert response.status_code == 403 and not issue.articles.filter(title__contains="成都").exists()
    assert 'id="import-into-issue"' not in client.get(
        reverse("admin:articles_issue_change", args=[issue.pk])).content.decode()


def test_a_leader_cannot_import_into_a_draft(client, media):
    issue = factories.draft_issue()
    client.force_login(factories.leader())
    assert client.post(into(issue), {"document": SimpleUploadedFile("a.docx", office_docx())}).status_code == 403
    assert issue.articles.count() == 1


def test_a_refused_document_leaves_the_current_issue_as_it_was(client, media):
    issue = factories.draft_issue()
    client.force_login(issue.created_by)
    response = client.post(into(issue), {"document": SimpleUploadedFile("工作信息第1期.docx", with_images(500))})
    assert response.status_code == 400 and "正文中的图片过多" in response.content.decode()
    assert issue.articles.count() == 1 and uploads(media) == []


PARAGRAPH_TEXT = st.text(alphabet="一二三、（）【】()省志办会议。，1.—供稿处甲乙 ", min_size=1, max_size=30)


@hypothesis_settings(max_examples=40, deadline=None)
@given(paragraphs=st.lists(st.tuples(PARAGRAPH_TEXT, st.sampled_from([12, 16, 22, 26]), st.booleans(),
                                     st.sampled_from([None, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT]),
                                     st.sampled_from(["仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"])),
                           min_size=1, max_size=12))
def test_whatever_the_looks_no_text_is_lost_and_nothing_crashes(paragraphs):
    document = docx.Document()
    for text, size, bold, align, font in paragraphs:
        line(document, text, size=size, bold=bold, align=align, font=font)
    found = docx_import.docx_convert(saved(document)).articles

    def letters(text):
        return "".join(ch for ch in text if ch not in " \n（）()【】")

    kept = "".join(letters(a.title + a.subtitle + a.source + a.column
                           + lxml.html.fragment_fromstring(a.body or "<p></p>", create_parent="div").text_content())
                   for a in found)
    for text, *_looks in paragraphs:
        assert letters(text) in kept or not letters(text)


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


def published_bulletin():
    """A whole bulletin as published: masthead, 第1期 and the 编 line, one item, the 报 / 送 / 发 and 共印 lines."""
    document = docx.Document()
    line(document, "四川省地方志工作简报", font="方正小标宋简体", size=36, align=WD_ALIGN_PARAGRAPH.CENTER)
    line(document, "第1期", align=WD_ALIGN_PARAGRAPH.CENTER)
    line(document, "四川省地方志工作办公室编          2021年1月13日")
    hand_set_title(document, "省地方志办召开党组中心组（扩大）学习会")
    line(document, "1月12日，省地方志办党组召开中心组（扩大）学习会。")
    line(document, "（综合处供稿）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    line(document, "报：省委办公厅，省政府办公厅。", size=14)
    line(document, "送：中国地方志指导小组办公室。", size=14)
    line(document, "发：各市（州）地方志办。", size=14)
    line(document, "（共印80份）", size=14, align=WD_ALIGN_PARAGRAPH.RIGHT)
    return saved(document)


def test_a_published_bulletins_masthead_and_recipient_lines_are_left_out_and_said(client, media):
    client.force_login(factories.editor())

    response = post(client, published_bulletin())

    (article,) = Issue.objects.get().articles.all()
    assert (article.title, article.source) == ("省地方志办召开党组中心组（扩大）学习会", "综合处供稿")
    assert article.body == "<p>1月12日，省地方志办党组召开中心组（扩大）学习会。</p>"
    page = response.content.decode()
    assert "刊头和报、送、发行已略去" in page and "四川省地方志工作简报；第1期" in page and "（共印80份）" in page


def test_a_column_line_no_article_follows_is_kept_as_text():
    """Found by the property test above: a lone 【1】 line was taken for a 栏目 and lost."""
    document = docx.Document()
    line(document, "【市州动态】", size=16, bold=False, align=None, font="仿宋_GB2312")
    found = docx_import.docx_convert(saved(document)).articles
    assert [a.body for a in found] == ["<p>【市州动态】</p>"]
