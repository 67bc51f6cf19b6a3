"""Importing a whole Word draft (.docx) made here with python-docx: articles split at titles, bodies cleaned."""

import io

import docx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm
from PIL import Image

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
    assert response.status_code == 200 and message in response.content.decode()
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
