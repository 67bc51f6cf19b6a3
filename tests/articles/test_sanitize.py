"""Rich text keeps what the print layout shows and loses everything that could run, leak or restyle it."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from articles.content.sanitize import is_own_media_url, sanitize_html
from articles.models import Article
from tests.factories import draft_issue

# What the print layout can show; written out here so that widening the allow-list is a visible decision.
SAFE_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "sub", "sup", "h2", "h3", "h4", "h5", "ul", "ol", "li", "blockquote",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "figure", "figcaption", "img",
}
SAFE_ATTRIBUTES = {"img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
                   "th": {"colspan", "rowspan"}, "ol": {"start"}}

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="/media/uploads/a.png" onerror="alert(1)" onload="alert(2)">',
    '<p onclick="alert(1)" onmouseover="alert(2)">点我</p>',
    "<body onload=alert(1)><p>正文</p></body>",
    '<a href="javascript:alert(1)">链接</a>',
    '<a href="https://evil.example/">外链</a>',
    '<img src="javascript:alert(1)">',
    '<img src=" javascript:alert(1)">',
    '<img src="jav&#x09;ascript:alert(1)">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
    '<img src="vbscript:msgbox(1)">',
    '<svg onload=alert(1)><script>alert(1)</script><image href="https://evil.example/x.png"/></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>p{background:url(https://evil.example/track.png)}</style>",
    '<p style="background:url(javascript:alert(1));position:fixed">正文</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="x.swf"><param name="a" value="b"></object>',
    '<embed src="x.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<form action="https://evil.example"><input name="a"><button>提交</button></form>',
    '<img src="http://evil.example/a.png">',
    '<img src="https://evil.example/a.png">',
    '<img src="//evil.example/a.png">',
    '<img src="/\\evil.example/a.png">',
    '<img src="https:/media/uploads/x.png">',
    '<img src="/media/../admin/logout/">',
    '<img src="/media/uploads/../../private/issues/1/2021/001.pdf">',
    '<img src="/media/%2e%2e/admin/">',
    '<img src="/media/uploads/x.png%00.js">',
    '<img src="/media/uploads/a.png?next=https://evil.example">',
    '<img src="/media/uploads/a.png" srcset="https://evil.example/x.png 2x">',
    '<img src="/static/admin/img/icon.svg">',
    '<table><tr><td background="javascript:alert(1)" style="color:red">a</td></tr></table>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    '<video src="x" onerror="alert(1)"></video><audio src="x"></audio>',
    "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:AllowPNG/></o:OfficeDocumentSettings></xml><![endif]-->",
    "<!--[if !supportLists]--><script>alert(1)</script><!--[endif]-->",
    '<p class="MsoNormal" style="mso-line-height-rule:exactly;mso-fareast-font-family:仿宋_GB2312">正文<o:p></o:p></p>',
    '<span lang="EN-US" style="font-family:宋体;mso-bidi-font-family:宋体">正文</span>',
    "<!-- 内部批注：不要发出去 --><p>正文</p>",
    '<div class="WordSection1" id="x" title="t" dir="rtl"><p>正文</p></div>',
]


class _Inventory(HTMLParser):
    """What a browser would see in sanitised output: tags with attributes, comments, declarations."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.comments = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.comments.append(decl)

    def unknown_decl(self, data):
        self.comments.append(data)

    def handle_pi(self, data):
        self.comments.append(data)


def assert_harmless(html):
    inventory = _Inventory()
    inventory.feed(html)
    inventory.close()
    assert inventory.comments == []
    for tag, attrs in inventory.tags:
        assert tag in SAFE_TAGS, tag
        if "style" in attrs:
            # The one style kept: the print layout's centred and right alignment (articles/content/wordpaste.py).
            assert tag in {"p", "h2", "h3", "h4", "h5"} and attrs.pop("style") in {
                "text-align:center", "text-align:right"}, (tag, attrs)
        assert set(attrs) <= SAFE_ATTRIBUTES.get(tag, set()), (tag, attrs)
        if tag == "img":
            src = attrs["src"]
            assert src.startswith("/media/") and ".." not in src and ":" not in src and "?" not in src, src
    lowered = html.lower()
    for needle in ("javascript:", "vbscript:", "data:", "evil.example", "mso-", "msonormal", "<o:"):
        assert needle not in lowered, needle
    assert re.sub(r'style="text-align:(center|right)"', "", lowered).count("style=") == 0


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_an_xss_payload_does_not_survive(payload):
    assert_harmless(sanitize_html(payload))
    assert_harmless(sanitize_html(f"<p>前文</p>{payload}<p>后文</p>"))


def test_the_list_of_payloads_is_long_enough_to_mean_something():
    assert len(set(XSS_PAYLOADS)) >= 25


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>", "<style>p{color:red}</style>", "<iframe>alert(1)</iframe>",
    "<svg><text>alert(1)</text></svg>", "<math><mi>alert(1)</mi></math>", "<object>alert(1)</object>",
    "<template>alert(1)</template>", "<noscript>alert(1)</noscript>",
])
def test_dangerous_elements_go_with_their_content(payload):
    assert sanitize_html(f"<p>正文</p>{payload}") == "<p>正文</p>"


