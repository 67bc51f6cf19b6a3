"""A bulletin harder than the demo, issued through the real workflow: four articles, four heading levels,
bold lead-ins, Latin text and numbers, 1.（1）lists, a table that runs over a page, an image, long 报 lines
with long unit names, and text that ends on an odd page (so the end block moves to the next, even page).
"""

import io
import re

import pdfplumber
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from articles.models import Article, Distribution, Issue
from articles.services import issue_approve, issue_submit
from tests.factories import RecipientFactory, SeriesFactory, draft_issue, editor, leader

HEADINGS = (
    "<h2>一、总体情况</h2>"
    "<p><strong>一是</strong>坚持高位推动。2021年1—11月，全省地方志系统完成年鉴编纂182部，同比增长12.5%，"
    "较上年同期多出20部；其中“数字方志”平台累计访问量达到3,456,789人次，位居全国前列。</p>"
    "<h3>（一）主要做法</h3>"
    "<p>依托微信公众号和小程序（WeChat Mini Program）开展线上学习，组织“方志讲堂”12期，"
    "参与人数超过1.2万人次，形成线上线下相结合的宣传格局。</p>"
    "<h4>1.强化制度建设</h4>"
    "<p>修订完善《四川省地方志工作规定》等制度文件6项，建立健全“编、审、验”全流程质量管理机制，"
    "确保每一部志书经得起历史检验。</p>"
    "<h5>（1）明确工作责任</h5>"
    "<p>各市（州）地方志工作机构要对照年度目标任务，细化分解到处室和个人，按月调度、按季通报。</p>"
)
LIST = (
    "<p>下一步重点抓好以下工作：</p>"
    "<ol><li>推进二轮修志扫尾工作，确保全面完成规划任务，做好验收前的各项准备。</li>"
    "<li>抓好年鉴编纂出版：<ol><li>按时完成省级年鉴编纂，做到一年一鉴、当年卷当年公开出版。</li>"
    "<li>加强市县年鉴质量评审，对评审中发现的问题限期整改。</li></ol></li>"
    "<li>推动方志馆建设，提升展陈水平和对外服务能力。</li></ol>"
)
PARAGRAPH = (
    "<p>要切实强化依法治志工作，全面贯彻落实《地方志工作条例》和《四川省地方志工作条例》，推动落实党委领导、"
    "人大监督、政府主持、地方志工作机构组织实施、各部门（单位）共同参与的工作机制，着力提升全省依法修志、"
    "读志、用志、治志水平，为全面建设社会主义现代化四川贡献方志力量。</p>"
)
UNITS = ["成都市地方志办公室", "自贡市地方志办公室", "攀枝花市地方志办公室", "泸州市地方志办公室",
         "德阳市地方志办公室", "绵阳市地方志办公室", "广元市地方志办公室", "遂宁市地方志办公室",
         "内江市地方志办公室", "乐山市地方志办公室", "南充市地方志办公室", "眉山市地方志办公室"]


def table(rows=34):
    head = "<tr><th>序号</th><th>单位</th><th>考核得分</th><th>完成部数</th><th>备注</th></tr>"
    body = "".join(
        f"<tr><td>{i}</td><td>{UNITS[i % len(UNITS)]}</td><td>{90 + i % 10}.{i % 7}</td>"
        f"<td>{10 + i * 3}</td><td>{'按期完成' if i % 3 else '提前完成，质量较好'}</td></tr>"
        for i in range(1, rows + 1)
    )
    return f"<p>各地完成情况见下表：</p><table><tbody>{head}{body}</tbody></table>{PARAGRAPH}"


def image_url():
    """A 1200 × 700 chart-like PNG stored in the media folder, as an upload would be."""
    picture = Image.new("RGB", (1200, 700), "white")
    draw = ImageDraw.Draw(picture)
    for i, height in enumerate((300, 420, 520, 610, 480)):
        draw.rectangle((100 + i * 210, 680 - height, 230 + i * 210, 680), fill=(40, 40, 40))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    name = default_storage.save("uploads/hard-bulletin-chart.png", buffer)
    return default_storage.url(name)


