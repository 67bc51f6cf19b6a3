"""Every body the editor can produce previews and issues, or is refused on save in Chinese (issue 19, item 1).

The bodies are what CKEditor 5 writes and our allow-list keeps: paragraphs (centred, right-aligned, with
bold/italic/underline/sub/sup and line breaks), the four heading levels 一、（一）1.（1）, nested lists,
tables with rowspan and colspan (CKEditor wraps them in <figure class="table">), images uploaded through
the editor's upload view (so really stored under MEDIA_ROOT and made fit for print), block quotes, Latin,
URLs, long hashes, digits and emoji, and every punctuation mark where a line starts and ends.

Rendering costs 0.3–1 s an issue, so many generated articles go into one issue, and each issue is previewed
(render_issue as the admin's preview button does) and issued through the real workflow (送审, 签发). The
cheap properties (sanitising, limits, print preparation) run on many more bodies. Profiles: conftest.py.
"""

import io
import re
import shutil
import subprocess

import pdfplumber
import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from articles import services
from articles.content.limits import LIMITS, check_body
from articles.content.sanitize import sanitize_html
from articles.models import Article, Issue, stored_body
from articles.printing import print_body
from articles.printing.layout_report import LEFT
from articles.printing.pdfa import pdfa_findings
from articles.printing.renderer import render_issue
from tests.factories import SeriesFactory, draft_issue, editor, leader

pytestmark = pytest.mark.django_db

HANZI = "地方志工作信息编写单位出版日期学习贯彻全会精神推动事业转型发展服务大局年鉴省市县区乡镇村史料征集编纂"
# Every mark a Chinese bulletin uses; the paired and two-cell marks as typed.
PUNCTUATION = ["，", "。", "、", "；", "：", "？", "！", "“", "”", "‘", "’", "（", "）", "《", "》", "〈", "〉",
               "【", "】", "〔", "〕", "「", "」", "『", "』", "——", "……", "·", "～", "-", "/", "%", "‰", "℃",
               "№", "×", "÷", "±", "…", "—", ",", ".", ";", ":", "?", "!", "(", ")", "\"", "'"]
LATIN = ["WeChat", "Mini Program", "PDF/A-2b", "GB/T 9704-2012", "No.1", "iOS 17.2", "3,456,789", "12.5%",
         "98.5", "2024", "0.35mm", "https://www.gov.cn/zhengce/2024-03/05/content_6936254.htm",
         "http://dfz.sc.gov.cn/scdqs/c100092/list.shtml?page=2&size=20#top",
         "sha256:" + "0123456789abcdef" * 4, "A" * 40]
EMOJI = ["😀", "🎉", "👍", "🇨🇳", "✅"]
# Marks no line may begin with, and marks no line may end with (GB/T 15834, 避头尾).
NO_LINE_START = set("，。、；：？！）》〉】〕」』”’…")
NO_LINE_END = set("（《〈【〔「『“‘")


# --- bodies as the editor writes them -------------------------------------------------------------


def _runs(alphabet_weight=6):
    hanzi = st.text(alphabet=HANZI, min_size=1, max_size=60)
    return st.one_of(*[hanzi] * alphabet_weight, st.sampled_from(PUNCTUATION), st.sampled_from(LATIN),
                     st.integers(0, 10**9).map(str), st.sampled_from(EMOJI))


@st.composite
def texts(draw, max_runs=12):
    return "".join(draw(st.lists(_runs(), min_size=1, max_size=max_runs)))


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def inline(draw):
    pieces = []
    for text in draw(st.lists(texts(), min_size=1, max_size=4)):
        tag = draw(st.sampled_from([None, None, None, "strong", "em", "u", "sub", "sup", "br"]))
        if tag == "br":
            pieces.append(_escape(text) + "<br>")
        elif tag:
            pieces.append(f"<{tag}>{_escape(text)}</{tag}>")
        else:
            pieces.append(_escape(text))
    return "".join(pieces)


@st.composite
def paragraphs(draw):
    align = draw(st.sampled_from(["", "", "", ' style="text-align:center;"', ' style="text-align:right;"']))
    return f"<p{align}>{draw(inline())}</p>"


HEADINGS = {"h2": ("一、", "二、"), "h3": ("（一）", "（二）"), "h4": ("1.", "2."), "h5": ("（1）", "（2）")}


@st.composite
def headings(draw):
    level = draw(st.sampled_from(sorted(HEADINGS)))
    return f"<{level}>{draw(st.sampled_from(HEADINGS[level]))}{_escape(draw(texts(max_runs=3)))}</{level}>"


