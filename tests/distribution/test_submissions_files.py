"""信息报送 with files: a .docx through the drafting side's bounded Word import, and pictures checked and stored
like an editor's; a refusal names the limit and keeps nothing, the typed fields stay in the form."""

import io
import re

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx.shared import Cm
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from articles.content.limits import LIMITS
from articles.content.sanitize import sanitize_html
from distribution import services
from distribution.models import Submission, SubmissionLog
from tests.articles.test_docx_import import (
    hand_set_title,
    line,
    macro_enabled_by_part,
    saved,
    uploads,
    zip_bomb,
)
from tests.distribution import test_submissions

pytestmark = pytest.mark.django_db
w = test_submissions.w
NEW = reverse("distribution:submission_new")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def picture(name="现场.jpg", size=(600, 400), kind="JPEG"):
    data = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(data, kind)
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/jpeg")


def unit_docx(*, pictures=1, paragraphs=("3月5日，成都市召开年鉴编纂工作会。", "会议部署了全年工作。")):
    """A news item as a unit types it in Word: a hand-set title, the text, a picture, the 供稿单位 line."""
    document = docx.Document()
    hand_set_title(document, "成都市召开年鉴编纂工作会")
    for text in paragraphs:
        line(document, text)
    for _ in range(pictures):
        data = io.BytesIO()
        Image.new("RGB", (400, 300), (30, 90, 160)).save(data, "PNG")
        data.seek(0)
        document.add_picture(data, width=Cm(8))
    return saved(document)


def form(w, **fields):
    return {"unit": w.unit_a.pk, "title": "", "text": "", "contact_name": "张三", "contact_phone": "028-12345678",
            **fields}


def assert_nothing_kept(media):
    assert not Submission.objects.exists() and not SubmissionLog.objects.exists()
    assert uploads(media) == []


def test_a_unit_uploads_a_word_document_its_title_text_and_picture_are_kept(w, client, media):
    client.force_login(w.reader_a)
    response = client.post(NEW, form(w, document=SimpleUploadedFile("稿件.docx", unit_docx(), DOCX)))
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()
    assert submission.title == "成都市召开年鉴编纂工作会"  # the document's, as the title field was left empty
    assert submission.body.startswith("<p>3月5日，成都市召开年鉴编纂工作会。</p><p>会议部署了全年工作。</p>")
    src = submission.body.split('<img src="')[1].split('"')[0]
    assert src.startswith("/media/uploads/") and [f.name for f in uploads(media)] == [src.rsplit("/", 1)[1]]
    assert submission.body == sanitize_html(submission.body)


def test_a_typed_title_wins_over_the_documents(w, client):
    client.force_login(w.reader_a)
    client.post(NEW, form(w, title="成都市年鉴工作会", document=SimpleUploadedFile("稿件.docx", unit_docx(), DOCX)))
    assert Submission.objects.get().title == "成都市年鉴工作会"