def hard_bulletin(*, paragraphs=8):
    """Issue the hard bulletin; return the issued Issue (its PDF stored by issue_approve)."""
    author = editor()
    issue = draft_issue(author=author, series=SeriesFactory(name="方志工作信息"), articles=0)
    bodies = [
        ("全省地方志工作会议在成都召开\n部署2021年重点工作", HEADINGS + LIST + PARAGRAPH * 2),
        ("2021年度地方志工作目标考核结果", table()),
        ("方志馆建设成效明显", f'{PARAGRAPH}<figure class="image"><img src="{image_url()}"></figure>{PARAGRAPH}'),
        # Pasted from a WeChat post, emoji and all: they print in the symbols' face (fonts.SYMBOLS).
        ("省地方志办团支部获组织奖", PARAGRAPH * paragraphs + "<p>团员们纷纷点赞👍🎉，活动⏰准时开始，荣获第1️⃣名。</p>"),
    ]
    for position, (title, body) in enumerate(bodies, start=1):
        Article.objects.create(issue=issue, position=position, title=title, body=body)
    long_name = RecipientFactory(name="中国人民政治协商会议四川省委员会办公厅")
    Distribution.objects.create(issue=issue, recipient=long_name, role="report")
    for name in ("省直机关工委", "省纪委监委驻省政府办公厅纪检监察组", "省政协办公厅", "省人大常委会办公厅",
                 "省委宣传部", "省委政策研究室"):
        Distribution.objects.create(issue=issue, recipient=RecipientFactory(name=name), role="report")
    for name in UNITS[:8]:
        Distribution.objects.create(issue=issue, recipient=RecipientFactory(name=name), role="copy")
    Distribution.objects.create(issue=issue, recipient=RecipientFactory(name="机关各处"), role="send")
    issue = issue_submit(issue=issue, actor=author)
    issue = issue_approve(issue=issue, actor=leader())
    assert issue.status == Issue.Status.ISSUED
    return issue


# --- issue 19: a bulletin for every print-fidelity class ------------------------------------------------------

HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
URL = "https://www.scdfz.org.cn/gzdt/zyhy/2024/01/12/content_7f3a9c2b41d84e0f9a6b.html?from=timeline&isappinstalled=0"
LATIN = (
    f"<p>本期数据包已发布，校验值（SHA-256）为{HASH}，请各单位下载后核对。</p>"
    f"<p>详见省地方志办门户网站{URL}，也可在微信公众号中搜索“四川方志”查阅全文。</p>"
    "<p>截至2024年12月31日，全省累计完成Digital Gazetteer数据库建设任务3,456,789条，同比增长12.5%，"
    "其中PDF格式文件20240112份，OCR识别准确率达到99.87%，JSON接口调用量为1234567次。</p>"
)
LEVELS = (
    "<h2>一、工作进展</h2><p>全省各地扎实推进各项工作。</p>"
    "<h3>（一）志书编纂</h3><p>二轮志书编纂进入收尾阶段。</p>"
    "<h4>1.加强质量管理</h4><p>严格执行三审制度，确保志书质量。</p>"
    "<h5>（1）规范审读流程</h5><p>审读意见逐条反馈、逐条整改。</p>"
    "<p>主要任务如下：</p>"
    "<ol><li>完善工作机制，明确责任分工。<ol><li>建立月调度制度。<ol><li>每月5日前报送进度。</li>"
    "<li>每季度通报一次。</li></ol></li><li>建立督查制度。</li></ol></li><li>加强队伍建设。</li></ol>"
    "<ul><li>省级层面统筹推进。<ul><li>市级层面具体落实。<ul><li>县级层面抓好执行。</li></ul></li></ul></li>"
    "<li>各方共同参与。</li></ul>"
)


