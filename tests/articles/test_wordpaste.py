"""Word and WPS in (articles/content/wordpaste.py): numbered lines become the print layout's headings, never numbered
twice; alignment is kept; a picture that cannot be kept is refused with a message naming it."""

import pytest
from django.core.exceptions import ValidationError

from articles.content.wordpaste import image_problems, normalize
from articles.models import Article
from tests.factories import draft_issue

# What Word 2016 puts on the clipboard for three numbered headings and a body paragraph (trimmed).
WORD_NUMBERED = """
<p class=MsoListParagraph style='margin-left:21pt;mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>1.<span
style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp; </span></span>一、切实加强学习<o:p></o:p></p>
<p class=MsoNormal style='text-indent:32pt'>要深刻领会全会精神，把学习贯彻引向深入。<o:p></o:p></p>
"""
# WPS puts its numbering in a list, with the typed number in the text too.
WPS_LIST = "<ol><li>（一）提高政治站位</li><li>（二）强化责任落实</li></ol>"
TYPED = "<p>1.抓好年鉴编纂</p><p>（1）按时完成初稿</p><p>2.深化方志理论研究。要坚持问题导向，结合实际……</p>"
ALIGNED = ('<p align=center>表1  2020年度考核结果</p><p style="text-align: right;">四川省地方志工作办公室</p>'
           '<p style="text-align:justify">正文段落。</p>')


def test_a_word_numbered_heading_is_a_heading_numbered_once():
    html = normalize(WORD_NUMBERED)
    assert "<h2>一、切实加强学习</h2>" in html
    assert "1." not in html and "mso" not in html.lower()
    assert "<p>要深刻领会全会精神" in html


def test_a_wps_list_of_numbered_headings_leaves_the_list():
    assert normalize(WPS_LIST) == "<h3>（一）提高政治站位</h3><h3>（二）强化责任落实</h3>"


def test_typed_numbers_give_the_heading_levels_and_long_paragraphs_stay_paragraphs():
    html = normalize(TYPED)
    assert "<h4>1.抓好年鉴编纂</h4>" in html
    assert "<p>（1）按时完成初稿</p>" in html  # （1） is body text in the print layout
    assert "<p>2.深化方志理论研究。要坚持问题导向" in html


def test_dates_and_ordinary_lists_are_left_alone():
    assert normalize("<p>2021.1.13</p>") == "<p>2021.1.13</p>"
    assert normalize("<ol><li>学习</li><li>调研</li></ol>") == "<ol><li>学习</li><li>调研</li></ol>"


@pytest.mark.django_db
def test_centred_and_right_aligned_paragraphs_keep_their_alignment_when_stored():
    article = Article.objects.create(issue=draft_issue(articles=0), title="标题", body=ALIGNED)
    assert article.body == ('<p style="text-align:center">表1  2020年度考核结果</p>'
                            '<p style="text-align:right">四川省地方志工作办公室</p><p>正文段落。</p>')


@pytest.mark.django_db
def test_a_picture_that_cannot_be_kept_is_refused_in_chinese_naming_it():
    issue = draft_issue(articles=0)
    body = ('<p>见下图。</p><img src="file:///C:/Users/a/AppData/Local/Temp/msohtmlclip1/01/clip_image001.png">'
            '<img src="/media/uploads/ok.png"><img src="https://example.org/b.png">')
    article = Article(issue=issue, title="有图的文章", body=body)
    with pytest.raises(ValidationError) as refused:
        article.full_clean()
    messages = refused.value.message_dict["body"]
    assert len(messages) == 2
    assert messages[0].startswith("第1张图片（file:///C:/Users/a/AppData") and "您电脑上的文件" in messages[0]
    assert messages[1].startswith("第3张图片（https://example.org/b.png）") and "其他网站" in messages[1]
    assert image_problems('<img src="/media/uploads/ok.png">') == []


@pytest.mark.django_db
def test_the_issue_form_refuses_the_picture_and_keeps_what_was_typed(client):
    from django.urls import reverse

    from tests import factories
    from tests.articles.test_revisions import _change_form_data

    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    data = _change_form_data(issue) | {
        "articles-0-body": '<p>刚粘贴的正文。</p><img src="file:///C:/Temp/clip_image001.png">'}
    response = client.post(reverse("admin:articles_issue_change", args=[issue.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200 and "刚粘贴的正文" in html and "第1张图片" in html
    assert issue.articles.get().body == "<p>正文。</p>"


def test_a_picture_without_alt_text_takes_its_caption():
    from articles.content.wordpaste import normalize

    html = normalize('<figure class="image"><img src="/media/uploads/a.png">'
                     '<figcaption>图1 会议现场</figcaption></figure>'
                     '<figure><img src="/media/uploads/b.png" alt="已有说明"><figcaption>图2</figcaption></figure>')
    assert 'alt="图1 会议现场"' in html and 'alt="已有说明"' in html