@pytest.mark.parametrize(("content", "message"), [
    (lambda: zip_bomb(30), "文档中的部件 word/document.xml 解压后过大（30 MB，最多 20 MB）。"),
    (macro_enabled_by_part, "宏"),
    (lambda: b"not a zip at all", "这个文件不是 Word .docx 文档，或者已经损坏。"),
    (lambda: unit_docx(pictures=LIMITS.max_images + 1), f"（{LIMITS.max_images + 1} 张，最多 {LIMITS.max_images} 张）"),
    (lambda: unit_docx(pictures=0, paragraphs=["字" * (LIMITS.max_chars // 2)] * 3), f"最多 {LIMITS.max_chars}"),
])
def test_a_refused_document_names_the_limit_keeps_nothing_and_the_typed_fields_stay(w, client, media, content,
                                                                                     message):
    client.force_login(w.reader_a)
    response = client.post(NEW, form(w, title="我的标题", contact_name="李四",
                                     document=SimpleUploadedFile("稿件.docx", content(), DOCX)))
    page = response.content.decode()
    assert response.status_code == 200 and message in page, page.split('class="errorlist')[1][:600]
    assert 'value="我的标题"' in page and 'value="李四"' in page
    assert_nothing_kept(media)


def test_pictures_are_checked_stored_and_shown_after_the_text(w, client, media):
    client.force_login(w.reader_a)
    client.post(NEW, form(w, title="标题", text="正文。", pictures=[picture(), picture("二.png", kind="PNG")]))
    body = Submission.objects.get().body
    assert body.startswith("<p>正文。</p><figure><img src=\"/media/uploads/")
    assert body.count("<figure><img") == 2 and len(uploads(media)) == 2


def test_a_bad_picture_refuses_the_submission_naming_it_and_no_picture_is_kept(w, client, media):
    client.force_login(w.reader_a)
    broken = SimpleUploadedFile("坏图.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(NEW, form(w, title="标题", text="正文。", pictures=[picture(), broken]))
    page = response.content.decode()
    assert "图片 2（坏图.jpg）" in page and "不是 PNG、JPEG、GIF 或 WebP 图片" in page
    assert "重新选择" in page and "正文。" in page
    assert_nothing_kept(media)


def test_more_pictures_than_an_article_may_hold_are_refused(w, client, media):
    client.force_login(w.reader_a)
    response = client.post(NEW, form(w, title="标题", text="正文。",
                                     pictures=[picture(f"{n}.jpg", (20, 10)) for n in range(LIMITS.max_images + 1)]))
    assert f"最多 {LIMITS.max_images} 张" in response.content.decode()
    assert_nothing_kept(media)


def test_text_and_a_document_together_are_refused(w, client, media):
    client.force_login(w.reader_a)
    response = client.post(NEW, form(w, title="标题", text="正文。",
                                     document=SimpleUploadedFile("稿件.docx", unit_docx(), DOCX)))
    assert "只能选一种" in response.content.decode()
    assert_nothing_kept(media)


def test_a_failure_after_the_files_were_stored_deletes_them(w, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")
    monkeypatch.setattr(services, "_submission_log", broken)
    with pytest.raises(RuntimeError):
        services.submission_create(actor=w.reader_a, unit=w.unit_a, title="标题", text="正文。", pictures=[picture()],
                                   contact_name="张三", contact_phone="1")
    assert_nothing_kept(media)


def test_a_returned_submission_with_pictures_is_sent_again_keeping_them_with_one_more(w, client, media):
    submission = services.submission_create(actor=w.reader_a, unit=w.unit_a, title="标题", text="正文。",
                                            pictures=[picture()], contact_name="张三", contact_phone="1")
    services.submission_return(submission=submission, actor=w.editor, reason="请补一张会场照片")
    client.force_login(w.reader_a)
    url = reverse("distribution:submission_resubmit", args=[submission.pk])
    page = client.get(url)
    assert page.context["form"]["keep_body"].value() and page.context["form"]["text"].value() == ""
    client.post(url, {"title": "标题", "keep_body": "on", "pictures": [picture("会场.jpg")], "contact_name": "张三",
                      "contact_phone": "1"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.body.startswith("<p>正文。</p>") and submission.body.count("<img") == 2


def test_a_plain_text_submission_is_changed_as_text(w, client):
    submission = test_submissions.submit(w)
    services.submission_return(submission=submission, actor=w.editor, reason="请修改")
    client.force_login(w.reader_a)
    form_ = client.get(reverse("distribution:submission_resubmit", args=[submission.pk])).context["form"]
    assert "keep_body" not in form_.fields and form_["text"].value() == "第一段。\n第二段<b>加粗</b>。"


# --- what the form accepts, for anything typed --------------------------------------------------------------

TYPED = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)


@given(title=TYPED, text=st.one_of(TYPED, st.lists(TYPED, max_size=5).map("\n".join)),
       contact=st.text(max_size=60), extra=st.sampled_from(["", "<script>alert(1)</script>", "<img src=x onerror=y>",
                                                            "&lt;b&gt;", "\x00", "字" * (LIMITS.max_chars + 1)]))
def test_whatever_is_typed_the_form_keeps_an_escaped_clean_body_or_refuses_keeping_nothing(w, title, text, contact,
                                                                                            extra):
    from django.test import Client

    client = Client()
    client.force_login(w.reader_a)
    before = Submission.objects.count()
    typed_text = text + extra
    response = client.post(NEW, form(w, title=title, text=typed_text, contact_name=contact, contact_phone=contact))
    if response.status_code == 302:
        submission = Submission.objects.latest("pk")
        assert submission.body == sanitize_html(submission.body)  # within the allow-list
        assert set(re.findall(r"<(\w+)", submission.body)) == {"p"}  # paragraphs only: no tag typed survives
        # Every line typed comes back as typed: nothing of it became markup.
        lines = [line.strip() for line in typed_text.replace("\r\n", "\n").split("\n") if line.strip()]
        assert services.submission_text(submission.body).split("\n") == lines
        assert submission.title == " ".join(title.split())
    else:
        assert response.status_code == 200 and response.context["form"].errors
        assert Submission.objects.count() == before
        if typed_text.strip():
            assert typed_text.replace("\r\n", "\n").strip("\n")[:20] in response.context["form"]["text"].value()


def test_the_lines_the_word_import_sets_apart_stay_in_a_units_text(w, client, media):
    """栏目, subtitle and 供稿单位 are fields of an article, not of a 稿件: they stay in the text, where typed."""
    from tests.articles.test_docx_import import office_docx

    client.force_login(w.reader_a)
    response = client.post(NEW, form(w, document=SimpleUploadedFile("稿件.docx", office_docx(), DOCX)))

    assert response.status_code == 302
    body = Submission.objects.get().body
    for kept in ("【特别关注】", "（综合处供稿）", "【市州动态】", "——市地方志办主任在会上的讲话摘要",
                 "（成都市地方志工作办公室）", "成都市召开2021年地方志工作会议"):
        assert kept in body, kept
    assert body.index("（综合处供稿）") < body.index("【市州动态】") < body.index("成都市召开2021年地方志工作会议")
    assert '<p style="text-align:right">（成都市地方志工作办公室）</p>' in body