@st.composite
def lists(draw, depth=0):
    kind = draw(st.sampled_from(["ul", "ol"]))
    start = f' start="{draw(st.integers(1, 12))}"' if kind == "ol" and draw(st.booleans()) else ""
    items = []
    for _ in range(draw(st.integers(1, 4))):
        nested = draw(lists(depth + 1)) if depth < 3 and draw(st.integers(0, 3)) == 0 else ""
        items.append(f"<li>{draw(inline())}{nested}</li>")
    return f"<{kind}{start}>{''.join(items)}</{kind}>"


@st.composite
def tables(draw):
    """A table as CKEditor writes it: spans that tile the grid, an optional header row of <th>."""
    rows, cols = draw(st.integers(1, 12)), draw(st.integers(1, 7))
    taken, html_rows = set(), []
    header = draw(st.booleans())
    for r in range(rows):
        cells, c = [], 0
        while c < cols:
            if (r, c) in taken:
                c += 1
                continue
            free = next((n for n in range(1, cols - c + 1) if (r, c + n - 1) in taken), cols - c + 1) - 1 or 1
            colspan = draw(st.integers(1, free)) if draw(st.integers(0, 3)) == 0 else 1
            rowspan = draw(st.integers(1, rows - r)) if r and draw(st.integers(0, 4)) == 0 else 1
            taken |= {(r + i, c + j) for i in range(rowspan) for j in range(colspan)}
            tag = "th" if header and r == 0 else "td"
            spans = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
            content = draw(st.one_of(texts(max_runs=3), st.integers(0, 10**7).map(lambda n: f"{n:,}"),
                                     st.just("")))
            cells.append(f"<{tag}{spans}>{_escape(content)}</{tag}>")
            c += colspan
        html_rows.append(f"<tr>{''.join(cells)}</tr>")
    if header:
        return (f'<figure class="table"><table><thead>{html_rows[0]}</thead>'
                f"<tbody>{''.join(html_rows[1:])}</tbody></table></figure>")
    return f"<figure class=\"table\"><table><tbody>{''.join(html_rows)}</tbody></table></figure>"


@st.composite
def images(draw, urls):
    url = draw(st.sampled_from(urls))
    caption = draw(st.one_of(st.just(""), texts(max_runs=2)))
    style = draw(st.sampled_from(["block", "block", "inline", "cell"]))
    if style == "inline":
        return f"<p>{_escape(draw(texts(max_runs=2)))}<img src=\"{url}\">{_escape(draw(texts(max_runs=2)))}</p>"
    if style == "cell":
        return (f'<figure class="table"><table><tbody><tr><td><img src="{url}"></td><td>说明</td></tr>'
                "</tbody></table></figure>")
    figcaption = f"<figcaption>{_escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="image"><img src="{url}" alt="图片">{figcaption}</figure>'


WORD_LIST_MARKER = "<span style='mso-list:Ignore'>1.<span>&nbsp;&nbsp;</span></span>"


@st.composite
def pasted_from_word(draw):
    """What pasting from Word or WPS brings into CKEditor: classes, inline styles, typed numbers, <o:p>."""
    number = draw(st.sampled_from(["", "一、", "（二）", "3.", "（4）", "1．"]))
    text = _escape(draw(texts(max_runs=draw(st.sampled_from([1, 2, 8])))))
    align = draw(st.sampled_from(["", " align=center style='text-align:center'", " style='text-align:right'"]))
    marker = WORD_LIST_MARKER if draw(st.booleans()) else ""
    return (f"<p class=MsoNormal{align}>{marker}<span lang=EN-US style='font-family:仿宋_GB2312'>{number}</span>"
            f"<span style='font-size:16.0pt'>{text}<o:p></o:p></span></p>")


def blocks(urls):
    return st.one_of(paragraphs(), paragraphs(), paragraphs(), headings(), lists(), tables(), images(urls),
                     pasted_from_word(), inline().map(lambda html: f"<blockquote><p>{html}</p></blockquote>"))


def bodies(urls, max_blocks=8):
    return st.one_of(st.just(""), st.lists(blocks(urls), min_size=1, max_size=max_blocks).map("".join))


LONG_PARAGRAPH = "<p>" + (HANZI + "，WeChat 3,456，“" + HANZI + "”。") * 3 + "</p>"


