"""A bulletin harder than the demo, issued through the real workflow: four articles, four heading levels,
bold lead-ins, Latin text and numbers, 1.（1）lists, a table that runs over a page, an image, long 报 lines
with long unit names, and text that ends on an odd page (so the end block moves to the next, even page).
"""

import io

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
        ("省地方志办团支部获组织奖", PARAGRAPH * paragraphs),
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