def span_table(rows=36):
    """A table with a two-row header (colspan over 基础分/加分), 片区 cells spanning four rows, and a long unit name."""
    head = ("<tr><th rowspan=\"2\">片区</th><th rowspan=\"2\">单位</th><th colspan=\"2\">考核得分</th>"
            "<th rowspan=\"2\">备注</th></tr><tr><th>基础分</th><th>加分</th></tr>")
    body = []
    for i in range(rows):
        area = f"<td rowspan=\"4\">第{i // 4 + 1}片区</td>" if i % 4 == 0 else ""
        name = "中国人民政治协商会议四川省委员会办公厅" if i == 5 else UNITS[i % len(UNITS)]
        body.append(f"<tr>{area}<td>{name}</td><td>{80 + i % 9}.{i % 7}</td><td>{i % 5}</td>"
                    f"<td>{'按期完成' if i % 3 else '提前完成'}</td></tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def wide_table():
    """Twelve columns of headers that are never broken: wider than the type area as it stands."""
    head = "".join(f"<th>第{i}季度完成数</th>" for i in range(1, 13))
    row = "".join(f"<td>{1000 + i * 37}</td>" for i in range(12))
    return f"<table><tbody><tr>{head}</tr><tr>{row}</tr><tr>{row}</tr></tbody></table>"


def picture_url(name, size):
    """A grey chart-like PNG of `size` stored in the media folder, as an upload would be."""
    picture = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((4, 4, size[0] - 5, size[1] - 5), outline=(0, 0, 0), width=6)
    for i in range(0, size[1], 60):
        draw.line((0, i, size[0], i), fill=(120, 120, 120), width=2)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return default_storage.url(default_storage.save(f"uploads/{name}.png", buffer))


def fidelity_articles():
    """(title, body) of each article of the print-fidelity bulletin."""
    tall = picture_url("tall-1-6", (300, 1800))
    wide = picture_url("wide", (1600, 900))
    return [
        ("关于进一步加强和改进新时代全省地方志工作高质量发展的实施意见", LEVELS + PARAGRAPH),
        ("2024年度考核结果", PARAGRAPH * 2 + span_table() + PARAGRAPH + wide_table()),
        ("数据与网址", LATIN + PARAGRAPH),
        ("图片", PARAGRAPH * 3 + f'<figure class="image"><img src="{tall}">'
                 f"<figcaption>图1 方志馆平面示意图</figcaption></figure>{PARAGRAPH}"
                 f'<figure class="image"><img src="{wide}"><figcaption>图2 年度工作进度</figcaption></figure>'),
        ("短讯", "<p>省地方志办召开专题会议。</p>" + PARAGRAPH),
    ]


def fidelity_bulletin():
    """Issue the print-fidelity bulletin through the workflow; return the issued Issue."""
    author = editor()
    issue = draft_issue(author=author, series=SeriesFactory(name="方志工作信息"), articles=0)
    for position, (title, body) in enumerate(fidelity_articles(), start=1):
        Article.objects.create(issue=issue, position=position, title=title, body=body)
    Distribution.objects.create(issue=issue, role="report",
                                recipient=RecipientFactory(name="中共四川省委全面依法治省委员会办公室秘书处综合科"))
    for name in ("省直机关工委", "省政协办公厅", "中共四川省委党史研究室（四川省地方志工作办公室）"):
        Distribution.objects.create(issue=issue, recipient=RecipientFactory(name=name), role="report")
    Distribution.objects.create(issue=issue, recipient=RecipientFactory(name="机关各处"), role="send")
    issue = issue_submit(issue=issue, actor=author)
    issue = issue_approve(issue=issue, actor=leader())
    assert issue.status == Issue.Status.ISSUED
    return issue


PAGE_NUMBER = re.compile(r"^— \d+ —$")


class IssuedPdf:
    """An issued hard bulletin as the tests read it back: its PDF's pages and text lines, and its layout report."""

    def __init__(self, issue, content, report):
        self.issue, self.content, self.report = issue, content, report
        self.pdf = pdfplumber.open(io.BytesIO(content))
        self.pages = self.pdf.pages
        self.lines = [page.extract_text_lines() for page in self.pages]

    def line(self, start):
        return next((n, ln) for n, lines in enumerate(self.lines) for ln in lines if ln["text"].startswith(start))

    def text(self):
        """The text as read from the PDF: lines joined as they come, nothing removed but page numbers."""
        return "".join(ln["text"] for lines in self.lines for ln in lines if not PAGE_NUMBER.match(ln["text"]))