def long_bodies():
    """Bodies of whole paragraphs of any length up to the limit (200,000 characters of HTML)."""
    return st.integers(1, LIMITS.max_chars // len(LONG_PARAGRAPH)).map(lambda count: LONG_PARAGRAPH * count)


# --- what is checked ---------------------------------------------------------------------------------


def _words(html):
    """The printable text of a body, without whitespace (the PDF's justification and line breaks add some)."""
    text = re.sub(r"<[^>]+>", "", html)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"), ("&nbsp;", " ")):
        text = text.replace(entity, char)
    return re.sub(r"\s+", "", text)


def _saved_or_refused(issue, position, title, body):
    """Save an article as the admin does; a refusal must be a Chinese message on the body."""
    article = Article(issue=issue, position=position, title=title, body=body)
    try:
        article.save()
    except ValidationError as exc:
        messages = exc.message_dict["body"]
        assert messages and all(re.search(r"[\u4e00-\u9fff]", message) for message in messages), messages
        return None
    return article


def _text(content):
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


def _preview_and_issue(issue, author):
    """Preview the draft, then 送审 and 签发 it through the services; return the issue and its stored PDF."""
    preview = render_issue(issue, preview=True)
    assert preview.pages >= 1 and preview.content.startswith(b"%PDF-")
    issue = services.issue_submit(issue=issue, actor=author)
    issue = services.issue_approve(issue=issue, actor=leader())
    assert issue.status == Issue.Status.ISSUED and issue.pdf_pages >= 1
    with issue.pdf_file.open("rb") as fh:
        content = fh.read()
    assert pdfa_findings(content) == []  # emoji included: they print in fonts.SYMBOLS, never as .notdef
    return issue, content


def _draft(author):
    return draft_issue(author=author, articles=0, series=SeriesFactory(name="性质测试工作信息"))


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def uploaded(client):
    """Images uploaded through CKEditor's upload view as a drafter: wide, tall (1:6), small, a photo."""
    client.force_login(editor())
    urls = []
    for size, fmt in [((1200, 700), "PNG"), ((200, 1200), "JPEG"), ((40, 40), "GIF"), ((3000, 2000), "JPEG")]:
        image = Image.new("RGB", size, (200, 30, 30))
        buffer = io.BytesIO()
        image.save(buffer, fmt)
        buffer.seek(0)
        buffer.name = f"upload.{fmt.lower()}"
        response = client.post("/ckeditor5/image_upload/", {"upload": buffer})
        assert response.status_code == 200, response.content
        urls.append(response.json()["url"])
    return urls


# --- properties ---------------------------------------------------------------------------------------


@settings(max_examples=settings.default.max_examples * 15)
@given(body=st.one_of(bodies(["/media/uploads/x.png"]), long_bodies()))
def test_every_generated_body_is_stored_measured_and_prepared_for_print_keeping_its_text(body):
    stored = stored_body(body)  # what Article.save() stores: limits, Word normalisation, the allow-list
    assert stored_body(stored) == stored  # saving what was stored changes nothing
    # Word's hidden list markers go (the list number is typed or printed by the list); every other character stays.
    assert _words(stored) == _words(sanitize_html(body.replace(WORD_LIST_MARKER, "")))
    prepared = print_body.prepare(stored, "a1")
    # Long Latin runs get zero-width spaces, break opportunities that print nothing (docs/pdf.md).
    assert _words(prepared).replace("\u200b", "") == _words(stored)


@given(data=st.data())
def test_generated_articles_preview_and_issue(data, uploaded):
    author = editor()
    issue = _draft(author)
    batch = data.draw(st.lists(bodies(uploaded), min_size=1, max_size=6), label="bodies")
    saved = [article for position, body in enumerate(batch, 1)
             if (article := _saved_or_refused(issue, position, f"生成文章第{position}篇", body))]
    assume(saved)
    _issue, content = _preview_and_issue(issue, author)
    text = re.sub(r"\s+", "", _text(content))
    for article in saved:
        assert article.title in text


def _length_body(n):
    """A one-paragraph body of exactly n characters, mixing what a short news item holds."""
    base = HANZI + "，" + HANZI + "。“" + HANZI + "”（2024年3月5日）《" + HANZI + "》、WeChat 12.5%；"
    text = (base * (n // len(base) + 1))[:n]
    return f"<p>{_escape(text)}</p>", text


@pytest.mark.parametrize("n", range(1, 401))
def test_a_paragraph_of_every_length_up_to_400_is_prepared_for_print(n):
    body, text = _length_body(n)
    check_body(body)
    stored = sanitize_html(body)
    assert _words(print_body.prepare(stored, "a1")).replace("\u200b", "") == re.sub(r"\s+", "", text)


def test_one_paragraph_articles_of_every_length_up_to_400_preview_and_issue():
    """The short-item crash (85–187 characters) and its neighbours: 400 one-paragraph items in one issue."""
    author = editor()
    issue = _draft(author)
    Article.objects.bulk_create(Article(issue=issue, position=n, title=f"短讯{n}", body=_length_body(n)[0])
                                for n in range(1, 401))
    _issue, content = _preview_and_issue(issue, author)
    with pdfplumber.open(io.BytesIO(content)) as pdf:  # its first and last pages: the whole takes seconds to read
        first, last = (re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))
                       for pages in (pdf.pages[:1], pdf.pages[-3:]))
    assert "短讯1" in first and "短讯400" in last


def test_every_punctuation_mark_at_line_starts_and_ends_previews_and_issues():
    """Each mark where the first line of a paragraph ends (26 cells after the indent) and the next starts."""
    author = editor()
    issue = _draft(author)
    filler = (HANZI * 4)
    for position, mark in enumerate(PUNCTUATION, 1):
        paragraph = filler[:25] + mark + mark + filler[:26] + mark + mark + filler[:20]
        Article.objects.create(issue=issue, position=position, title=f"标点{position}",
                               body=f"<p>{_escape(paragraph)}</p><p>{_escape(mark)}{filler[:30]}{_escape(mark)}</p>")
    _issue, content = _preview_and_issue(issue, author)
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        pages = [[line for line in page.extract_text_lines()
                  if line["chars"] and round(line["chars"][0]["size"]) == 16] for page in pdf.pages]
    text = "".join(line["text"] for lines in pages for line in lines).replace(" ", "")
    for mark in PUNCTUATION:
        assert mark in text
    # A line broken inside a paragraph: the next line starts flush left (a paragraph's first line is indented).
    broken = [(line["text"].strip(), following["text"].strip()) for lines in pages
              for line, following in zip(lines, lines[1:], strict=False) if abs(following["x0"] - LEFT) < 2]
    assert broken
    assert [pair for pair in broken if pair[1][:1] in NO_LINE_START] == []
    assert [pair for pair in broken if pair[0][-1:] in NO_LINE_END] == []


@pytest.mark.parametrize("limit", ["chars", "depth", "rows", "cells", "images"])
def test_a_body_beyond_a_limit_is_refused_on_save_in_chinese(limit, uploaded):
    bodies = {
        "chars": "<p>" + "字" * (LIMITS.max_chars - 6) + "</p>",
        "depth": "<ul><li>" * (LIMITS.max_depth + 1) + "深" + "</li></ul>" * (LIMITS.max_depth + 1),
        "rows": "<table><tbody>" + "<tr><td>行</td></tr>" * (LIMITS.max_table_rows + 1) + "</tbody></table>",
        "cells": "<table><tbody>" + ("<tr>" + "<td>格</td>" * 11 + "</tr>") * 273 + "</tbody></table>",
        "images": "".join(f'<p><img src="{uploaded[0]}"></p>' for _ in range(LIMITS.max_images + 1)),
    }
    issue = _draft(editor())
    with override("zh-hans"):
        assert _saved_or_refused(issue, 1, "超限文章", bodies[limit]) is None
    assert not issue.articles.exists()


def test_a_body_at_the_length_limit_is_saved_and_with_the_long_profile_issued():
    body = "<p>" + "字" * (LIMITS.max_chars - 7) + "</p>"
    assert len(body) == LIMITS.max_chars
    author = editor()
    issue = _draft(author)
    assert _saved_or_refused(issue, 1, "最长文章", body) is not None
    if settings.default.max_examples >= 100:  # HYPOTHESIS_PROFILE=long: about 7 s a render, 330 pages
        _issue, content = _preview_and_issue(issue, author)
        assert _issue.pdf_pages > 300


def test_an_emoji_prints_as_a_glyph_and_the_issue_stays_pdfa(tmp_path):
    """Emoji pasted from WeChat print in the symbols' face (fonts.SYMBOLS), in black, and stay text."""
    author = editor()
    issue = _draft(author)
    Article.objects.create(issue=issue, position=1, title="表情", body="<p>活动现场气氛热烈👍🎉，任务完成✅。</p>")
    _issued, content = _preview_and_issue(issue, author)  # no .notdef: PDF/A holds
    assert "👍🎉" in _text(content) and "✅" in _text(content)
    with pikepdf.open(io.BytesIO(content)) as pdf:
        faces = {str(font.get("/BaseFont")) for page in pdf.pages for font in page.Resources.Font.values()}
    assert any("Symbola" in face for face in faces), faces
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-", str(tmp_path / "emoji")],
                   input=content, check=True)
    shutil.copy(next(tmp_path.glob("emoji*.png")), "/tmp/emoji-page1.png")  # to look at