KEPT = [
    "<p>正文第一段。</p>",
    "<p><strong>一、切实加强学习。</strong>思想是行动的指南。</p>",
    "<p><b>粗体</b><em>强调</em><i>斜体</i><u>下划线</u>H<sub>2</sub>O m<sup>2</sup><br>换行</p>",
    "<h2>一、总体要求</h2><h3>（一）指导思想</h3><h4>1.基本原则</h4>",
    "<ul><li>甲</li><li>乙</li></ul>",
    '<ol start="3"><li>丙</li></ol>',
    "<blockquote><p>引文</p></blockquote>",
    '<table><thead><tr><th colspan="2">表头</th></tr></thead>'
    '<tbody><tr><td rowspan="2">甲</td><td>乙</td></tr><tr><td>丙</td></tr></tbody></table>',
    '<figure><img src="/media/uploads/2021/01/photo.jpg" alt="学习会现场" width="600" height="400">'
    "<figcaption>学习会现场</figcaption></figure>",
    '<p><img src="/media/uploads/%E5%9B%BE%E7%89%87.png" alt="图片"></p>',
]


@pytest.mark.parametrize("html", KEPT)
def test_what_the_print_layout_shows_survives_unchanged(html):
    assert sanitize_html(html) == html


@pytest.mark.parametrize(("url", "own"), [
    ("/media/uploads/a.png", True),
    ("/media/uploads/2021/01/a.png", True),
    ("", False),
    ("uploads/a.png", False),
    ("/static/a.png", False),
    ("https://example.gov.cn/media/uploads/a.png", False),
    ("//example.gov.cn/media/uploads/a.png", False),
    ("/media/uploads/../../etc/passwd", False),
    ("/media/uploads/%2e%2e/%2e%2e/etc/passwd", False),
    ("/media/uploads\\..\\..\\a.png", False),
    ("/media/uploads/a.png#x", False),
])
def test_only_paths_inside_the_media_library_count_as_our_own_images(url, own):
    assert is_own_media_url(url) is own


def test_empty_or_missing_rich_text_is_an_empty_string():
    assert sanitize_html("") == sanitize_html(None) == ""


def test_sanitising_twice_changes_nothing_more():
    once = sanitize_html(WORD_PASTE)
    assert sanitize_html(once) == once


# What Word (and WPS, which imitates it) puts on the clipboard for a short bulletin paragraph and table.
SAMPLES = Path(__file__).parent / "samples"
WORD_PASTE = (SAMPLES / "word_paste.html").read_text(encoding="utf-8")

WPS_PASTE = (SAMPLES / "wps_paste.html").read_text(encoding="utf-8")


def test_a_word_paste_keeps_its_text_structure_and_loses_its_office_markup():
    cleaned = sanitize_html(WORD_PASTE)

    assert_harmless(cleaned)
    for text in ("省地方志办召开学习会", "1月12日，省地方志办党组召开中心组（扩大）学习会。",
                 "<b>切实加强学习。</b>思想是行动的指南。", "项目", "文章", "23篇", "四川省情网"):
        assert text in cleaned, text
    assert '<td colspan="2">' in cleaned
    assert cleaned.count("<tr>") == 2
    for leftover in ("file:", "<img", "WordSection", "Font Definitions", "@font-face", "StartFragment", "Normal",
                     "href", "<a", "lang=", "align=", "<span", "<div", "<html", "<head", "<body", "<meta", "<v:"):
        assert leftover not in cleaned, leftover


def test_a_wps_paste_keeps_its_text_and_loses_its_office_markup():
    cleaned = sanitize_html(WPS_PASTE)

    assert_harmless(cleaned)
    assert cleaned.strip() == "<p>\n活动参与度高。机关各处、四川年鉴社45周岁以下青年干部全部参与。</p>"


@pytest.mark.django_db
def test_an_article_body_is_stored_sanitised():
    issue = draft_issue(articles=0)
    payload = "".join(XSS_PAYLOADS)

    article = Article.objects.create(issue=issue, title="标题", body=f"<p>正文</p>{WORD_PASTE}{payload}")

    stored = Article.objects.values_list("body", flat=True).get(pk=article.pk)
    assert stored == article.body
    assert stored.startswith("<p>正文</p>")
    assert "省地方志办党组召开中心组（扩大）学习会" in stored
    assert_harmless(stored)


@pytest.mark.django_db
def test_an_article_body_is_sanitised_again_when_it_is_changed():
    article = Article.objects.create(issue=draft_issue(articles=0), title="标题", body="<p>正文</p>")

    article.body = '<p onclick="alert(1)">改后</p><script>alert(1)</script>'
    article.save()

    article.refresh_from_db()
    assert article.body == "<p>改后</p>"


@pytest.mark.django_db
def test_an_article_title_is_stored_as_its_lines():
    article = Article.objects.create(issue=draft_issue(articles=0), title="  省地方志办团支部 \r\n\r\n获组织奖  ")

    article.refresh_from_db()
    assert article.title == "省地方志办团支部\n获组织奖"
    assert article.title_lines == ["省地方志办团支部", "获组织奖"]


@pytest.mark.django_db
def test_a_bulk_update_of_article_bodies_is_sanitised_too():
    issue = draft_issue()
    issue.articles.update(body='<p onclick="x()">正文<script>alert(1)</script></p>')
    assert list(issue.articles.values_list("body", flat=True)) == ["<p>正文</p>"]
